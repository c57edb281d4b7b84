"""The home page of each role: its own work, the most operational role first.

A user may hold several roles; the page shows the section of each, in the order of `ORDER`:
the grid's fieldwork, a department's inbox, the community by grid, the supervision queue, the
district by department, and (for residents and the like) their own cases. Every count comes from
`wangge.cases.figures`, over cases already narrowed by `cases.queries` to the user's scope; each
section is a fixed number of queries however many cases there are.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy

from wangge.accounts.models import Role, User
from wangge.accounts.scope import assignments_of, has_role
from wangge.areas.models import LEVELS, Level
from wangge.areas.queries import visible_areas
from wangge.cases import figures
from wangge.cases.models import Case, ReturnVisit
from wangge.cases.queries import (
    DISPATCH_ROLES,
    GRID_ROLES,
    Worklist,
    unit_ids,
    visible_cases,
    worklist,
)
from wangge.orgs.coverage import coverage_report
from wangge.web import pages

# Roles whose home is their own cases: report a problem, follow it, the public board.
REPORTER_ROLES = frozenset({Role.RESIDENT, Role.MEMBER, Role.VOLUNTEER, Role.RESIDENT_UNIT, Role.SOCIAL_ORG})
STRUCTURE_LABELS = {
    Level.COMMUNITY: gettext_lazy("Communities"),
    Level.GRID: gettext_lazy("Grids"),
    Level.BUILDING: gettext_lazy("Buildings"),
    Level.HOUSEHOLD: gettext_lazy("Households"),
}
MY_CASES_SHOWN = 5
TASKS_SHOWN = 5


@dataclass
class Section:
    name: str
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def template(self) -> str:
        return f"web/home/_{self.name}.html"


def cases_url(worklist_name: str, **params: str) -> str:
    query = "&".join(f"{key}={value}" for key, value in {"list": worklist_name, **params}.items())
    return f"{reverse('cases')}?{query}"


def _grid(user: User, now: dt.datetime) -> Section:
    cases = worklist(user, Worklist.GRID)
    return Section(
        "grid",
        {
            "areas": [a.area for a in assignments_of(user) if a.role in GRID_ROLES],
            "counts": figures.open_counts(cases, now),
            "tasks": figures.todays_tasks(cases, now, TASKS_SHOWN),
            "open_url": cases_url(Worklist.GRID),
            "due_soon_url": cases_url(Worklist.GRID, flag="due_soon"),
            "overdue_url": cases_url(Worklist.GRID, flag="overdue"),
            "mine_url": cases_url(Worklist.MINE),
            "done_url": cases_url("done"),
        },
    )


def _first(cases: QuerySet[Case]) -> list[Case]:
    """The first cases of a worklist, most urgent first, with what their line shows (one query)."""
    return list(cases.select_related("category", "building")[:TASKS_SHOWN])


def _inbox(user: User, now: dt.datetime) -> Section:
    cases = worklist(user, Worklist.INBOX)
    return Section(
        "inbox",
        {
            "counts": figures.open_counts(cases, now),
            "cases": _first(cases),
            "open_url": cases_url(Worklist.INBOX),
            "due_soon_url": cases_url(Worklist.INBOX, flag="due_soon"),
            "overdue_url": cases_url(Worklist.INBOX, flag="overdue"),
            "waiting_url": cases_url(Worklist.INBOX, state="dispatched"),
        },
    )


def _community(user: User, now: dt.datetime) -> Section:
    by_grid = figures.open_by_grid(worklist(user, Worklist.GRID))
    report = coverage_report(user)
    rows = [
        {
            "grid": line,
            "url": reverse("area", args=[line.area_id]),
            "open": by_grid.get(line.area_id, {}).get("open", 0),
            "overdue": by_grid.get(line.area_id, {}).get("overdue", 0),
            "gaps": line.total,
        }
        for line in report.grids
    ]
    return Section(
        "community",
        {
            "rows": rows,
            "dispatch": worklist(user, Worklist.DISPATCH).count(),
            "dispatch_url": cases_url(Worklist.DISPATCH),
            "coverage_url": reverse("coverage"),
        },
    )


def _supervision(user: User, now: dt.datetime) -> Section:
    cases = worklist(user, Worklist.SUPERVISION)
    return Section(
        "supervision",
        {
            "counts": figures.supervision_counts(cases),
            "cases": _first(cases),
            "url": cases_url(Worklist.SUPERVISION),
            "overdue_url": cases_url(Worklist.SUPERVISION, flag="overdue"),
        },
    )


def _district(user: User, now: dt.datetime, map_config: dict[str, Any]) -> Section:
    cases = visible_cases(user)
    visits = ReturnVisit.objects.filter(case__in=cases.values("pk"))
    units = figures.by_unit(cases, visits, now)
    scope = pages.top_scope(user)
    nodes = visible_areas(user)
    totals = pages.area_totals(nodes)
    shown = [lvl for lvl in pages.COUNTED_LEVELS if LEVELS.index(lvl) > LEVELS.index(scope.level)]
    return Section(
        "district",
        {
            "scope": scope,
            "units": units,
            "on_time_rate": units.total.on_time_rate,
            "structure": [(STRUCTURE_LABELS[lvl], totals[lvl]) for lvl in shown],
            "communities": pages.nodes_with_counts(nodes, Level.COMMUNITY),
            "map_config": map_config,
            "dispatch": worklist(user, Worklist.DISPATCH).count() if has_role(user, *DISPATCH_ROLES) else None,
            "dispatch_url": cases_url(Worklist.DISPATCH),
            "open_url": cases_url(Worklist.GRID),
            "overdue_url": cases_url(Worklist.GRID, flag="overdue"),
        },
    )


def _mine(user: User, now: dt.datetime) -> Section:
    mine = list(worklist(user, Worklist.MINE).select_related("category")[:MY_CASES_SHOWN])
    return Section("mine", {"cases": mine, "mine_url": cases_url(Worklist.MINE)})


def home_sections(user: User, now: dt.datetime, map_config: dict[str, Any]) -> list[Section]:
    """The sections of the user's home page, the most operational first."""
    sections: list[Section] = []
    if has_role(user, *GRID_ROLES) and not user.is_superuser:
        sections.append(_grid(user, now))
    if unit_ids(user):
        sections.append(_inbox(user, now))
    if has_role(user, Role.COMMUNITY_STAFF) and not user.is_superuser:
        sections.append(_community(user, now))
    if has_role(user, Role.SUPERVISOR) and not user.is_superuser:
        sections.append(_supervision(user, now))
    if has_role(user, Role.DISTRICT_ADMIN):  # the superuser too: every district
        sections.append(_district(user, now, map_config))
    if not sections or has_role(user, *REPORTER_ROLES) and not user.is_superuser:
        sections.append(_mine(user, now))
    return sections
