"""Compliance of field work (早碰头、日双巡、走访) per grid, and for the community or district
asked about, for one day or a period. The one definition of these figures: the API, pages,
exports and the dashboard call `compliance`.

Definitions, for the period `date_from`–`date_to` (both included, days in Asia/Shanghai):

- **working days**: the days of the period the district's work calendar marks as working
  (`calendars.queries.calendar_for`). Nothing is owed on another day, so nothing is missed.
- **briefings held**: working days with at least one briefing of the grid. `briefing` is true
  when every working day of the period had one (also when the period has no working day).
  **briefings missed** = working days − briefings held.
- **patrols**: finished patrols (with `finished_at`) that started on a working day, counting at
  most the district's patrols per working day (2 unless the district set another number) on each
  day. **patrols owed** = working days × that number. **patrol days** lists, for k = 0 … that
  number, the working days on which k patrols were done (a patrol on another day is not counted).
- **buildings checked**: distinct buildings of the grid with a check-in made in the period.
- **households visited in 30 / 90 days**: distinct households of the grid visited in the 30 / 90
  days ending with `date_to`.
- **buildings not checked for 14 days**: buildings of the grid without a check-in in the 14
  days ending with `date_to`.
- **exceptions**: the grids without a briefing on `date_to` when it is a working day ("today"
  for a one-day question), and the buildings not checked for 14 days (the first
  `EXCEPTION_LIMIT`, by grid and name, with their count).

The figures come from the records alone, in a fixed number of queries however many grids and
days (eleven, two of them the calendar's check).
"""

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from wangge.areas.models import AreaNode, Level
from wangge.areas.queries import subtree_q
from wangge.calendars.queries import calendar_for
from wangge.fieldwork.models import Briefing, Checkin, Patrol, Visit
from wangge.fieldwork.queries import patrols_per_day

EXCEPTION_LIMIT = 100
UNCHECKED_DAYS = 14
RECENT_VISIT_DAYS = (30, 90)


@dataclass
class GridCompliance:
    grid_id: int
    grid_name: str
    community_id: int | None
    working_days: int = 0
    briefings_held: int = 0
    patrols: int = 0
    patrols_owed: int = 0
    patrol_days: list[int] = field(default_factory=list)
    buildings: int = 0
    buildings_checked: int = 0
    buildings_unchecked_14d: int = 0
    households: int = 0
    households_visited_30d: int = 0
    households_visited_90d: int = 0

    @property
    def briefings_missed(self) -> int:
        return self.working_days - self.briefings_held

    @property
    def briefing(self) -> bool:
        return self.briefings_missed == 0


@dataclass
class Compliance:
    area: AreaNode
    date_from: dt.date
    date_to: dt.date
    working_days: int
    patrols_per_day: int
    grids: list[GridCompliance]
    grids_without_briefing: list[GridCompliance]
    unchecked_buildings: list[dict[str, object]]
    unchecked_buildings_count: int

    def total(self, name: str) -> int:
        """The sum of one figure over the grids (the community's or district's figure)."""
        return sum(int(getattr(grid, name)) for grid in self.grids)


def _start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def compliance(area: AreaNode, date_from: dt.date, date_to: dt.date) -> Compliance:
    """The figures of every grid in `area` (a district, community or grid) for the period."""
    district_id = area.district_id or area.pk
    days = [date_from + dt.timedelta(days=n) for n in range((date_to - date_from).days + 1)]
    calendar = calendar_for(district_id)
    working = [day for day in days if calendar.is_workday(day)]
    owed = patrols_per_day(district_id)
    records = Q(**{f"{area.level}_id": area.pk})
    end = _start(date_to + dt.timedelta(days=1))

    grids = {
        g["pk"]: GridCompliance(g["pk"], g["name"], g["community_id"], patrol_days=[0] * (owed + 1))
        for g in AreaNode.objects.filter(subtree_q(area), level=Level.GRID)
        .order_by("code", "pk")
        .values("pk", "name", "community_id")
    }
    briefed = set(
        Briefing.objects.filter(records, date__in=working).values_list("grid_id", "date").distinct().order_by()
    )
    patrolled = Counter(
        {
            (row["grid_id"], row["date"]): row["n"]
            for row in Patrol.objects.filter(records, date__in=working, finished_at__isnull=False)
            .values("grid_id", "date")
            .annotate(n=Count("id"))
            .order_by()
        }
    )
    checked = dict(
        Checkin.objects.filter(
            Q(**{f"patrol__{area.level}_id": area.pk}), at__gte=_start(date_from), at__lt=end, building__isnull=False
        )
        .values("patrol__grid_id")
        .annotate(n=Count("building_id", distinct=True))
        .order_by()
        .values_list("patrol__grid_id", "n")
    )
    short, long = RECENT_VISIT_DAYS
    visited: dict[int, tuple[int, int]] = {
        row["grid_id"]: (row["recent"], row["all"])
        for row in Visit.objects.filter(
            records, visited_at__gte=_start(date_to - dt.timedelta(days=long - 1)), visited_at__lt=end
        )
        .values("grid_id")
        .annotate(
            recent=Count(
                "household_id",
                distinct=True,
                filter=Q(visited_at__gte=_start(date_to - dt.timedelta(days=short - 1))),
            ),
            all=Count("household_id", distinct=True),
        )
        .order_by()
    }
    sizes = {
        (row["grid_id"], row["level"]): row["n"]
        for row in AreaNode.objects.filter(subtree_q(area), level__in=[Level.BUILDING, Level.HOUSEHOLD])
        .values("grid_id", "level")
        .annotate(n=Count("id"))
        .order_by()
    }
    recent_checkin = Checkin.objects.filter(
        building_id=OuterRef("pk"), at__gte=_start(date_to - dt.timedelta(days=UNCHECKED_DAYS - 1)), at__lt=end
    )
    unchecked = AreaNode.objects.filter(subtree_q(area), level=Level.BUILDING).filter(~Exists(recent_checkin))
    unchecked_per_grid = dict(
        unchecked.values("grid_id").annotate(n=Count("id")).order_by().values_list("grid_id", "n")
    )
    unchecked_listed = list(
        unchecked.order_by("grid__code", "code", "pk").values("pk", "name", "grid_id")[:EXCEPTION_LIMIT]
    )

    for grid in grids.values():
        gid = grid.grid_id
        grid.working_days = len(working)
        grid.patrols_owed = len(working) * owed
        for day in working:
            grid.briefings_held += (gid, day) in briefed
            done = min(patrolled[(gid, day)], owed)
            grid.patrols += done
            grid.patrol_days[done] += 1
        grid.buildings = sizes.get((gid, Level.BUILDING), 0)
        grid.households = sizes.get((gid, Level.HOUSEHOLD), 0)
        grid.buildings_checked = checked.get(gid, 0)
        grid.buildings_unchecked_14d = unchecked_per_grid.get(gid, 0)
        grid.households_visited_30d, grid.households_visited_90d = visited.get(gid, (0, 0))

    today_owed = calendar.is_workday(date_to)
    return Compliance(
        area=area,
        date_from=date_from,
        date_to=date_to,
        working_days=len(working),
        patrols_per_day=owed,
        grids=list(grids.values()),
        grids_without_briefing=[g for g in grids.values() if today_owed and (g.grid_id, date_to) not in briefed],
        unchecked_buildings=[{"id": b["pk"], "name": b["name"], "grid_id": b["grid_id"]} for b in unchecked_listed],
        unchecked_buildings_count=sum(unchecked_per_grid.values()),
    )
