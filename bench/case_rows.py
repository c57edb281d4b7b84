"""The rows of bench/cases.py: the reference district the cases are filed in, and cases with
made-up lives written straight into the tables (COPY on PostgreSQL, executemany on SQLite).

`Reference.build` builds the reference district (`build_reference_district`, small scale or
the demo tests' lighter one) and completes what the demo has not set up for cases (catalogue,
routing rules, a unit for the `department` account). `CaseFactory.write(count)` files `count`
cases over the three years, each cut at now somewhere along its life, with the supervisions,
co-handlings and extensions some of them get, the district's case sequences, and fresh planner
statistics (`analyze`). Deadlines are computed as `compute_due_at` does, on the calendar loaded
once.

Runs in the child process of bench/cases.py, after `django.setup()` (Django and wangge are
imported where they are used).
"""

import bisect
import datetime as dt
import math
import random
import sys
import time
import zoneinfo
from collections import Counter

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
YEARS = 3
CHUNK = 50_000
DAY = 86_400.0
HOUR = 3_600.0

# Which department the cases of each group of the default catalogue go to; INBOX stands for
# the unit of the demo's `department` account (the demo's choice, else 城市管理局), which so gets
# the two busiest groups.
INBOX = ""
ROUTES = {"CG": INBOX, "HJ": INBOX, "SZ": "住房和城乡建设局", "WY": "住房和城乡建设局", "MD": "司法局", "MS": "民政局"}
CO_HANDLERS = ["生态环境局", "市场监督管理局", "城市管理局", "民政局"]
# Relative frequency of each category (by code); the rest weigh 1.
CATEGORY_WEIGHTS = {"HJ01": 6, "CG01": 5, "SZ01": 4, "SZ02": 3, "WY02": 3, "HJ02": 3, "MD01": 2, "WY01": 2}
CHANNELS = [("patrol", 45), ("visit", 15), ("phone", 20), ("web", 10), ("open311", 5), ("api", 5)]
# Reports by local hour of the day.
HOURS = [1, 1, 1, 1, 1, 2, 4, 8, 12, 14, 14, 12, 8, 10, 12, 12, 11, 9, 6, 5, 4, 3, 2, 1]
DESCRIPTIONS = [
    "{place}附近{what}，已影响居民出行，请尽快处理。",
    "居民反映{place}{what}，持续多日。",
    "网格员巡查发现{place}{what}，现场已拍照。",
    "{place}{what}，希望有关部门尽快到场查看并给予答复。",
]


def log(message: str) -> None:
    """Progress on stderr, which the parent passes through (stdout carries the figures)."""
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class Reference:
    """The district, its grids and buildings, the catalogue, the units and the three personas."""

    @classmethod
    def build(cls, light: bool) -> "Reference":
        from wangge.accounts.models import User
        from wangge.areas.models import AreaNode, Level
        from wangge.cases.catalogue import install_default_catalogue
        from wangge.cases.models import Category, HandlingUnit, RoutingRule
        from wangge.cases.queries import dispatch_unit
        from wangge.demo.blueprint import ScaleSpec
        from wangge.demo.generator import build_reference_district

        # The lighter district of wangge/demo/tests/test_demo.py: same areas and accounts, fewer households.
        light_spec = ScaleSpec(
            households=2_000, groups_per_grid=(1, 2), buildings_per_group=(1, 2), units=(1, 1), floors=(2, 4)
        )
        result = build_reference_district("small", spec=light_spec if light else None)
        self = cls()
        self.district = district = result.district
        # The demo may already have installed the catalogue, units, routing and a few cases of
        # its own (filed through the actions); complete what is missing, keep what is there.
        install_default_catalogue(district)
        self.categories = list(
            Category.objects.filter(district=district, parent__isnull=False).select_related("parent").order_by("code")
        )
        units = {u.name: u for u in HandlingUnit.objects.filter(district=district)}
        self.dispatch = dispatch_unit(district.pk)
        users = {u.username: u for u in User.objects.filter(username__in=["grid_worker", "department", "supervisor"])}
        self.grid_worker, self.department, self.supervisor = (
            users["grid_worker"],
            users["department"],
            users["supervisor"],
        )
        inbox = self.department.units.filter(district=district).order_by("pk").first()  # type: ignore[attr-defined]
        if inbox is None:
            inbox = units["城市管理局"]
            inbox.users.add(self.department)
        routes = {group: unit or inbox.name for group, unit in ROUTES.items()}
        if not RoutingRule.objects.filter(district=district).exists():
            for priority, (group, unit) in enumerate(routes.items()):
                RoutingRule.objects.create(
                    district=district,
                    priority=10 * (priority + 1),
                    category=Category.objects.get(district=district, code=group),
                    unit=units[unit],
                )
        self.unit_of = {c.pk: units[routes[c.parent.code]].pk for c in self.categories}
        self.co_handlers = [units[name].pk for name in CO_HANDLERS]
        buildings: dict[int, list[tuple[int, float, float]]] = {}
        for pk, grid_id, lng, lat in AreaNode.objects.filter(district=district, level=Level.BUILDING).values_list(
            "pk", "grid_id", "lng", "lat"
        ):
            buildings.setdefault(grid_id, []).append((pk, lng, lat))
        self.grids = [
            (pk, community_id, buildings.get(pk, []))
            for pk, community_id in AreaNode.objects.filter(district=district, level=Level.GRID)
            .order_by("code")
            .values_list("pk", "community_id")
        ]
        self.my_grid = self.grid_worker.assignments.get().area_id
        return self


