"""Practical things done for residents (为民办实事), defined once here.

One practical thing is: a wish fulfilled (status fulfilled or confirmed; counted on the day it
was fulfilled) or a service task finished the same way. Help given to a paired household
(`assistance`) and cases a member handled are further kinds, absent until their module provides
them (`KINDS` gains an entry). Counts for a period [from, to] (local days) in an area, per
member (the claimant's account), per member's unit (`MemberProfile.org_unit`), per community
and for the district: one grouped query each, however many records.
"""

import datetime as dt

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from wangge.areas.models import AreaNode
from wangge.areas.queries import subtree_q
from wangge.team.models import Wish, WishKind, WishStatus

DONE = (WishStatus.FULFILLED, WishStatus.CONFIRMED)
KINDS: dict[str, str] = {WishKind.WISH: "wish", WishKind.TASK: "task"}


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def done(area: AreaNode, start: dt.date, end: dt.date) -> QuerySet[Wish]:
    """The wishes and tasks of `area` fulfilled from `start` to `end` (inclusive, local days)."""
    since, until = _midnight(start), _midnight(end + dt.timedelta(days=1))
    scope = subtree_q(area) if area.level != "household" else Q(household=area)
    return Wish.objects.filter(scope, status__in=DONE, fulfilled_at__gte=since, fulfilled_at__lt=until)


def count(area: AreaNode, start: dt.date, end: dt.date) -> dict[str, object]:
    """{count, by_kind: {wish, task}} of the area's period (one query)."""
    rows = done(area, start, end).order_by().values("kind").annotate(n=Count("pk"))
    by_kind = dict.fromkeys(KINDS.values(), 0)
    for row in rows:
        by_kind[KINDS[row["kind"]]] = row["n"]
    return {"count": sum(by_kind.values()), "by_kind": by_kind}


def by_member(area: AreaNode, start: dt.date, end: dt.date) -> dict[int, int]:
    """Claimant's user id → practical things done (one query)."""
    rows = done(area, start, end).order_by().values("claimant_id").annotate(n=Count("pk"))
    return {row["claimant_id"]: row["n"] for row in rows}


def by_unit(area: AreaNode, start: dt.date, end: dt.date) -> dict[int | None, int]:
    """The claimant's organisation unit (their member profile's) → practical things done (one query)."""
    rows = (
        done(area, start, end)
        .order_by()
        .values(unit=F("claimant__person__member__org_unit_id"))
        .annotate(n=Count("pk"))
    )
    return {row["unit"]: row["n"] for row in rows}


def by_community(area: AreaNode, start: dt.date, end: dt.date) -> dict[int, int]:
    """Community id → practical things done (one query)."""
    rows = done(area, start, end).order_by().values("community_id").annotate(n=Count("pk"))
    return {row["community_id"]: row["n"] for row in rows}
