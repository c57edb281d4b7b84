"""The district's routing rules: area + category (or group, or every category) → the
responsible unit, tried by priority (lowest number first; `queries.explain_route`).

A district administrator (or a superuser) adds, changes, deletes and moves the rules of their
district(s); for anyone else a rule does not exist (`rule_not_found`, 404). Every change is one
transaction with an audit row `routing_changed`. Cases already routed keep their unit: the rules
apply at the next acceptance or change of category.
"""

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from wangge.accounts.audit import record
from wangge.accounts.districts import administers
from wangge.accounts.models import AuditAction, User
from wangge.areas.models import AreaNode, Level
from wangge.cases.errors import CaseError
from wangge.cases.models import Category, HandlingUnit, RoutingRule
from wangge.lib.errors import DomainError

PRIORITY_MAX = 1_000_000
PRIORITY_STEP = 10
# A rule's area: any node of the tree above the households.
RULE_AREA_LEVELS = frozenset({Level.DISTRICT, Level.COMMUNITY, Level.GRID, Level.BUILDING_GROUP, Level.BUILDING})


def _check_district(acting_user: User, district_id: int) -> None:
    if not administers(acting_user, district_id):
        raise DomainError(CaseError.RULE_NOT_FOUND, _("No such routing rule."))


def _describe(rule: RoutingRule) -> dict[str, Any]:
    return {
        "priority": rule.priority,
        "category": rule.category.code if rule.category is not None else None,
        "area": rule.area.code if rule.area is not None else None,
        "unit": rule.unit.name,
    }


def _audit(acting_user: User, change: str, rule: RoutingRule, **detail: Any) -> None:
    record(
        acting_user,
        AuditAction.ROUTING_CHANGED,
        obj=rule,
        district_id=rule.district_id,
        detail={"change": change, **_describe(rule), **detail},
    )


def _parts(
    district_id: int, *, priority: Any, category: Category | None, area: AreaNode | None, unit: HandlingUnit | None
) -> dict[str, Any]:
    try:
        number = int(priority)
    except (TypeError, ValueError):
        number = 0
    if not 1 <= number <= PRIORITY_MAX:
        raise DomainError(CaseError.RULE_PRIORITY_INVALID, _("The priority is a whole number from 1 to 1,000,000."))
    if category is not None and category.district_id != district_id:
        raise DomainError(CaseError.RULE_CATEGORY_INVALID, _("Choose a group or category of this district."))
    if area is not None and (area.district_id != district_id or area.level not in RULE_AREA_LEVELS):
        raise DomainError(
            CaseError.RULE_AREA_INVALID,
            _("Choose the district, or a community, grid, building group or building of it."),
        )
    if unit is None or unit.district_id != district_id:
        raise DomainError(CaseError.RULE_UNIT_INVALID, _("Choose a handling unit of this district."))
    # The whole district as area is the same as no area: stored as none.
    return {
        "priority": number,
        "category": category,
        "area": None if area is None or area.pk == district_id else area,
        "unit": unit,
    }


def next_priority(district_id: int) -> int:
    """The number after the district's last rule: a new rule is tried last unless told otherwise."""
    top = RoutingRule.objects.filter(district_id=district_id).aggregate(top=Max("priority"))["top"]
    return PRIORITY_STEP if top is None else min(top + PRIORITY_STEP, PRIORITY_MAX)


def add_rule(
    acting_user: User,
    *,
    district: AreaNode,
    unit: HandlingUnit | None,
    category: Category | None = None,
    area: AreaNode | None = None,
    priority: int | None = None,
) -> RoutingRule:
    """A new rule: cases of `category` (a category, a group, or None: every category) at a place
    inside `area` (None: the whole district) go to `unit`. Without a priority it is tried last."""
    _check_district(acting_user, district.pk)
    with transaction.atomic():
        parts = _parts(
            district.pk,
            priority=next_priority(district.pk) if priority is None else priority,
            category=category,
            area=area,
            unit=unit,
        )
        rule = RoutingRule.objects.create(district=district, **parts)
        _audit(acting_user, "rule_added", rule)
    return rule


def update_rule(
    acting_user: User,
    rule: RoutingRule,
    *,
    unit: HandlingUnit | None,
    category: Category | None,
    area: AreaNode | None,
    priority: int,
) -> RoutingRule:
    _check_district(acting_user, rule.district_id)
    with transaction.atomic():
        rule = (
            RoutingRule.objects.select_for_update(of=("self",))
            .select_related("category", "area", "unit")
            .get(pk=rule.pk)
        )
        before = _describe(rule)
        for field, value in _parts(
            rule.district_id, priority=priority, category=category, area=area, unit=unit
        ).items():
            setattr(rule, field, value)
        if _describe(rule) != before:
            rule.save()
            _audit(acting_user, "rule_updated", rule, before=before)
    return rule


def delete_rule(acting_user: User, rule: RoutingRule) -> None:
    """Delete a rule; cases it routed keep their unit."""
    _check_district(acting_user, rule.district_id)
    with transaction.atomic():
        rule = (
            RoutingRule.objects.select_for_update(of=("self",))
            .select_related("category", "area", "unit")
            .get(pk=rule.pk)
        )
        _audit(acting_user, "rule_deleted", rule)
        rule.delete()


def move_rule(acting_user: User, rule: RoutingRule, *, up: bool) -> RoutingRule:
    """Try the rule one place earlier (`up`) or later: it trades places with its neighbour in
    the order rules are tried. Rules sharing a priority number are first numbered apart (10, 20,
    … in their present order), so the move means what it shows."""
    _check_district(acting_user, rule.district_id)
    with transaction.atomic():
        rules = list(
            RoutingRule.objects.select_for_update(of=("self",))
            .filter(district_id=rule.district_id)
            .select_related("category", "area", "unit")
            .order_by("priority", "id")
        )
        position = next(i for i, r in enumerate(rules) if r.pk == rule.pk)
        other = position - 1 if up else position + 1
        if not 0 <= other < len(rules):
            return rules[position]
        if rules[position].priority == rules[other].priority:
            for number, each in enumerate(rules, start=1):
                each.priority = number * PRIORITY_STEP
            RoutingRule.objects.bulk_update(rules, ["priority"])
        moved, neighbour = rules[position], rules[other]
        moved.priority, neighbour.priority = neighbour.priority, moved.priority
        RoutingRule.objects.bulk_update([moved, neighbour], ["priority"])
        _audit(acting_user, "rule_moved_up" if up else "rule_moved_down", moved, swapped_with=neighbour.pk)
    return moved
