"""Every change Open311 makes: API keys created and revoked, and requests filed.

A key is created or revoked by a district administrator of its district (or a superuser, or
the operator at the command line: `acting_user=None`); for anyone else another district's key
does not exist (404).

A request is filed through `wangge.cases.actions.file_case`, the same action the web and the
REST API use, and its Open311-only facts are written in the same transaction; everything
the request says is checked before anything is written.
"""

import re
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from wangge.accounts.audit import record
from wangge.accounts.districts import administers
from wangge.accounts.models import AuditAction, User
from wangge.areas.models import AreaNode, Level
from wangge.cases.actions import file_case
from wangge.cases.errors import CaseError
from wangge.cases.models import Case, Category, Channel, QuestionType
from wangge.lib.crypto import blind_index, encrypt_field
from wangge.lib.errors import DomainError
from wangge.lib.models import mark_used
from wangge.lib.rowids import assign_id
from wangge.open311.errors import Open311Code
from wangge.open311.models import ApiKey, Open311Request
from wangge.open311.queries import key_digest

MAX_MEDIA = 5
MAX_NAME_PART = 50
MAX_ID = 200
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_PHONE = re.compile(r"\+?[0-9][0-9 ()\-]{2,39}")


# --- API keys -------------------------------------------------------------------------------


def create_api_key(acting_user: User | None, *, name: str, district: AreaNode) -> tuple[ApiKey, str]:
    """A new key for `district`; returns it with the key itself, which is never stored or shown again."""
    name = name.strip()
    if not name or len(name) > 100:
        raise DomainError(Open311Code.API_KEY_NAME_INVALID, _("The key's name must be 1 to 100 characters long."))
    if district.level != Level.DISTRICT:
        raise DomainError(Open311Code.NOT_A_DISTRICT, _("An API key belongs to a district."))
    if not administers(acting_user, district.pk):
        raise DomainError(Open311Code.DISTRICT_NOT_ADMINISTERED, _("No such district."), status=404)
    raw = "o311_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        if ApiKey.objects.filter(name=name).exists():
            raise DomainError(Open311Code.API_KEY_NAME_TAKEN, _("There is already a key with this name."))
        key = ApiKey.objects.create(district=district, name=name, digest=key_digest(raw), prefix=raw[:9])
        record(
            acting_user,
            AuditAction.API_KEY_CREATED,
            obj=key,
            district_id=district.pk,
            detail={"name": name, "prefix": key.prefix},
        )
    return key, raw


def revoke_api_key(acting_user: User | None, *, name: str) -> ApiKey:
    """Refuse the key from now on (its requests stay as they are). Another district's key is,
    for its administrator, a key that does not exist (404)."""
    with transaction.atomic():
        key = ApiKey.objects.select_for_update().filter(name=name).first()
        if key is None or not administers(acting_user, key.district_id):
            raise DomainError(Open311Code.API_KEY_UNKNOWN, _("There is no key with this name."), status=404)
        if key.revoked_at is not None:
            raise DomainError(Open311Code.API_KEY_REVOKED, _("This key is already revoked."), status=409)
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at", "updated_at"])
        record(
            acting_user,
            AuditAction.API_KEY_REVOKED,
            obj=key,
            district_id=key.district_id,
            detail={"name": key.name, "prefix": key.prefix},
        )
    return key


# --- filing ---------------------------------------------------------------------------------


def _full_name(first: str, last: str) -> str:
    """Chinese names are written family name first, without a space (张 + 三 → 张三)."""
    if _CJK.search(first + last):
        return f"{last}{first}"
    return " ".join(part for part in (first, last) if part)


def _answers(category: Category, raw: dict[str, list[str]]) -> dict[str, Any]:
    """Open311 attribute values as `file_case` takes answers: a list for multiple choice, one
    value otherwise (a date also as a W3C date-time). Codes the category does not ask are ignored."""
    answers: dict[str, Any] = {}
    for question in category.questions.all():
        values = raw.get(question.code, [])
        if question.datatype == QuestionType.MULTIPLE or not values:
            answers[question.code] = values
            continue
        if len(values) > 1:
            raise DomainError(
                CaseError.ANSWER_INVALID, _("The answer to “%(question)s” is not valid.") % {"question": question.label}
            )
        value = values[0]
        moment = parse_datetime(value) if question.datatype == QuestionType.DATE and "T" in value else None
        if moment is not None and moment.tzinfo is not None:
            value = timezone.localtime(moment).date().isoformat()
        answers[question.code] = value
    return answers


