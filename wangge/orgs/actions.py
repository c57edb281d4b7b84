"""Every change to organisation units, resident units, responsibility zones and
demonstration households goes through these functions."""

import datetime as dt
from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from wangge.accounts.models import User
from wangge.areas.models import LEVELS, AreaNode, Level
from wangge.lib.errors import DomainError
from wangge.lib.text import clean_text
from wangge.orgs.models import (
    HORIZONTAL_KINDS,
    VERTICAL_KIND_FOR_LEVEL,
    DemonstrationHousehold,
    OrgLevelName,
    OrgUnit,
    ResidentUnit,
    ResponsibilityZone,
    UnitKind,
    ZoneArea,
)
from wangge.people.models import MemberProfile


def _unit(area: AreaNode, kind: str, name: str, **extra: object) -> OrgUnit:
    return OrgUnit(
        district_id=area.district_id,
        area=area,
        kind=kind,
        name=clean_text(name),
        community_id=area.community_id,
        grid_id=area.grid_id,
        **extra,
    )


def lay_vertical_units(acting_user: User | None, rows: Sequence[tuple[AreaNode, str]]) -> list[OrgUnit]:
    """Create the vertical unit of each (area, name); its parent is the unit of the area's parent.

    Rows may mix levels; they are created level by level, so a parent created in the same call
    is found.
    """
    for area, _name in rows:
        if area.level not in VERTICAL_KIND_FOR_LEVEL:
            raise DomainError(
                "no_vertical_unit_here",
                _("Organisation units are laid on communities, grids, building groups and buildings only."),
            )
    unit_of_area = dict(
        OrgUnit.objects.filter(
            area_id__in={a.parent_id for a, _n in rows}, kind__in=VERTICAL_KIND_FOR_LEVEL.values()
        ).values_list("area_id", "pk")
    )
    created: list[OrgUnit] = []
    try:
        with transaction.atomic():
            for level in LEVELS:
                units = [
                    _unit(area, VERTICAL_KIND_FOR_LEVEL[level], name, parent_id=unit_of_area.get(area.parent_id or 0))
                    for area, name in rows
                    if area.level == level
                ]
                OrgUnit.objects.bulk_create(units, batch_size=2000)
                unit_of_area.update((u.area_id, u.pk) for u in units)
                created.extend(units)
    except IntegrityError:
        raise DomainError("unit_exists", _("This area already has its organisation unit.")) from None
    return created


def create_horizontal_unit(
    acting_user: User | None,
    *,
    area: AreaNode,
    kind: str,
    name: str,
    sector: str = "",
    opens_on: dt.date | None = None,
    closes_on: dt.date | None = None,
) -> OrgUnit:
    if kind not in HORIZONTAL_KINDS:
        raise DomainError("not_horizontal", _("This kind of unit is laid on the area tree, not attached to it."))
    if area.level == Level.HOUSEHOLD:
        raise DomainError("unit_on_household", _("A unit cannot be attached to a household."))
    if kind == UnitKind.TEMPORARY_BRANCH and opens_on is None:
        raise DomainError("temporary_needs_dates", _("A temporary branch needs the date its project opens."))
    if opens_on and closes_on and closes_on < opens_on:
        raise DomainError("closes_before_opening", _("A unit cannot close before it opens."))
    unit = _unit(area, kind, name, sector=sector, opens_on=opens_on, closes_on=closes_on)
    unit.save()
    return unit


def close_unit(acting_user: User | None, *, unit: OrgUnit, closes_on: dt.date) -> OrgUnit:
    if unit.opens_on and closes_on < unit.opens_on:
        raise DomainError("closes_before_opening", _("A unit cannot close before it opens."))
    unit.closes_on = closes_on
    unit.save(update_fields=["closes_on", "updated_at"])
    return unit


def set_level_name(acting_user: User | None, *, district: AreaNode, kind: str, name: str) -> OrgLevelName:
    if kind not in UnitKind.values:
        raise DomainError("unknown_unit_kind", _("Unknown kind of unit."))
    row, _created = OrgLevelName.objects.update_or_create(
        district=district, kind=kind, defaults={"name": clean_text(name)}
    )
    return row


def create_resident_unit(
    acting_user: User | None, *, area: AreaNode, name: str, kind: str = "", address: str = ""
) -> ResidentUnit:
    return ResidentUnit.objects.create(
        district_id=area.district_id,
        area=area,
        community_id=area.community_id,
        grid_id=area.grid_id,
        name=clean_text(name),
        kind=kind,
        address=clean_text(address),
    )


def create_zone(
    acting_user: User | None, *, member: MemberProfile, name: str, areas: Sequence[AreaNode]
) -> ResponsibilityZone:
    """A member's responsibility zone over buildings and/or households."""
    if any(a.level not in (Level.BUILDING, Level.HOUSEHOLD) for a in areas):
        raise DomainError("zone_area_level", _("A responsibility zone is made of buildings and households."))
    with transaction.atomic():
        zone = ResponsibilityZone.objects.create(district_id=member.district_id, member=member, name=clean_text(name))
        ZoneArea.objects.bulk_create([ZoneArea(zone=zone, area=a, grid_id=a.grid_id) for a in areas])
    return zone


def mark_demonstration_household(
    acting_user: User | None, *, household: AreaNode, since: dt.date
) -> DemonstrationHousehold:
    if household.level != Level.HOUSEHOLD:
        raise DomainError("not_a_household", _("Only a household can be a demonstration household."))
    row, _created = DemonstrationHousehold.objects.get_or_create(
        household=household,
        defaults={"district_id": household.district_id, "grid_id": household.grid_id, "since": since},
    )
    return row
