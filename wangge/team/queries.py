"""Read helpers of the team: the roster and the scores a user sees, and a score's drill-down.

Scope: a worker (and their scores) is seen by the team roles whose assignment covers the
worker's district, community or grid; anything else is absent (and answers 404)."""

from typing import Any

from django.db.models import Model, QuerySet

from wangge.accounts.models import Role, User
from wangge.accounts.scope import scope_q
from wangge.areas.models import AreaNode
from wangge.areas.queries import subtree_q
from wangge.cases.models import Case, ReturnVisit
from wangge.fieldwork.models import Briefing, Patrol, Visit
from wangge.people.models import WorkerProfile
from wangge.team.indicators import by_name
from wangge.team.models import Score

TEAM_ROLES = frozenset(
    {Role.DISTRICT_ADMIN, Role.COMMUNITY_STAFF, Role.GRID_SECRETARY, Role.GRID_LEADER, Role.GRID_WORKER}
)
_FIELDS = {"district": "district", "community": "community", "grid": "grid"}


def visible_workers(user: User, within: AreaNode | None = None) -> QuerySet[WorkerProfile]:
    """The roster the user reads, with person, area and roster entry (one query)."""
    workers = WorkerProfile.objects.filter(scope_q(user, _FIELDS, roles=TEAM_ROLES))
    if within is not None:
        workers = workers.filter(subtree_q(within))
    return workers.select_related("person", "area", "community", "grid", "roster_entry").order_by(
        "community__code", "grid__code", "kind", "person__name", "pk"
    )


def visible_scores(user: User) -> QuerySet[Score]:
    return Score.objects.filter(scope_q(user, _FIELDS, roles=TEAM_ROLES)).select_related(
        "worker__person", "worker__area"
    )


RECORD_MODELS: dict[str, type[Model]] = {
    "case": Case,
    "return_visit": ReturnVisit,
    "briefing": Briefing,
    "patrol": Patrol,
    "visit": Visit,
}


def drill_down(score: Score) -> list[dict[str, Any]]:
    """Each indicator of the score with its definition and the records it counted (one query
    per indicator present)."""
    known = by_name()
    parts = []
    for name, data in score.indicators.items():
        indicator = known.get(name)
        if indicator is None:
            continue
        model = RECORD_MODELS[indicator.records]
        rows = {obj.pk: obj for obj in model.objects.filter(pk__in=data["records"])}  # type: ignore[attr-defined]
        hits = set(data.get("hits") or [])
        records = [
            {"pk": pk, "obj": rows.get(pk), "hit": pk in hits if data.get("hits") is not None else None}
            for pk in data["records"]
        ]
        parts.append({"name": name, "indicator": indicator, **data, "listed": records})
    return parts
