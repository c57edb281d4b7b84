"""**Residents benefited** (惠及居民), defined once here; the dashboard, pages and API call it.

Counted in **households**, not persons (a help reaches a household, and the registry's household
is what every service can name): a household of the area *benefited* in a period when at least
one recorded service reached it between its first and last day:

- **help**: a help recorded for the household's dossier (`Help.given_on` in the period);
- **case closed**: a case reported by one of its residents closed in the period (`Case.closed_at`),
  the reporter's account being that of a person who is a member of the household in the
  registry (`Person.user`), or a resident account assigned to the household;
- **facility booking**: a booking of a shared facility by one of its residents, checked in
  during the period (`resources.figures.households_served`);
- and each kind of service another app registers with `register_service` (an activity joined,
  …): a function (area, first day, last day) → a queryset of household ids.

The share is the benefited households over the households of the area (`AreaNode` at the
household level). `benefited()` names the kinds it counted, so a page can say which. One query
however many kinds.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from wangge.accounts.models import Role, RoleAssignment
from wangge.areas.models import AreaNode, Level
from wangge.assistance.models import Help
from wangge.assistance.queries import in_area
from wangge.cases.models import Case
from wangge.people.models import HouseholdMember
from wangge.resources.figures import households_served

# (area, first day, last day) → a queryset of household ids (`values("…")` of one column).
ServiceProvider = Callable[[AreaNode, dt.date, dt.date], QuerySet]


@dataclass(frozen=True)
class Service:
    key: str
    label: str | Promise
    households: ServiceProvider


_services: dict[str, Service] = {}


def register_service(service: Service) -> None:
    """Add a kind of service (from a higher or sibling app's `AppConfig.ready()`); the same one
    again changes nothing, another under a key already taken is a ValueError."""
    known = _services.get(service.key)
    if known is not None and known != service:
        raise ValueError(f"A service is already registered as {service.key!r}.")
    _services[service.key] = service


def unregister_service(key: str) -> None:
    _services.pop(key, None)


def services() -> list[Service]:
    return list(_services.values())


def _bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    return start, timezone.make_aware(dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min))


def helped_households(area: AreaNode, first: dt.date, last: dt.date) -> QuerySet:
    return in_area(Help.objects.filter(given_on__range=(first, last)), area, "dossier__").values(
        "dossier__household_id"
    )


def closed_case_households(area: AreaNode, first: dt.date, last: dt.date) -> QuerySet:
    start, end = _bounds(first, last)
    closed = Case.objects.filter(closed_at__gte=start, closed_at__lt=end).values("reporter_id")
    members = HouseholdMember.objects.filter(person__user_id__in=closed).values("household_id")
    residents = RoleAssignment.objects.filter(role=Role.RESIDENT, user_id__in=closed).values("area_id")
    return AreaNode.objects.filter(Q(pk__in=members) | Q(pk__in=residents), level=Level.HOUSEHOLD).values("pk")


register_service(Service("help", _("A help recorded"), helped_households))
register_service(Service("case_closed", _("A case of theirs closed"), closed_case_households))
# A booking of a shared facility by one of its residents, used (checked in): resources' definition.
register_service(Service("facility_booking", _("A facility booking used"), households_served))


@dataclass(frozen=True)
class Benefited:
    households: int
    benefited: int
    kinds: list[str]

    @property
    def share(self) -> float:
        return self.benefited / self.households if self.households else 0.0


def benefited(area: AreaNode, first: dt.date, last: dt.date) -> Benefited:
    """The households of the area and those benefited in the period (defined above). One query."""
    levels: dict[str, str] = {Level.DISTRICT: "district_id", Level.COMMUNITY: "community_id", Level.GRID: "grid_id"}
    field = levels[area.level]
    reached = Q()
    for service in _services.values():
        reached |= Q(pk__in=service.households(area, first, last))
    households = AreaNode.objects.filter(level=Level.HOUSEHOLD, **{field: area.pk})
    counts = households.aggregate(all=Count("pk"), reached=Count("pk", filter=reached))
    return Benefited(counts["all"], counts["reached"], [str(s.label) for s in _services.values()])
