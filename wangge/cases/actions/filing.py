"""Filing a case: its number from the district's daily counter, its grid from a point, a
building or an address (matched forgivingly), the answers to its category's questions checked, its photos stored."""

import datetime as dt
import math
from collections.abc import Callable, Iterable
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.models import User
from wangge.areas.locate import locate_grid
from wangge.areas.models import AreaNode, Level
from wangge.areas.search import match_address
from wangge.cases import events
from wangge.cases.actions.photos import store_photo
from wangge.cases.errors import CaseError
from wangge.cases.models import Case, CaseSequence, Category, Channel, QuestionType
from wangge.lib.crypto import bound_to, encrypt
from wangge.lib.errors import DomainError
from wangge.lib.geo import to_wgs84
from wangge.lib.idnumber import mask_phone
from wangge.lib.images import clean_image
from wangge.lib.rowids import reserve_ids

MAX_DESCRIPTION = 4000


_NEXT_NUMBER_SQL = """
    INSERT INTO {table} (district_id, day, last) VALUES (%s, %s, 1)
    ON CONFLICT (district_id, day) DO UPDATE SET last = {table}.last + 1
    RETURNING last
"""


def _take_number(district: AreaNode, day: dt.date) -> str:
    """The next number of the district's day, taken by one statement of its own (an upsert with
    RETURNING, on SQLite and PostgreSQL alike, committed at once outside a transaction) before
    the filing's transaction: the counter's row is locked only for that moment, not until the
    filing commits, so filings of a district do not queue on it. Numbers are never given twice;
    a filing that fails after taking its number (a database error, a photo that cannot be
    stored) leaves that number unused."""
    with connection.cursor() as cursor:
        cursor.execute(
            _NEXT_NUMBER_SQL.format(table=connection.ops.quote_name(CaseSequence._meta.db_table)),
            [district.pk, connection.ops.adapt_datefield_value(day)],
        )
        (last,) = cursor.fetchone()
    return f"{district.code}-{day:%Y%m%d}-{last:04d}"


