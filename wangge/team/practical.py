"""Practical things done for residents (为民办实事), defined once here.

One practical thing is one of these records, counted on its day:

- **wish** / **task**: a small wish or a service task fulfilled (status fulfilled or confirmed),
  on the day it was fulfilled, for its claimant (`Wish.claimant`, a user);
- **help**: a help given to a paired household (`assistance.Help`), on its `given_on`, when it
  was given through a pair (`Help.pair`) whose helper is a member (`Pair.helper_kind` member,
  `Pair.helper_id` a `people.MemberProfile`): it counts for that member — the pair's helper,
  not whoever recorded it (`Help.recorded_by` may be a grid worker writing it down). A help
  recorded without a pair, or through a pair with a resident unit, is not a member's practical
  thing. It lies where the household's dossier lies.

- **case**: a case a member handled — a case closed off (`Case.state` closed) whose last
  "handle" step (the case event `transition = "handle"`, the step that marks the work done and
  hands it to checking) was taken by a member's account: a user whose registry person has a
  member profile (`MemberProfile.person.user`). It counts on the day the case was closed off
  (`Case.closed_at`), for that member, where the case lies (its community and grid). A case
  handled by an account that is not a member's, or not yet closed off, is not one; a case
  handled again after being sent back counts once, for whoever handled it last.

Counts for a period [from, to] (local days) in an area, per member (the claimant's account; for
a help the member's own account, `MemberProfile.person.user`, None for a member without one),
per member's unit (`MemberProfile.org_unit`), per community and for the district: one query
each (the wishes and the helps grouped apiece and joined by UNION ALL), however many records.
"""

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Value
from django.utils import timezone

from wangge.areas.models import AreaNode, Level
from wangge.areas.queries import subtree_q
from wangge.assistance.models import Help, HelperKind
from wangge.assistance.queries import in_area
from wangge.cases.models import Case, CaseEvent, EventKind
from wangge.cases.workflow import State
from wangge.people.models import MemberProfile
from wangge.team.models import Wish, WishKind, WishStatus

DONE = (WishStatus.FULFILLED, WishStatus.CONFIRMED)
HELP = "help"
CASE = "case"
HANDLE_STEP = "handle"
KINDS: dict[str, str] = {WishKind.WISH: "wish", WishKind.TASK: "task", HELP: "help", CASE: "case"}


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def done(area: AreaNode, start: dt.date, end: dt.date) -> QuerySet[Wish]:
    """The wishes and tasks of `area` fulfilled from `start` to `end` (inclusive, local days)."""
    since, until = _midnight(start), _midnight(end + dt.timedelta(days=1))
    scope = subtree_q(area) if area.level != Level.HOUSEHOLD else Q(household=area)
    return Wish.objects.filter(scope, status__in=DONE, fulfilled_at__gte=since, fulfilled_at__lt=until)


def helps_given(area: AreaNode, start: dt.date, end: dt.date) -> QuerySet[Help]:
    """The helps given by paired members to the households of `area` from `start` to `end`."""
    helps = Help.objects.filter(given_on__gte=start, given_on__lte=end, pair__helper_kind=HelperKind.MEMBER)
    if area.level == Level.HOUSEHOLD:
        return helps.filter(dossier__household=area)
    return in_area(helps, area, "dossier__")


def _handler() -> Subquery:
    """The account that took the case's last "handle" step."""
    return Subquery(
        CaseEvent.objects.filter(case=OuterRef("pk"), kind=EventKind.TRANSITION, transition=HANDLE_STEP)
        .order_by("-at", "-id")
        .values("actor_id")[:1]
    )


def cases_handled(area: AreaNode, start: dt.date, end: dt.date) -> QuerySet[Case]:
    """The cases of `area` closed off from `start` to `end` whose last handling step was a
    member's (annotated `handler`: that member's account)."""
    if area.level == Level.HOUSEHOLD:
        return Case.objects.none()
    since, until = _midnight(start), _midnight(end + dt.timedelta(days=1))
    return (
        Case.objects.filter(subtree_q(area), state=State.CLOSED, closed_at__gte=since, closed_at__lt=until)
        .annotate(handler=_handler())
        .filter(Exists(MemberProfile.objects.filter(person__user_id=OuterRef("handler"))))
    )


def _handler_member(field: str) -> Subquery:
    """A column of the member profile of the case's handler."""
    return Subquery(MemberProfile.objects.filter(person__user_id=OuterRef("handler")).values(field)[:1])


def _helper(field: str) -> Subquery:
    """A column of the member who gave the help (the pair's helper)."""
    return Subquery(MemberProfile.objects.filter(pk=OuterRef("pair__helper_id")).values(field)[:1])


def _grouped(
    area: AreaNode, start: dt.date, end: dt.date, wish_key: Any, help_key: Any, case_key: Any
) -> dict[Any, int]:
    """Practical things done per key: the wishes grouped by `wish_key`, the helps by `help_key`
    and the cases by `case_key`, in one query."""
    wishes = done(area, start, end).order_by().values(k=wish_key).annotate(n=Count("pk"))
    helps = helps_given(area, start, end).order_by().values(k=help_key).annotate(n=Count("pk"))
    cases = cases_handled(area, start, end).order_by().values(k=case_key).annotate(n=Count("pk"))
    totals: dict[Any, int] = defaultdict(int)
    for row in wishes.union(helps, cases, all=True).order_by():
        totals[row["k"]] += row["n"]
    return {key: n for key, n in totals.items() if n}


def count(area: AreaNode, start: dt.date, end: dt.date) -> dict[str, object]:
    """{count, by_kind: {wish, task, help, case}} of the area's period (one query)."""
    by_kind = dict.fromkeys(KINDS.values(), 0)
    for kind, n in _grouped(area, start, end, F("kind"), Value(HELP), Value(CASE)).items():
        by_kind[KINDS[kind]] = n
    return {"count": sum(by_kind.values()), "by_kind": by_kind}


def by_member(area: AreaNode, start: dt.date, end: dt.date) -> dict[int | None, int]:
    """The member's user id → practical things done (one query)."""
    return _grouped(area, start, end, F("claimant_id"), _helper("person__user_id"), F("handler"))


def by_unit(area: AreaNode, start: dt.date, end: dt.date) -> dict[int | None, int]:
    """The member's organisation unit (their member profile's) → practical things done (one query)."""
    return _grouped(
        area,
        start,
        end,
        F("claimant__person__member__org_unit_id"),
        _helper("org_unit_id"),
        _handler_member("org_unit_id"),
    )


def by_community(area: AreaNode, start: dt.date, end: dt.date) -> dict[int, int]:
    """Community id → practical things done (one query)."""
    return _grouped(area, start, end, F("community_id"), F("dossier__community_id"), F("community_id"))
