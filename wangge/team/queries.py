"""Read helpers of the team: the roster and the scores a user sees, and a score's drill-down.

Scope: a worker (and their scores) is seen by the team roles whose assignment covers the
worker's district, community or grid; anything else is absent (and answers 404)."""

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.models import Role, User
from wangge.accounts.scope import has_role_over, scope_q
from wangge.areas.models import AreaNode, Level
from wangge.areas.queries import subtree_q
from wangge.assistance.models import Need
from wangge.cases.models import Case, ReturnVisit
from wangge.fieldwork.models import Briefing, Patrol, Visit
from wangge.people.models import WorkerProfile
from wangge.team.indicators import by_name
from wangge.team.members import STAFF_ROLES
from wangge.team.models import Commitment, Registration, Score, Wish

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


def _records(kind: str, ids: list[int]) -> dict[int, str]:
    """A short label of each record counted, by id (one query)."""
    if kind == "case":
        return dict(Case.objects.filter(pk__in=ids).values_list("pk", "number"))
    if kind == "return_visit":
        visits = ReturnVisit.objects.filter(pk__in=ids).select_related("case")
        return {v.pk: f"{v.case.number} · {v.get_result_display()}" for v in visits}
    if kind == "briefing":
        return {
            b.pk: f"{b.date:%Y-%m-%d} · {b.grid.name}"
            for b in Briefing.objects.filter(pk__in=ids).select_related("grid")
        }
    if kind == "need":
        # The need's kind and note are sensitive: the label names the dossier, class and state only.
        return {
            n.pk: _("Dossier %(dossier)s · %(priority)s · %(state)s")
            % {"dossier": n.dossier_id, "priority": n.get_priority_display(), "state": n.get_state_display()}
            for n in Need.objects.filter(pk__in=ids).only("pk", "dossier_id", "priority", "state")
        }
    if kind == "area":
        nodes = AreaNode.objects.filter(pk__in=ids).only("pk", "level", "code", "name")
        return {n.pk: f"{n.get_level_display()} {n.code} · {n.name}" for n in nodes}
    if kind == "patrol":
        patrols = Patrol.objects.filter(pk__in=ids).select_related("grid")
        return {p.pk: f"{timezone.localtime(p.started_at):%Y-%m-%d %H:%M} · {p.grid.name}" for p in patrols}
    visits_made = Visit.objects.filter(pk__in=ids).select_related("household")
    return {v.pk: f"{timezone.localtime(v.visited_at):%Y-%m-%d %H:%M} · {v.household.name}" for v in visits_made}


def drill_down(score: Score) -> list[dict[str, Any]]:
    """Each indicator of the score with its definition and the records it counted (one query
    per indicator present)."""
    known = by_name()
    parts = []
    for name, data in score.indicators.items():
        indicator = known.get(name)
        if indicator is None:
            continue
        labels = _records(indicator.records, data["records"])
        hits = set(data.get("hits") or [])
        records = [
            {"pk": pk, "label": labels.get(pk, pk), "hit": pk in hits if data.get("hits") is not None else None}
            for pk in data["records"]
        ]
        parts.append({"name": name, "indicator": indicator, **data, "listed": records})
    return parts


_WISH_FIELDS = {"district": "district", "community": "community", "grid": "grid", "household": "household"}


def visible_wishes(user: User) -> QuerySet[Wish]:
    """The wishes in the user's scope (members see their community's, residents their
    household's) and those the user posted or claimed."""
    return Wish.objects.filter(scope_q(user, _WISH_FIELDS) | Q(posted_by=user) | Q(claimant=user)).select_related(
        "community", "claimant"
    )


_COMMUNITY_FIELDS = {"district": "district", "community": "community"}


def visible_commitments(user: User) -> QuerySet[Commitment]:
    """The user's own commitments and those of the communities they are staff of."""
    return Commitment.objects.filter(
        scope_q(user, _COMMUNITY_FIELDS, roles=STAFF_ROLES) | Q(member__person__user=user)
    ).select_related("member__person", "community")


def visible_registrations(user: User) -> QuerySet[Registration]:
    """The user's own registrations and those with the communities they are staff of."""
    return Registration.objects.filter(
        scope_q(user, _COMMUNITY_FIELDS, roles=STAFF_ROLES) | Q(member__person__user=user)
    ).select_related("member__person", "community")


def staffed_community(user: User, pk: int) -> AreaNode | None:
    """The community `pk` when the user is its staff (or the district's administrator), else None."""
    community = AreaNode.objects.filter(pk=pk, level=Level.COMMUNITY).first()
    if community is None or not has_role_over(user, community, *STAFF_ROLES):
        return None
    return community


def staffed_communities(user: User) -> list[AreaNode]:
    """The communities whose registrations the user keeps (community staff: theirs; a district
    administrator: the district's)."""
    return list(
        AreaNode.objects.filter(scope_q(user, _COMMUNITY_FIELDS, roles=STAFF_ROLES))
        .filter(level=Level.COMMUNITY)
        .order_by("code")
    )