def _check_contact(*, email: str, phone: str, media_url: str, first_name: str, last_name: str) -> None:
    if email:
        try:
            EmailValidator()(email)
        except ValidationError:
            raise DomainError(Open311Code.EMAIL_INVALID, _("The e-mail address is not valid.")) from None
    if phone and not _PHONE.fullmatch(phone):
        raise DomainError(Open311Code.PHONE_INVALID, _("The phone number is not valid."))
    if media_url:
        try:
            URLValidator(schemes=["http", "https"])(media_url)
        except ValidationError:
            raise DomainError(Open311Code.MEDIA_URL_INVALID, _("media_url must be an http or https URL.")) from None
        if len(media_url) > 1000:
            raise DomainError(Open311Code.MEDIA_URL_INVALID, _("media_url must be an http or https URL."))
    if len(first_name) > MAX_NAME_PART or len(last_name) > MAX_NAME_PART:
        raise DomainError(Open311Code.NAME_TOO_LONG, _("first_name and last_name have at most 50 characters each."))


def file_request(
    api_key: ApiKey,
    *,
    category: Category,
    description: str = "",
    lng: float | None = None,
    lat: float | None = None,
    crs: str = "wgs84",
    address: str = "",
    building: AreaNode | None = None,
    attributes: dict[str, list[str]] | None = None,
    first_name: str = "",
    last_name: str = "",
    phone: str = "",
    email: str = "",
    device_id: str = "",
    account_id: str = "",
    media_url: str = "",
    media: list[Any] | None = None,
) -> Open311Request:
    """File a case through the channel `open311` for the key's district, with the Open311-only
    facts beside it: the key, a token, the media URL, and the e-mail, account and device of
    the reporter (encrypted, or as a blind index) — all in one transaction."""
    media = media or []
    _check_contact(email=email, phone=phone, media_url=media_url, first_name=first_name, last_name=last_name)
    if len(device_id) > MAX_ID or len(account_id) > MAX_ID:
        raise DomainError(
            Open311Code.IDENTIFIER_TOO_LONG, _("device_id and account_id have at most 200 characters each.")
        )
    if len(media) > MAX_MEDIA:
        raise DomainError(
            Open311Code.TOO_MANY_PHOTOS, _("At most %(n)d photos can be sent with a request.") % {"n": MAX_MEDIA}
        )
    answers = _answers(category, attributes or {})
    # Everything but the rows is prepared before the transaction; the request's row is written
    # in the case's (`with_case`), before the case number is taken.
    request = Open311Request(
        district_id=api_key.district_id,
        api_key=api_key,
        token=secrets.token_urlsafe(18),
        device_id_index=blind_index(device_id) if device_id else "",
        media_url=media_url,
    )
    stored: list[str] = []

    def write_request(case: Case) -> None:
        if media:
            stored.extend(str(attachment.file.name) for attachment in case.attachments.all())
        request.case = case
        if account_id or email:
            assign_id(request)  # the values are encrypted bound to the request's row
            request.account_id_encrypted = encrypt_field(request, "account_id_encrypted", account_id)
            request.email_encrypted = encrypt_field(request, "email_encrypted", email)
        request.save(force_insert=True)

    try:
        file_case(
            None,
            district=api_key.district,
            category=category,
            channel=Channel.OPEN311,
            # Open311 makes the description optional; a case needs one: its category says what.
            description=description.strip() or category.name,
            lng=lng,
            lat=lat,
            crs=crs,
            address=address,
            building=building,
            reporter_name=_full_name(first_name, last_name),
            reporter_contact=phone,
            answers=answers,
            photos=media,
            with_case=write_request,
        )
    except BaseException:
        for name in stored:  # the rows are rolled back; the photo files must go too
            default_storage.delete(name)
        raise
    mark_used(api_key)
    return request
