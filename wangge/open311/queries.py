"""Reading for Open311: the jurisdiction of a call, the services (public case categories), the
requests anyone may read, their public updates, and API keys by their digest."""

import hashlib

from django.db.models import Case as When_
from django.db.models import DateTimeField, Exists, F, OuterRef, QuerySet, Subquery, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from wangge.areas.models import AreaNode, Level
from wangge.cases.models import Case, CaseEvent, Category, CategoryQuestion, EventKind
from wangge.cases.workflow import OPEN_STATES, State
from wangge.lib import memo
from wangge.open311.errors import Open311Code, bad_request, not_found
from wangge.open311.models import ApiKey

CLOSED_STATES = frozenset(s.value for s in State) - OPEN_STATES  # closed, rejected, duplicate
# Transitions whose note explains the state they lead to (status_notes): why a report was not
# accepted, why work is on hold, what was done.
EXPLAINING_TRANSITIONS = ("reject", "hold", "handle")


def status_of(state: str) -> str:
    return "closed" if state in CLOSED_STATES else "open"


def key_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


# Read on every call, changed rarely: remembered by each process for a few seconds (lib.memo).
_keys: memo.Memo[ApiKey] = memo.Memo()
_districts: memo.Memo[list[AreaNode]] = memo.Memo()
_services: memo.Memo[Category] = memo.Memo()
memo.forget_on_change(ApiKey, AreaNode, Category, CategoryQuestion)


def active_key(raw: str) -> ApiKey | None:
    """The unrevoked key; a revocation reaches every server process within `memo.CREDENTIAL_TTL` seconds."""
    digest = key_digest(raw)
    return _keys.get(digest, lambda: ApiKey.objects.filter(digest=digest, revoked_at__isnull=True).first())


def _districts_named(jurisdiction_id: str | None) -> list[AreaNode] | None:
    """The district with this code, or the first two districts when no code is given (None,
    which is not remembered, when there is none)."""
    districts = AreaNode.objects.filter(level=Level.DISTRICT).order_by("pk")
    if jurisdiction_id is not None:
        districts = districts.filter(code=jurisdiction_id)
    return list(districts[:2]) or None


def jurisdiction(jurisdiction_id: str | None) -> AreaNode:
    """The district a call is about: named by its code, or the only one there is."""
    found = _districts.get(jurisdiction_id, lambda: _districts_named(jurisdiction_id)) or []
    if jurisdiction_id is not None:
        if not found:
            raise not_found(Open311Code.JURISDICTION_NOT_FOUND, _("No jurisdiction has this jurisdiction_id."))
        return found[0]
    if len(found) == 1:
        return found[0]
    if not found:
        raise not_found(Open311Code.JURISDICTION_NOT_FOUND, _("This server serves no jurisdiction yet."))
    raise bad_request(
        Open311Code.JURISDICTION_REQUIRED,
        _("This server serves several jurisdictions: give jurisdiction_id (the district's code)."),
    )


def public_categories(district: AreaNode) -> QuerySet[Category]:
    """Categories whose requests anyone may read (active or not: old requests stay readable)."""
    return Category.objects.filter(district=district, parent__isnull=False, public=True)


def services(district: AreaNode) -> QuerySet[Category]:
    """The categories residents may report in through Open311, group by group."""
    return (
        public_categories(district)
        .filter(active=True)
        .select_related("parent")
        .annotate(has_questions=Exists(CategoryQuestion.objects.filter(category=OuterRef("pk"))))
        .order_by("parent__order", "parent__code", "order", "code")
    )


def service(district: AreaNode, code: str) -> Category:
    """The service a definition is read from or a request filed in, with its questions."""

    def load() -> Category | None:
        found = public_categories(district).filter(active=True, code=code).prefetch_related("questions")[:1]
        return next(iter(found), None)

    category = _services.get((district.pk, code), load)
    if category is None:
        raise not_found(Open311Code.SERVICE_CODE_NOT_FOUND, _("No service has this service_code."))
    return category


def readable_requests(district: AreaNode) -> QuerySet[Case]:
    """Every case of the district in a public category, whatever its state or channel."""
    return Case.objects.filter(district=district, category__public=True)


def with_request_fields(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Everything a request's answer shows, in the one query that lists the cases."""
    public_events = CaseEvent.objects.filter(case=OuterRef("pk"), public=True).order_by("-at", "-id")
    explaining = public_events.filter(kind=EventKind.TRANSITION, transition__in=EXPLAINING_TRANSITIONS)
    return cases.select_related(
        "category", "unit", "building", "community", "grid", "merged_into__category", "open311"
    ).annotate(
        last_public_at=Subquery(public_events.values("at")[:1]),
        explaining_note=Subquery(explaining.values("note")[:1]),
    )


def with_updated(cases: QuerySet[Case]) -> QuerySet[Case]:
    """`open311_updated`: when a closed request closed, else its last public event (v2.1's
    updated_after / updated_before filter on it). Needs `with_request_fields`."""
    return cases.annotate(
        open311_updated=When_(
            When(state__in=sorted(CLOSED_STATES), closed_at__isnull=False, then=F("closed_at")),
            default=Coalesce("last_public_at", "created_at"),
            output_field=DateTimeField(),
        )
    )


def by_status(cases: QuerySet[Case], statuses: list[str]) -> QuerySet[Case]:
    states: set[str] = set()
    if "open" in statuses:
        states |= OPEN_STATES
    if "closed" in statuses:
        states |= CLOSED_STATES
    return cases.filter(state__in=sorted(states))


def public_updates(district: AreaNode) -> QuerySet[CaseEvent]:
    """The public timeline events of the readable requests (FixMyStreet's servicerequestupdates)."""
    return (
        CaseEvent.objects.filter(case__district=district, case__category__public=True, public=True)
        .select_related("case")
        .order_by("at", "id")
    )


def unknown_codes(district: AreaNode, codes: list[str]) -> list[str]:
    known = set(public_categories(district).filter(code__in=codes).values_list("code", flat=True))
    return [code for code in codes if code not in known]