class CaseFactory:
    """Cases with made-up lives, written straight into the tables, ordered by filing time."""

    def __init__(self, reference: Reference, vendor: str, seed: int) -> None:
        from wangge.calendars.queries import calendar_for
        from wangge.cases.models import Case, CaseSequence

        self.r = reference
        self.vendor = vendor
        self.rng = random.Random(seed)
        self.calendar = calendar_for(reference.district.pk)
        self.now = time.time()
        self.start = self.now - YEARS * 365 * DAY
        self.written = 0
        self.next_id = self.first_id = (Case.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        # Case numbers go on from the district's sequences (the demo files a few cases itself).
        self.sequence: Counter[str] = Counter(
            {
                day.isoformat(): last
                for day, last in CaseSequence.objects.filter(district=reference.district).values_list("day", "last")
            }
        )
        self.due_cache: dict[tuple[int, dt.date], float] = {}
        weights = [CATEGORY_WEIGHTS.get(c.code, 1) for c in reference.categories]
        self.category_cum = list(_cumulative(weights))
        # Busier and quieter grids; the grid worker's is one of the busiest.
        self.grid_cum = list(
            _cumulative([3.0 if g[0] == reference.my_grid else self.rng.uniform(0.4, 1.6) for g in reference.grids])
        )
        self.channel_cum = list(_cumulative([w for _c, w in CHANNELS]))
        self.hour_cum = list(_cumulative(HOURS))
        places = ["小区东门", "菜市场", "幼儿园门口", "公交站", "健身广场", "3号楼", "沿街商铺", "地下通道"]
        self.texts = {
            c.pk: [t.format(place=p, what=c.name) for t in DESCRIPTIONS for p in places] for c in reference.categories
        }

    # Picking -------------------------------------------------------------------------------

    def _pick(self, cumulative: list[float]) -> int:
        return bisect.bisect_right(cumulative, self.rng.random() * cumulative[-1])

    def _filing_times(self, count: int) -> list[float]:
        """Filing moments over the three years: growing by a third, fewer at weekends and at night."""
        rng, times = self.rng, []
        start_day = dt.datetime.fromtimestamp(self.start, SHANGHAI).replace(hour=0, minute=0, second=0, microsecond=0)
        days = YEARS * 365 + 1
        while len(times) < count:
            # Density rising linearly from 1 to 4/3 over the period: x from the inverse of its
            # distribution function F(x) = (6x + x²) / 7 on [0, 1].
            x = -3 + math.sqrt(9 + 7 * rng.random())
            day = start_day + dt.timedelta(days=int(min(x, 0.999999) * days))
            if day.weekday() >= 5 and rng.random() > 0.6:
                continue
            moment = day.timestamp() + self._pick(self.hour_cum) * HOUR + rng.random() * HOUR
            if self.start <= moment < self.now:
                times.append(moment)
        times.sort()
        return times

    def due(self, category, accepted: float) -> float:  # type: ignore[no-untyped-def]
        """Exactly `compute_due_at`, on the calendar loaded once (days-based ones cached by date)."""
        from wangge.cases.models import TimeLimitUnit

        local = dt.datetime.fromtimestamp(accepted, SHANGHAI)
        if category.time_limit_unit == TimeLimitUnit.WORKING_HOURS:
            return self.calendar.add_working_hours(local, category.time_limit).timestamp()
        key = (category.pk, local.date())
        found = self.due_cache.get(key)
        if found is None:
            day = self.calendar.add_working_days(local.date(), category.time_limit)
            found = self.due_cache[key] = self.calendar.end_of_working_day(day, SHANGHAI).timestamp()
        return found

    # Writing -------------------------------------------------------------------------------

    def write(self, count: int) -> dict:  # type: ignore[type-arg]
        from django.db import connection, transaction

        from wangge.cases.models import Case, CaseSequence, CoHandling, Extension, Supervision, SupervisionParty

        started, cpu = time.perf_counter(), time.process_time()
        times = self._filing_times(count)
        side: dict[str, list[tuple]] = {"supervision": [], "supervisionparty": [], "cohandling": [], "extension": []}  # type: ignore[type-arg]
        self.next_supervision = (Supervision.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        case_writer = Writer(Case, self.vendor)
        for offset in range(0, count, CHUNK):
            rows = [self._case(moment, side) for moment in times[offset : offset + CHUNK]]
            with transaction.atomic():
                case_writer.write(rows)
            self.written += len(rows)
            log(f"{self.written:,} cases written, {time.perf_counter() - started:.0f} s")
        with transaction.atomic():
            for model in (Supervision, SupervisionParty, CoHandling, Extension):
                Writer(model, self.vendor).write(side[model._meta.model_name])
            CaseSequence.objects.filter(district=self.r.district).delete()
            sequence = Writer(CaseSequence, self.vendor)
            sequence.write(
                [
                    sequence.row(
                        district_id=self.r.district.pk,
                        day=day if self.vendor == "sqlite" else dt.date.fromisoformat(day),
                        last=last,
                    )
                    for day, last in sorted(self.sequence.items())
                ]
            )
        side_rows = sum(len(side[name]) for name in ("supervision", "cohandling", "extension"))
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(
                _no_style(), [Case, Supervision, SupervisionParty, CoHandling, Extension, CaseSequence]
            ):
                cursor.execute(statement)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        analyze_started = time.perf_counter()
        analyze()
        return {
            "cases": count,
            "seconds": round(seconds, 1),
            "cpu": round(cpu, 1),
            "side_rows": side_rows,
            "analyze_s": round(time.perf_counter() - analyze_started, 1),
        }

    def _case(self, filed: float, side: dict) -> tuple:  # type: ignore[type-arg]
        """One case filed at `filed`: its life, cut at now. Side rows are added to `side`."""
        rng, r, now, ts = self.rng, self.r, self.now, self.ts
        pk = self.next_id
        self.next_id += 1
        category = r.categories[self._pick(self.category_cum)]
        grid_id, community_id, buildings = r.grids[self._pick(self.grid_cum)]
        channel = CHANNELS[self._pick(self.channel_cum)][0]
        building_id, lng, lat = rng.choice(buildings) if buildings else (None, None, None)
        if lng is not None:
            lng, lat = lng + rng.uniform(-3e-4, 3e-4), lat + rng.uniform(-3e-4, 3e-4)
        if rng.random() < 0.5:
            building_id = None
        day = dt.datetime.fromtimestamp(filed, SHANGHAI).date().isoformat()
        self.sequence[day] += 1
        number = f"{r.district.code}-{day.replace('-', '')}-{self.sequence[day]:04d}"
        unit = accepted = due = handled = closed = marked = None
        overdue = False
        steps = 1
        updated = filed
        fate = rng.random()
        if fate < 0.05:  # not accepted (3 %) or merged into another report (2 %)
            decided = filed + rng.expovariate(1 / (3 * HOUR))
            if decided < now:
                state, closed, updated, steps = ("rejected" if fate < 0.03 else "duplicate"), decided, decided, 2
            else:
                state = "reported"
        else:
            accepted = filed + rng.expovariate(1 / (3 * HOUR))
            due = self.due(category, accepted)
            dispatched = accepted + rng.expovariate(1 / HOUR)
            started_at = dispatched + rng.expovariate(1 / (4 * HOUR))
            if rng.random() < (0.2 if category.time_limit >= 10 else 0.06):  # stuck for weeks or months
                handled_at = started_at + rng.uniform(15, 365) * DAY
            else:
                handled_at = started_at + (due - accepted) * rng.lognormvariate(math.log(0.5), 0.55)
            verified = handled_at + rng.expovariate(1 / (12 * HOUR))
            visited = verified + rng.expovariate(1 / (2 * DAY)) if category.return_visit_required else verified
            unit = r.unit_of[category.pk]
            if now < accepted:
                state, accepted, due, unit = "reported", None, None, None
            elif now < dispatched:
                state, updated, steps = "accepted", accepted, 2
            elif now < started_at:
                state, updated, steps = "dispatched", dispatched, 3
            elif now < handled_at:
                state, updated, steps = "in_progress", started_at, 4
                roll = rng.random()
                if roll < 0.08:
                    state, steps = "on_hold", 5
                elif roll < 0.11:
                    state, unit, steps = "returned", r.dispatch.pk, 5
                elif roll < 0.12:
                    state, steps = "reopened", 8
            elif now < verified:
                state, handled, updated, steps = "handled", handled_at, handled_at, 5
            elif now < visited:
                state, handled, updated, steps = "verified", handled_at, verified, 6
                if rng.random() < 0.15:
                    state, steps = "visited", 7
            else:
                state, handled, closed, updated, steps = "closed", handled_at, visited, visited, 7
            if state != "reported" and due < min(handled_at, now):  # the sweep has marked it
                overdue, marked = True, due + rng.uniform(30, 300)
        open_ = state not in ("closed", "rejected", "duplicate")
        if accepted is not None and rng.random() < (0.35 if overdue and open_ else 0.1 if overdue else 0.01):
            opened = (due if overdue else accepted) + rng.uniform(0.5, 5) * DAY
            if opened < now:
                supervision_id = self.next_supervision
                self.next_supervision += 1
                side["supervision"].append(
                    (
                        supervision_id,
                        ts(opened),
                        ts(opened),
                        r.district.pk,
                        pk,
                        "red" if rng.random() < 0.3 else "yellow",
                        r.supervisor.pk,
                        None if open_ else ts(closed or now),
                    )
                )
                side["supervisionparty"].append((supervision_id, "区委督查室", r.supervisor.pk, ts(opened), ""))
                steps += 1
        if accepted is not None and state not in ("reported", "accepted") and rng.random() < 0.04:
            others = [u for u in r.co_handlers if u != unit]
            co_state = "open" if open_ else "finished"
            side["cohandling"].append(
                (
                    ts(accepted),
                    ts(closed or updated),
                    pk,
                    rng.choice(others),
                    "配合现场处置",
                    ts(due),
                    co_state,
                    "" if open_ else "已配合处置完毕",
                    None if open_ else ts(closed or updated),
                )
            )
        if state in ("dispatched", "in_progress", "on_hold") and rng.random() < 0.02:
            side["extension"].append((ts(updated), ts(updated), pk, r.department.pk, 3, "需协调施工单位", "requested"))
        reporter_filed_by = r.grid_worker.pk if channel == "patrol" and grid_id == r.my_grid else None
        return (
            pk,
            ts(filed),
            ts(updated),
            r.district.pk,
            number,
            category.pk,
            state,
            channel,
            rng.choice(self.texts[category.pk]),
            lng,
            lat,
            building_id,
            community_id,
            grid_id,
            reporter_filed_by,
            unit,
            ts(accepted),
            ts(due),
            ts(handled),
            ts(closed),
            overdue,
            ts(marked),
            steps,
        )

    def ts(self, moment: float | None):  # type: ignore[no-untyped-def]
        """A moment as the database adapter wants it: an aware datetime, or on SQLite the text
        Django writes (UTC, naive, `str()`)."""
        if moment is None:
            return None
        value = dt.datetime.fromtimestamp(moment, dt.UTC)
        return str(value.replace(tzinfo=None)) if self.vendor == "sqlite" else value


CASE_FIELDS = [
    "id",
    "created_at",
    "updated_at",
    "district_id",
    "number",
    "category_id",
    "state",
    "channel",
    "description",
    "lng",
    "lat",
    "building_id",
    "community_id",
    "grid_id",
    "filed_by_id",
    "unit_id",
    "accepted_at",
    "due_at",
    "handled_at",
    "closed_at",
    "overdue",
    "overdue_marked_at",
    "version",
]
FIELDS = {
    "case": CASE_FIELDS,
    "supervision": ["id", "created_at", "updated_at", "district_id", "case_id", "level", "opened_by_id", "closed_at"],
    "supervisionparty": ["supervision_id", "body", "user_id", "joined_at", "note"],
    "cohandling": [
        "created_at",
        "updated_at",
        "case_id",
        "unit_id",
        "task",
        "due_at",
        "state",
        "result",
        "finished_at",
    ],
    "extension": ["created_at", "updated_at", "case_id", "requested_by_id", "days", "reason", "state"],
    "casesequence": ["district_id", "day", "last"],
}


class Writer:
    """Rows straight into a model's table: COPY on PostgreSQL, executemany on SQLite. Columns the
    generator does not set get the field's default, prepared once."""

    def __init__(self, model, vendor: str) -> None:  # type: ignore[no-untyped-def]
        from django.db import connection

        self.model, self.vendor = model, vendor
        self.fields = FIELDS[model._meta.model_name]
        given = set(self.fields)
        rest = [f for f in model._meta.concrete_fields if f.attname not in given and not f.primary_key]
        self.constant = tuple(_prepared_default(f, connection) for f in rest)
        self.columns = [model._meta.get_field(name).column for name in self.fields] + [f.column for f in rest]

    def row(self, **values: object) -> tuple:  # type: ignore[type-arg]
        return tuple(values[name] for name in self.fields)

    def write(self, rows: list[tuple]) -> None:  # type: ignore[type-arg]
        from django.db import connection

        if not rows:
            return
        table = self.model._meta.db_table
        columns = ", ".join(f'"{c}"' for c in self.columns)
        constant = self.constant
        if self.vendor == "postgresql":
            with connection.cursor() as cursor, cursor.cursor.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row + constant)
        else:
            connection.ensure_connection()
            marks = ", ".join("?" * len(self.columns))
            connection.connection.executemany(
                f'INSERT INTO "{table}" ({columns}) VALUES ({marks})', (row + constant for row in rows)
            )


def _prepared_default(field, connection):  # type: ignore[no-untyped-def]
    import json as json_module

    from django.db import models

    default = field.get_default()
    if isinstance(field, models.JSONField):
        return json_module.dumps(default)
    return field.get_db_prep_save(default, connection)


def _no_style():  # type: ignore[no-untyped-def]
    from django.core.management.color import no_style

    return no_style()


def _cumulative(weights: list[float]):  # type: ignore[no-untyped-def]
    total = 0.0
    for weight in weights:
        total += weight
        yield total


def analyze() -> None:
    """Planner statistics, as autovacuum (PostgreSQL) or `PRAGMA optimize` (SQLite) would keep them."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in ("cases_case", "cases_supervision", "cases_cohandling", "cases_extension"):
                cursor.execute(f"VACUUM ANALYZE {table}")
        else:
            cursor.execute("ANALYZE")
