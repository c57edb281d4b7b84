"""The demo district's year of field work (早碰头、日双巡、走访): records, never figures.

For the `DAYS` days up to the build ("now"), every grid gets a morning briefing on most working
days of the district's work calendar, two patrols on most working days (a morning and an
afternoon one, each with a few check-ins at buildings of the grid) and household visits spread
over the year. The gaps are real ones, planted in the records so that compliance
(`fieldwork.compliance`) finds them:

- a few grids (`SKIPPING_GRIDS`, chosen from the seed and listed in the result) usually skip the
  afternoon patrol;
- some households (`NEVER_VISITED_SHARE`) are never visited, and some others not in the last
  90 days;
- every grid misses a briefing or a patrol now and then.

The demo grid teams' accounts (`grid_secretary`, `grid_leader`, `grid_worker` on the first grid,
`grid_worker2` on theirs) record their grids' work and attend their briefings; the other grids
have no account in the demo, so their records are entered by the district administrator's
account, with no attendees. No visit carries needs or a note (they would be encrypted, bound to
the row); nothing is flagged, so no assistance signal is sent. One visit more is recorded through
`fieldwork.actions.record_visit` (`_visit_for_the_member`): the grid worker's, an hour before the
build, to a household of the building the demo `member` answers for, with a birth and a need, so
the member finds its notice in their inbox (never the need's words).

The rows are many (at the small scale some 43,000 briefings, 85,000 patrols, 213,000 check-ins
and 31,000 visits), so they are written in the build's transaction as plain INSERTs (one prepared
statement per table on SQLite, multi-row statements on PostgreSQL): the rows the actions would
write (recording is not audited row by row), without a call per row. The keys of briefings and
patrols are reserved first (`lib.rowids.reserve_ids`) so that attendees and check-ins can name
them. Same seed and same day of the build → the same records.
"""

import datetime as dt
import functools
import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models
from django.utils import timezone

from wangge.accounts.models import RoleAssignment, User
from wangge.areas.models import AreaNode, Level
from wangge.calendars.queries import calendar_for
from wangge.demo.blueprint import DistrictPlan
from wangge.fieldwork.actions import record_visit
from wangge.fieldwork.models import Briefing, Checkin, HouseholdChange, Patrol, Visit
from wangge.fieldwork.queries import GRID_TEAM_ROLES
from wangge.lib.rowids import reserve_ids

DAYS = 365
SKIPPING_GRIDS = 3  # grids that usually skip the afternoon patrol
NEVER_VISITED_SHARE = 0.04  # of households
RECENTLY_VISITED_SHARE = 0.88  # of the households visited at all: last visit in the last 90 days
BRIEFING_HELD = 0.96
MORNING_PATROL_DONE = 0.97
AFTERNOON_PATROL_DONE = 0.95
AFTERNOON_PATROL_DONE_WHEN_SKIPPING = 0.15
CHECKINS_PER_PATROL = (2, 3)
BATCH = 5000

MATTERS = [
    "通报昨日巡查发现的问题及处置进度",
    "安排今日重点走访户",
    "部署环境卫生整治",
    "研判矛盾纠纷苗头",
    "布置消防安全检查",
    "传达社区工作安排",
    "梳理待办事项",
]
MET = ["户主", "户主及配偶", "老人", "家属", "租户"]
FINDINGS = ["", "", "", "楼道堆放杂物，已提醒清理", "路灯不亮", "垃圾未及时清运", "井盖松动"]


@dataclass
class FieldworkResult:
    skipping_grids: list[AreaNode]  # the grids that usually skip the afternoon patrol
    never_visited: int  # households never visited
    counts: dict[str, int] = field(default_factory=dict)


def _converters(model: type[models.Model], columns: Sequence[str]) -> list[Callable[[Any], Any] | None]:
    """Per column, how its values become database values (None: as they are). The rows are many,
    so this does once per column what `Field.get_db_prep_save` would work out for every value.
    Times are given naive, in UTC (`_utc`): on SQLite they are written as such (text), on
    PostgreSQL made aware; on SQLite a date is text, a uuid its hex digits. A JSON column's
    values are prepared by the field."""
    sqlite = connection.vendor == "sqlite"
    converters: list[Callable[[Any], Any] | None] = []
    for name in columns:
        f = model._meta.get_field(name)
        if isinstance(f, models.JSONField):
            converters.append(functools.partial(f.get_db_prep_save, connection=connection))
        elif isinstance(f, models.DateTimeField):
            converters.append(str if sqlite else lambda value: value.replace(tzinfo=dt.UTC))
        elif not sqlite:
            converters.append(None)
        elif isinstance(f, models.DateField):
            converters.append(str)
        elif isinstance(f, models.UUIDField):
            converters.append(lambda value: value.hex)
        else:
            converters.append(None)
    return converters


