"""Resident identity numbers (GB 11643-1999) and phone numbers: validation, check digit,
masking, and reading them from what a person typed or a spreadsheet cell holds.

`normalise_id_number` and `normalise_phone` take a number already in its plain form and raise a
`DomainError`; `parse_id_number` and `parse_phone` take a cell or a typed term as it came
(`lib.text.cell_text`: full-width digits, spaces, hyphens; an ID number's lower-case x or its
15-digit first-generation form; a phone's +86 / 0086 or a second number after it) and raise
`Invalid`. Neither repeats the number in its message.
"""

import datetime as dt
import operator
import re
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from wangge.lib.errors import DomainError, Invalid
from wangge.lib.text import cell_text

_ID_NOISE = re.compile(r"[\s\-_'‘’\"]")
_PHONE_SPLIT = re.compile(r"[/,，;；、|]")
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


def normalise_phone(raw: str) -> str:
    """The digits of a phone number, or a DomainError when there are not 7 to 15 of them."""
    phone = raw if raw.isascii() and raw.isdigit() else "".join(ch for ch in raw if ch.isdigit())
    if not 7 <= len(phone) <= 15:
        raise DomainError("phone_format", _("A phone number has 7 to 15 digits."))
    return phone


def upgrade_id_number(first_generation: str) -> str:
    """The 18-digit form of a 15-digit first-generation number: "19" goes in after the 6-digit
    area code and the GB 11643 check digit is appended."""
    first17 = f"{first_generation[:6]}19{first_generation[6:]}"
    try:
        dt.date(int(first17[6:10]), int(first17[10:12]), int(first17[12:14]))
    except ValueError:
        raise Invalid("id_number_birth_date", gettext("The birth date inside the ID number does not exist.")) from None
    return first17 + check_digit(first17)


def parse_id_number(cell: Any) -> str:
    if isinstance(cell, float):
        # A number column keeps 15 significant digits: an 18-digit number has lost its end.
        if not cell.is_integer() or cell >= 2**53:
            raise Invalid(
                "id_number_as_number",
                gettext(
                    "The ID number was stored as a number and lost its last digits; "
                    "format the column as text and enter it again."
                ),
            )
        cell = int(cell)
    value = _ID_NOISE.sub("", cell_text(cell)).upper()
    if len(value) == 15 and value.isdigit():
        value = upgrade_id_number(value)
    try:
        return normalise_id_number(value)
    except DomainError as error:
        raise Invalid(error.code, error.message) from None


def parse_phone(cell: Any) -> str:
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    if isinstance(cell, str) and cell.isascii() and cell.isdigit() and not cell.startswith(("86", "0086")):
        digits = cell  # the common case: digits only, nothing to take apart
    else:
        digits = _phone_digits(cell)
    try:
        return normalise_phone(digits)
    except DomainError as error:
        raise Invalid(error.code, error.message) from None


def _phone_digits(cell: Any) -> str:
    """The digits of the first number in a phone cell, without +86 / 0086."""
    first = _PHONE_SPLIT.split(cell_text(cell))[0].strip()
    groups = first.split(" ")
    if len(groups) > 1 and all(sum(ch.isdigit() for ch in g) >= 7 for g in groups):
        first = groups[0]  # two numbers separated by a space
    digits = "".join(ch for ch in first if ch.isdigit())
    if first.startswith("+86") or (digits.startswith("86") and len(digits) == 13):
        digits = digits[2:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    return digits
