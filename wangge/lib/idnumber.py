"""Resident identity numbers (GB 11643-1999): validation, check digit, masking."""

import datetime as dt
import operator

from django.utils.translation import gettext_lazy as _

from wangge.lib.errors import DomainError

_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_CHECK = "10X98765432"


def check_digit(first17: str) -> str:
    if len(first17) != len(_WEIGHTS):
        raise ValueError("check_digit needs the first 17 digits.")
    return _CHECK[sum(map(operator.mul, map(int, first17), _WEIGHTS)) % 11]


def normalise_id_number(raw: str) -> str:
    """The canonical 18-character form (upper-case X), or a DomainError saying what is wrong."""
    value = raw.strip().upper()
    if len(value) != 18 or not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        raise DomainError("id_number_format", _("An ID number has 17 digits followed by a digit or X."))
    try:
        dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise DomainError("id_number_birth_date", _("The birth date inside the ID number does not exist.")) from None
    if check_digit(value[:17]) != value[17]:
        raise DomainError("id_number_check_digit", _("The ID number's check digit is wrong; please check the number."))
    return value


def birth_date_of(id_number: str) -> dt.date:
    return dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def mask_id_number(id_number: str) -> str:
    return f"{id_number[:3]}{'*' * 11}{id_number[-4:]}"


def mask_phone(phone: str) -> str:
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"