def _column(model: type[models.Model], name: str) -> str:
    found = model._meta.get_field(name)
    assert isinstance(found, models.Field)
    return str(found.column)


def insert_rows(model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
    """Write `rows` (values in the order of `columns`, attribute names) into `model`'s table; the
    number written. SQLite runs one prepared INSERT for every row (`executemany`, in C);
    PostgreSQL takes multi-row INSERTs."""
    if not rows:
        return 0
    values = list(zip(*rows, strict=True))  # column by column: each converted in one pass
    for index, convert in enumerate(_converters(model, columns)):
        if convert is not None:
            values[index] = tuple(None if v is None else convert(v) for v in values[index])
    prepared = list(zip(*values, strict=True))
    qn = connection.ops.quote_name
    names = ", ".join(qn(_column(model, c)) for c in columns)
    head = f"INSERT INTO {qn(model._meta.db_table)} ({names}) VALUES "  # noqa: S608 (names from the model)
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.executemany(head + one, prepared)
        else:
            per_statement = max(1, min(BATCH, 30_000 // len(columns)))
            for start in range(0, len(prepared), per_statement):
                chunk = prepared[start : start + per_statement]
                cursor.execute(head + ", ".join([one] * len(chunk)), [v for row in chunk for v in row])
    return len(prepared)


def _utc(moment: dt.datetime) -> dt.datetime:
    """An aware moment as a naive time in UTC (how the rows below carry their times)."""
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def _between(rng: random.Random, low: int, high: int) -> int:
    """`rng.randint(low, high)` (as even), in a fraction of its time: the loops below draw a million."""
    return low + int(rng.random() * (high - low + 1))


def _pick(rng: random.Random, items: Sequence[str]) -> str:
    return items[int(rng.random() * len(items))]


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def write_fieldwork(plan: DistrictPlan, areas: dict[str, list[AreaNode]]) -> FieldworkResult:
    """Write the year of briefings, patrols and visits of every grid (see the module)."""
    rng = random.Random(f"{plan.seed}-fieldwork")
    district = areas[Level.DISTRICT][0]
    grids, buildings, households = areas[Level.GRID], areas[Level.BUILDING], areas[Level.HOUSEHOLD]
    now = _utc(timezone.now())
    today = timezone.localdate()
    calendar = calendar_for(district.pk)
    days = [today - dt.timedelta(days=n) for n in range(DAYS)]
    midnight = {day: _utc(timezone.make_aware(dt.datetime.combine(day, dt.time.min))) for day in days}
    workday = {day: calendar.is_workday(day) for day in days}
    working = [day for day in reversed(days) if workday[day]]
    minute = dt.timedelta(minutes=1)

    clerk = User.objects.get(username="district_admin")
    team: dict[int, list[int]] = {}
    for grid_id, user_id in (
        RoleAssignment.objects.filter(district=district, area__level=Level.GRID, role__in=GRID_TEAM_ROLES)
        .order_by("area_id", "user_id")
        .values_list("area_id", "user_id")
    ):
        team.setdefault(grid_id, []).append(user_id)
    recorder = {grid.pk: sorted(team.get(grid.pk, [clerk.pk]))[-1] for grid in grids}

    buildings_of: dict[int, list[int]] = {}
    for building in buildings:
        buildings_of.setdefault(building.grid_id or 0, []).append(building.pk)
    skipping = sorted(rng.sample(range(1, len(grids)), min(SKIPPING_GRIDS, len(grids) - 1)))
    skipping_ids = {grids[g].pk for g in skipping}

    briefings: list[tuple[Any, ...]] = []
    attendees: list[tuple[int, int]] = []
    patrols: list[tuple[Any, ...]] = []
    checkins: list[tuple[Any, ...]] = []
    planned_checkins: list[list[tuple[int, dt.datetime]]] = []
    for grid in grids:
        ancestry = (district.pk, grid.community_id, grid.pk)
        who = recorder[grid.pk]
        members = team.get(grid.pk, [])
        afternoon_done = AFTERNOON_PATROL_DONE_WHEN_SKIPPING if grid.pk in skipping_ids else AFTERNOON_PATROL_DONE
        places = buildings_of.get(grid.pk, [])
        around = places * 2  # a round takes a few buildings next to each other, from any of them
        for day in working:
            start = midnight[day] + minute * (8 * 60 + _between(rng, 0, 20))
            if rng.random() < BRIEFING_HELD and start <= now:
                present = [u for u in members if rng.random() < 0.9]
                briefings.append((_uuid(rng), *ancestry, who, start, start, who, day, _pick(rng, MATTERS), present))
            for first_minute, done in ((9 * 60, MORNING_PATROL_DONE), (14 * 60 + 30, afternoon_done)):
                if rng.random() >= done:
                    continue
                started = midnight[day] + minute * (first_minute + _between(rng, 0, 40))
                finished = started + minute * _between(rng, 50, 110)
                if finished > now:
                    continue
                first = _between(rng, 0, len(places) - 1)
                checked = around[first : first + min(len(places), _between(rng, *CHECKINS_PER_PATROL))]
                step = (finished - started) / (len(checked) + 1)
                patrols.append(
                    (_uuid(rng), *ancestry, who, finished, finished, who, day, started, finished, _pick(rng, FINDINGS))
                )
                planned_checkins.append([(b, started + step * (n + 1)) for n, b in enumerate(checked)])

    visits: list[tuple[Any, ...]] = []
    never = 0
    for household in households:
        if rng.random() < NEVER_VISITED_SHARE:
            never += 1
            continue
        ago = _between(rng, 0, 89) if rng.random() < RECENTLY_VISITED_SHARE else _between(rng, 90, DAYS - 1)
        who = recorder[household.grid_id or 0]
        while ago < DAYS:
            day = today - dt.timedelta(days=ago)
            at = midnight[day] + minute * _between(rng, 9 * 60, 17 * 60)
            if not workday[day] or at > now:
                ago += 1  # the working day before
                continue
            visits.append(
                (_uuid(rng), district.pk, household.community_id, household.grid_id, who, at, at, who)
                + (household.pk, at, _pick(rng, MET), [], [])
            )
            ago += _between(rng, 60, 160)

    shared = [
        "uuid",
        "district_id",
        "community_id",
        "grid_id",
        "recorded_by_id",
        "created_at",
        "updated_at",
        "updated_by_id",
    ]
    briefing_ids = reserve_ids(Briefing, len(briefings))
    patrol_ids = reserve_ids(Patrol, len(patrols))
    for pk, row in zip(briefing_ids, briefings, strict=True):
        attendees.extend((pk, user) for user in row[-1])
    for pk, planned in zip(patrol_ids, planned_checkins, strict=True):
        checkins.extend((pk, building, at, "") for building, at in planned)
    through = Briefing.attendees.through
    counts = {
        "briefings": insert_rows(
            Briefing,
            ["id", *shared, "date", "matters"],
            [(pk, *row[:-1]) for pk, row in zip(briefing_ids, briefings, strict=True)],
        ),
        "briefing_attendees": insert_rows(through, ["briefing_id", "user_id"], attendees),
        "patrols": insert_rows(
            Patrol,
            ["id", *shared, "date", "started_at", "finished_at", "findings"],
            [(pk, *row) for pk, row in zip(patrol_ids, patrols, strict=True)],
        ),
        "checkins": insert_rows(Checkin, ["patrol_id", "building_id", "at", "note"], checkins),
        "visits": insert_rows(Visit, [*shared, "household_id", "visited_at", "met", "flags", "changes"], visits),
    }
    counts["visits"] += _visit_for_the_member(plan, areas, rng)
    return FieldworkResult([grids[g] for g in skipping], never, counts)


def _visit_for_the_member(plan: DistrictPlan, areas: dict[str, list[AreaNode]], rng: random.Random) -> int:
    """A visit through the action, which tells the members responsible for the household: the demo
    member answers for the building (see the module). How many visits it recorded (0 or 1)."""
    account = next(a for a in plan.accounts if a.username == "member")
    if account.level != Level.BUILDING:
        return 0
    building = areas[Level.BUILDING][account.area]
    household = AreaNode.objects.filter(building=building, level=Level.HOUSEHOLD).order_by("code").first()
    if household is None:
        return 0
    record_visit(
        User.objects.get(username="grid_worker"),
        uuid=_uuid(rng),
        household=household,
        visited_at=timezone.now() - dt.timedelta(hours=1),
        met="户主",
        needs="家中老人行动不便，希望安排助餐上门",
        changes=[HouseholdChange.BIRTH],
    )
    return 1
