"""Who may take which step on a case, written once.

Seeing a case is decided by `queries.visible_cases`; this module decides, for a case the user
already sees, whether they may act on it. Views and the API load the case in scope first
(404 outside it) and then ask `can(user, step, case)` (403 when it says no). Whether the
case's *state* allows the step is not decided here but by the action (409).

- accept, reject, dispatch, verify, close, merge, category, co-handlers, extension-decide,
  co-handling-release: a district administrator, or community staff, whose scope contains the case;
- start, return, hold, resume, handle, extension: staff of the case's current unit;
- co-handling-finish: staff of that co-handling unit;
- visit: the dispatch-type users above, or the reporter of their own case;
- urge: an area-scope staff role (grid secretary, leader or worker, community staff, district
  administrator, supervisor) whose scope contains the case;
- supervise: a supervisor or district administrator whose scope contains the case;
- photos: anyone who sees the case.
"""

from collections.abc import Collection

from django.db.models import QuerySet

from wangge.accounts.models import User
from wangge.accounts.scope import DISTRICT_COMMUNITY_GRID, assignments_of
from wangge.cases.models import Attachment, Case, CoHandling, CoHandlingState, ExtensionState
from wangge.cases.queries import AREA_CASE_ROLES, DISPATCH_ROLES, SUPERVISE_ROLES, unit_ids
from wangge.cases.workflow import EXTENSION_STATES, OPEN_STATES, TRANSITIONS, State

DISPATCH_STEPS = frozenset(
    {
        "accept",
        "reject",
        "dispatch",
        "verify",
        "close",
        "merge",
        "category",
        "co-handlers",
        "extension-decide",
        "co-handling-release",
    }
)
UNIT_STEPS = frozenset({"start", "return", "hold", "resume", "handle", "extension"})
STEPS = DISPATCH_STEPS | UNIT_STEPS | {"co-handling-finish", "visit", "urge", "supervise", "photos"}

# The steps on the case itself, in the order a client shows them (the others act on a
# co-handling or an extension request and are offered on those).
CASE_STEPS = [
    "accept",
    "reject",
    "merge",
    "category",
    "dispatch",
    "start",
    "hold",
    "resume",
    "return",
    "handle",
    "co-handlers",
    "extension",
    "verify",
    "visit",
    "close",
    "urge",
    "supervise",
    "photos",
]

# Step → the workflow transition it performs, where it performs exactly one.
_TRANSITION_OF = {
    "accept": "accept",
    "reject": "reject",
    "merge": "merge",
    "dispatch": "dispatch",
    "start": "start",
    "hold": "hold",
    "resume": "resume",
    "return": "return_to_dispatch",
    "handle": "handle",
    "verify": "verify",
    "visit": "record_visit",
    "close": "close",
}
_RECLASSIFY_STATES = frozenset({State.REPORTED, State.ACCEPTED, State.RETURNED})
_CO_HANDLER_STATES = OPEN_STATES - {State.REPORTED, State.HANDLED, State.VERIFIED, State.VISITED}


def in_area_scope(user: User, case: Case, roles: Collection[str]) -> bool:
    """Whether the user holds one of `roles` through an assignment whose area contains the case."""
    if user.is_authenticated and user.is_superuser:
        return True
    for assignment in assignments_of(user):
        if assignment.role not in roles:
            continue
        field = DISTRICT_COMMUNITY_GRID.get(assignment.area.level)
        if field is not None and getattr(case, f"{field}_id") == assignment.area_id:
            return True
    return False


def can_file(user: User, district_id: int) -> bool:
    """Anyone holding a role in the district may file a case there."""
    if user.is_authenticated and user.is_superuser:
        return True
    return any(a.district_id == district_id for a in assignments_of(user))


def can(user: User, step: str, case: Case, *, co_handling: CoHandling | None = None) -> bool:
    """Whether `user`, who sees `case`, may take `step` on it (the state is not checked here)."""
    if step not in STEPS:
        raise ValueError(step)
    if not user.is_authenticated:
        return False
    if step in DISPATCH_STEPS:
        return in_area_scope(user, case, DISPATCH_ROLES)
    if step in UNIT_STEPS:
        return case.unit_id is not None and (user.is_superuser or case.unit_id in unit_ids(user))
    if step == "co-handling-finish":
        if co_handling is None:
            raise ValueError("co-handling-finish needs the co-handling")
        return user.is_superuser or co_handling.unit_id in unit_ids(user)
    if step == "visit":
        return (case.reporter_id is not None and case.reporter_id == user.pk) or in_area_scope(
            user, case, DISPATCH_ROLES
        )
    if step == "urge":
        return in_area_scope(user, case, AREA_CASE_ROLES)
    if step == "supervise":
        return in_area_scope(user, case, SUPERVISE_ROLES)
    return True  # photos: anyone who sees the case


def reporter_only(user: User, case: Case, co_handlings: Collection[CoHandling] | None = None) -> bool:
    """Whether the user sees the case only as its reporter or filer (and so sees only what is
    public): someone who filed a case outside their area or unit follows it as a reporter
    does; what only staff see they see through their role, never through having filed it."""
    if user.pk is None or user.pk not in (case.reporter_id, case.filed_by_id):
        return False
    mine = unit_ids(user)
    if in_area_scope(user, case, AREA_CASE_ROLES) or case.unit_id in mine:
        return False
    if not mine:
        return True
    if co_handlings is None:
        co_handlings = list(case.co_handlings.all())
    return not any(co.unit_id in mine for co in co_handlings)


def visible_photos(user: User, case: Case) -> QuerySet[Attachment]:
    """The photos of a case the user (who sees the case) may look at: the public ones only for
    a user who sees the case only as its reporter."""
    photos = Attachment.objects.filter(case=case)
    return photos.filter(public=True) if reporter_only(user, case) else photos


def possible_now(step: str, case: Case, *, pending_extension: bool = False) -> bool:
    """Whether the case's state lets the step be taken now (mirrors the actions' own checks)."""
    state = case.state
    if step in _TRANSITION_OF:
        if state not in TRANSITIONS[_TRANSITION_OF[step]].sources:
            return False
        return not (step == "close" and state == State.VERIFIED and case.category.return_visit_required)
    if step == "category":
        return state in _RECLASSIFY_STATES
    if step == "co-handlers":
        return state in _CO_HANDLER_STATES
    if step == "extension":
        return state in EXTENSION_STATES and not pending_extension
    if step in ("urge", "supervise"):
        return state in OPEN_STATES
    return step == "photos"


def steps_for(user: User, case: Case, *, pending_extension: bool = False) -> list[str]:
    """The steps on the case the user may take now: allowed by the state and by this policy."""
    return [
        step
        for step in CASE_STEPS
        if possible_now(step, case, pending_extension=pending_extension) and can(user, step, case)
    ]


def may_finish(user: User, co: CoHandling, case: Case) -> bool:
    return co.state == CoHandlingState.OPEN and can(user, "co-handling-finish", case, co_handling=co)


def may_release(user: User, co: CoHandling, case: Case) -> bool:
    return co.state == CoHandlingState.OPEN and can(user, "co-handling-release", case)


def may_decide(user: User, state: str, case: Case) -> bool:
    return state == ExtensionState.REQUESTED and case.state in EXTENSION_STATES and can(user, "extension-decide", case)
