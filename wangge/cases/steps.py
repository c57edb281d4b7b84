"""Taking a step on a case, for the API and the web alike.

Each step has one input schema (the same pydantic schema the API documents) and one runner
that calls the action in `cases.actions`. `take` asks the policy first (403 `forbidden`), so the
API and the web decide permission and run the action in exactly one place. The caller has
loaded the case inside `visible_cases` (404 outside it).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Schema

from wangge.accounts.models import User
from wangge.accounts.scope import assignments_of
from wangge.api.errors import ApiError
from wangge.areas.models import AreaNode
from wangge.cases import actions, policy
from wangge.cases.errors import CaseError
from wangge.cases.models import Case, Category, CategoryQuestion, CoHandling, Extension, HandlingUnit
from wangge.cases.queries import units_for, visible_cases
from wangge.cases.schemas import (
    CategoryIn,
    CoHandlerIn,
    DecideIn,
    DispatchIn,
    ExtensionIn,
    FinishIn,
    HandleIn,
    MergeIn,
    NoteIn,
    ReasonIn,
    SuperviseIn,
    UrgeIn,
    VerifyIn,
    VisitIn,
)
from wangge.lib import memo
from wangge.lib.errors import DomainError
from wangge.lib.text import is_ascii_number


def forbidden() -> DomainError:
    return DomainError(CaseError.FORBIDDEN, _("You can see this case, but this step is not yours to take."), status=403)


def user_districts(user: User) -> set[int] | None:
    """The districts the user holds a role in; None for a superuser (every district)."""
    if user.is_superuser:
        return None
    return {a.district_id for a in assignments_of(user)}


def _categories_named(ref: int | str, district_id: int | None, districts: frozenset[int] | None) -> Category | None:
    categories = Category.objects.filter(parent__isnull=False, active=True)
    if district_id is not None:
        categories = categories.filter(district_id=district_id)
    if districts is not None:
        categories = categories.filter(district_id__in=districts)
    categories = categories.select_related("district").prefetch_related("questions")
    if isinstance(ref, int):
        found = list(categories.filter(pk=ref)[:2])
    else:  # a code; in a query string or a form an id arrives as text too
        ref = ref.strip()
        found = list(categories.filter(code=ref)[:2])
        if not found and is_ascii_number(ref):
            found = list(categories.filter(pk=int(ref))[:2])
    return found[0] if len(found) == 1 else None


# Every filing looks its category up; remembered for a few seconds per process (lib.memo).
_categories: memo.Memo[Category] = memo.Memo()
memo.forget_on_change(Category, CategoryQuestion, AreaNode)


def find_category(user: User, ref: int | str, *, district_id: int | None = None) -> Category:
    """A category (not a group) of the user's districts, by id or code, with its district and
    questions; 400 `unknown_category`."""
    user_set = user_districts(user)
    districts = frozenset(user_set) if user_set is not None else None
    found = _categories.get((ref, district_id, districts), lambda: _categories_named(ref, district_id, districts))
    if found is None:
        raise DomainError(CaseError.UNKNOWN_CATEGORY, _("Choose one of the platform's case categories."))
    return found


def _unit(user: User, case: Case, unit_id: int | None) -> HandlingUnit | None:
    """A unit the case may be sent to, loaded through the user's scope (404 otherwise)."""
    if unit_id is None:
        return None
    unit = units_for(user, case).filter(pk=unit_id).first()
    if unit is None:
        raise DomainError(CaseError.UNKNOWN_UNIT, _("There is no such handling unit within your area."), status=404)
    return unit


def _dispatch(u: User, c: Case, p: DispatchIn) -> object:
    return actions.dispatch(u, c, unit=_unit(u, c, p.unit), version=p.version)