def _clean_answers(category: Category, answers: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for question in category.questions.all():
        value = answers.get(question.code)
        if value in (None, "", []):
            if question.required:
                raise DomainError(
                    CaseError.ANSWER_REQUIRED, _("Please answer “%(question)s”.") % {"question": question.label}
                )
            continue
        keys = {c["key"] for c in question.choices}
        try:
            if question.datatype == QuestionType.NUMBER:
                value = float(value)  # OverflowError for an integer past any float
                if not math.isfinite(value):  # NaN, or a number past any float given as text
                    raise ValueError
            elif question.datatype == QuestionType.DATE:
                value = dt.date.fromisoformat(str(value)).isoformat()
            elif question.datatype == QuestionType.SINGLE:
                if str(value) not in keys:
                    raise ValueError
                value = str(value)
            elif question.datatype == QuestionType.MULTIPLE:
                values = [str(v) for v in (value if isinstance(value, list | tuple) else [value])]
                if not set(values) <= keys:
                    raise ValueError
                value = values
            else:
                value = str(value)[:1000]
        except (TypeError, ValueError, OverflowError):
            raise DomainError(
                CaseError.ANSWER_INVALID, _("The answer to “%(question)s” is not valid.") % {"question": question.label}
            ) from None
        cleaned[question.code] = value
    return cleaned


def building_at(district: AreaNode, address: str) -> AreaNode:
    """The building a free-text address names: its exact address, or the one building the
    forgiving match (`wangge.areas.search`) finds. Several candidates are an error carrying
    them (`candidates`: the `Building`s, best first) for the user to choose from; none is
    `address_unknown`."""
    exact = AreaNode.objects.filter(district=district, level=Level.BUILDING, address=address).first()
    if exact is not None:
        return exact
    found, candidates = match_address(district.pk, address)
    if found is not None:
        return AreaNode.objects.get(pk=found.pk)
    if candidates:
        raise DomainError(
            CaseError.ADDRESS_AMBIGUOUS,
            _("More than one building matches this address; choose one."),
            candidates=candidates,
        )
    raise DomainError(CaseError.ADDRESS_UNKNOWN, _("This address is not known; pick the place on the map instead."))


def file_case(
    acting_user: User | None,
    *,
    district: AreaNode,
    category: Category,
    channel: str,
    description: str,
    lng: float | None = None,
    lat: float | None = None,
    crs: str = "wgs84",
    address: str = "",
    building: AreaNode | None = None,
    reporter_name: str = "",
    reporter_contact: str = "",
    answers: dict[str, Any] | None = None,
    photos: Iterable[Any] = (),
    with_case: Callable[[Case], object] | None = None,
) -> Case:
    """A new case in state `reported`, with its number and its grid (from point, building or
    address), and its photos (all checked before anything is written). `with_case` writes the
    caller's own rows about the case (Open311's request) in the same transaction; a caller
    must not wrap the filing in a transaction of its own, or the case number's counter stays
    locked until that one commits."""
    if category.district_id != district.pk or not category.active or category.parent_id is None:
        raise DomainError(CaseError.UNKNOWN_CATEGORY, _("Choose one of the platform's case categories."))
    if channel not in Channel.values:
        raise DomainError(CaseError.UNKNOWN_CHANNEL, _("Unknown channel."))
    description = description.strip()
    if not description:
        raise DomainError(CaseError.DESCRIPTION_REQUIRED, _("Please describe the problem."))
    if len(description) > MAX_DESCRIPTION:
        raise DomainError(
            CaseError.DESCRIPTION_TOO_LONG,
            _("The description is too long: at most %(max)d characters.") % {"max": MAX_DESCRIPTION},
        )
    grid: AreaNode | None = None
    if lng is not None and lat is not None:
        grid = locate_grid(lng, lat, crs)
        lng, lat = to_wgs84(lng, lat, crs)
    elif building is None and address.strip():
        building = building_at(district, address.strip())
    if building is not None:
        if building.level != Level.BUILDING or building.district_id != district.pk:
            raise DomainError(CaseError.NOT_A_BUILDING, _("Choose a building of this district."))
        grid = grid or AreaNode.objects.select_related("community").get(pk=building.grid_id or 0)
        if lng is None and building.lng is not None:
            lng, lat = building.lng, building.lat
    if grid is None:
        raise DomainError(
            CaseError.LOCATION_REQUIRED, _("Give the place: a point on the map, a building or an address.")
        )
    if grid.district_id != district.pk:
        raise DomainError(CaseError.OUTSIDE_DISTRICT, _("This place lies outside the district."))
    cleaned = _clean_answers(category, answers or {})
    images = [clean_image(photo) for photo in photos]
    number = _take_number(district, timezone.localdate())
    contact = reporter_contact.strip()
    with transaction.atomic():
        # The contact is encrypted bound to the case's row: its id is reserved first.
        pk = reserve_ids(Case, 1)[0] if contact else None
        sealed_contact = encrypt(contact, bound_to(Case, "reporter_contact_encrypted", pk)) if contact else None
        case = Case.objects.create(
            pk=pk,
            district=district,
            number=number,
            category=category,
            channel=channel,
            description=description,
            answers=cleaned,
            lng=lng,
            lat=lat,
            address=address.strip(),
            building=building,
            community=grid.community,
            grid=grid,
            reporter=acting_user if channel in (Channel.WEB, Channel.API) and acting_user else None,
            reporter_name=reporter_name.strip()[:100],
            reporter_contact_encrypted=sealed_contact,
            reporter_contact_masked=mask_phone(contact) if contact else "",
            filed_by=acting_user if acting_user and acting_user.is_authenticated else None,
        )
        event = events.filed(case, acting_user, channel=channel)
        for image in images:
            store_photo(acting_user, case, image, public=True, event=event)
        if with_case is not None:
            with_case(case)
    return case