def _merge(u: User, c: Case, p: MergeIn) -> object:
    # The surviving case gets an event too: it must be one the user may merge, not merely see
    # (a case they reported elsewhere in the district, say); otherwise it is not found.
    into = visible_cases(u).filter(pk=p.into).first()
    if into is None or not policy.can(u, "merge", into):
        raise DomainError(ApiError.NOT_FOUND, _("Not found, or outside your scope."), status=404)
    return actions.merge(u, c, into=into, version=p.version)


def _category(u: User, c: Case, p: CategoryIn) -> object:
    category = find_category(u, p.category, district_id=c.district_id)
    return actions.change_category(u, c, category=category, version=p.version)


def _co_handler(u: User, c: Case, p: CoHandlerIn) -> object:
    unit = _unit(u, c, p.unit)
    return actions.add_co_handler(u, c, unit=unit, task=p.task, days=p.days, version=p.version)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Step:
    schema: type[Schema]
    run: Callable[[User, Case, Any], object]


STEPS: dict[str, Step] = {
    "accept": Step(NoteIn, lambda u, c, p: actions.accept(u, c, version=p.version, note=p.note)),
    "reject": Step(ReasonIn, lambda u, c, p: actions.reject(u, c, reason=p.reason, version=p.version)),
    "merge": Step(MergeIn, _merge),
    "category": Step(CategoryIn, _category),
    "dispatch": Step(DispatchIn, _dispatch),
    "start": Step(NoteIn, lambda u, c, p: actions.start(u, c, version=p.version, note=p.note)),
    "hold": Step(ReasonIn, lambda u, c, p: actions.hold(u, c, version=p.version, note=p.reason)),
    "resume": Step(NoteIn, lambda u, c, p: actions.resume(u, c, version=p.version, note=p.note)),
    "return": Step(ReasonIn, lambda u, c, p: actions.return_to_dispatch(u, c, reason=p.reason, version=p.version)),
    "handle": Step(HandleIn, lambda u, c, p: actions.handle(u, c, result=p.result, version=p.version)),
    "co-handlers": Step(CoHandlerIn, _co_handler),
    "extension": Step(
        ExtensionIn, lambda u, c, p: actions.request_extension(u, c, days=p.days, reason=p.reason, version=p.version)
    ),
    "verify": Step(VerifyIn, lambda u, c, p: actions.verify(u, c, passed=p.passed, note=p.note, version=p.version)),
    "visit": Step(
        VisitIn,
        lambda u, c, p: actions.record_visit(
            u, c, result=p.result, comment=p.comment, by_phone=p.by_phone, version=p.version
        ),
    ),
    "close": Step(NoteIn, lambda u, c, p: actions.close(u, c, version=p.version, note=p.note)),
    "urge": Step(UrgeIn, lambda u, c, p: actions.urge(u, c, note=p.note)),
    "supervise": Step(SuperviseIn, lambda u, c, p: actions.supervise(u, c, body=p.body, level=p.level, note=p.note)),
}


def take(user: User, case: Case, step: str, payload: Schema) -> None:
    """Take `step` on `case`: 403 unless the policy allows it, then the action (which checks the
    state, 409, and the version, 409 `stale_version`)."""
    if not policy.can(user, step, case):
        raise forbidden()
    STEPS[step].run(user, case, payload)


def finish_co_handling(user: User, case: Case, co_id: int, payload: FinishIn) -> None:
    """The co-handling unit finishes its task, or dispatch releases it (`released`)."""
    co = get_object_or_404(CoHandling.objects.filter(case=case), pk=co_id)
    allowed = (
        policy.can(user, "co-handling-release", case)
        if payload.released
        else policy.can(user, "co-handling-finish", case, co_handling=co)
    )
    if not allowed:
        raise forbidden()
    actions.finish_co_handling(user, co, result=payload.result, released=payload.released)


def decide_extension(user: User, case: Case, extension_id: int, payload: DecideIn) -> None:
    extension = get_object_or_404(Extension.objects.filter(case=case), pk=extension_id)
    if not policy.can(user, "extension-decide", case):
        raise forbidden()
    actions.decide_extension(user, extension, approve=payload.approve, note=payload.note)
