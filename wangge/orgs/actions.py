"""Every change to organisation units, resident units, responsibility zones and
demonstration households goes through these functions.

The district's settings — its name for each kind of unit and its resident units — are changed
by a district administrator of that district (or a superuser, or the operator at the command
line: `acting_user=None`), each change with an `org_settings_changed` audit row; for anyone
else the district or the resident unit does not exist (404).
"""

import datetime as dt
from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.admin_scope import administers_area
from wangge.accounts.audit import record
from wangge.accounts.districts import administers
from wangge.accounts.models import AuditAction, User
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


LEVEL_NAME_MAX = 50
RESIDENT_UNIT_NAME_MAX = 200
RESIDENT_UNIT_KIND_MAX = 100
ADDRESS_MAX = 300
# The levels a resident unit may be placed on.
RESIDENT_UNIT_LEVELS = (Level.COMMUNITY, Level.GRID, Level.BUILDING_GROUP, Level.BUILDING)


def _check_district(acting_user: User | None, district_id: int) -> None:
    if not administers(acting_user, district_id):
        raise DomainError("unknown_district", _("No such district."), status=404)


def _audit(acting_user: User | None, district_id: int, obj: object, detail: dict[str, object]) -> None:
    record(acting_user, AuditAction.ORG_SETTINGS_CHANGED, obj=obj, district_id=district_id, detail=detail)  # type: ignore[arg-type]


def set_level_name(acting_user: User | None, *, district: AreaNode, kind: str, name: str) -> OrgLevelName | None:
    """The district's own name for a kind of unit; a blank name goes back to the default label
    (None). Setting the name it already has records nothing."""
    _check_district(acting_user, district.pk)
    if kind not in UnitKind.values:
        raise DomainError("unknown_unit_kind", _("Unknown kind of unit."))
    cleaned = clean_text(name or "")
    if len(cleaned) > LEVEL_NAME_MAX:
        raise DomainError("level_name_too_long", _("A level name has at most 50 characters."))
    with transaction.atomic():
        row = OrgLevelName.objects.select_for_update().filter(district=district, kind=kind).first()
        old = row.name if row else ""
        if old == cleaned:
            return row
        if not cleaned:
            assert row is not None
            row.delete()
            row = None
        elif row is None:
            row = OrgLevelName.objects.create(district=district, kind=kind, name=cleaned)
        else:
            row.name = cleaned
            row.save(update_fields=["name", "updated_at"])
        _audit(
            acting_user,
            district.pk,
            district,
            {"setting": "level_name", "kind": kind, "name": cleaned, "old_name": old},
        )
    return row


def _resident_fields(area: AreaNode, name: str, kind: str, address: str) -> dict[str, object]:
    cleaned = clean_text(name or "")
    if not cleaned or len(cleaned) > RESIDENT_UNIT_NAME_MAX:
        raise DomainError("resident_unit_name_invalid", _("A resident unit's name must be 1 to 200 characters long."))
    kind, address = clean_text(kind or ""), clean_text(address or "")
    if len(kind) > RESIDENT_UNIT_KIND_MAX:
        raise DomainError("resident_unit_kind_too_long", _("A resident unit's kind has at most 100 characters."))
    if len(address) > ADDRESS_MAX:
        raise DomainError("address_too_long", _("An address has at most 300 characters."))
    if area.level not in RESIDENT_UNIT_LEVELS:
        raise DomainError(
            "resident_unit_area_level", _("A resident unit is placed in a community, a grid or a building.")
        )
    return {
        "district_id": area.district_id,
        "area": area,
        "community_id": area.community_id,
        "grid_id": area.grid_id,
        "name": cleaned,
        "kind": kind,
        "address": address,
    }


def create_resident_unit(
    acting_user: User | None, *, area: AreaNode, name: str, kind: str = "", address: str = ""
) -> ResidentUnit:
    """A resident unit (驻区单位) placed in `area`: a community, a grid or a building of the district."""
    _check_district(acting_user, area.district_id)
    fields = _resident_fields(area, name, kind, address)
    with transaction.atomic():
        unit = ResidentUnit.objects.create(**fields)
        _audit(
            acting_user,
            area.district_id,
            unit,
            {"setting": "resident_unit", "change": "created", "name": unit.name, "area": area.pk},
        )
    return unit


def update_resident_unit(
    acting_user: User | None, unit: ResidentUnit, *, area: AreaNode, name: str, kind: str = "", address: str = ""
) -> ResidentUnit:
    """Correct a resident unit's name, kind, address or place (within its district)."""
    _check_district(acting_user, unit.district_id)
    if area.district_id != unit.district_id:
        raise DomainError(
            "resident_unit_area_level", _("A resident unit is placed in a community, a grid or a building.")
        )
    fields = _resident_fields(area, name, kind, address)
    with transaction.atomic():
        locked = ResidentUnit.objects.select_for_update().get(pk=unit.pk)
        changed = {
            key: value
            for key, value in fields.items()
            if key != "area" and getattr(locked, key) != value or key == "area" and locked.area_id != area.pk
        }
        if not changed:
            return locked
        old = {key: locked.area_id if key == "area" else getattr(locked, key) for key in changed}
        for key, value in changed.items():
            setattr(locked, key, value)
        locked.save(update_fields=[*changed, "updated_at"])
        _audit(
            acting_user,
            unit.district_id,
            locked,
            {
                "setting": "resident_unit",
                "change": "updated",
                "name": locked.name,
                "fields": sorted(changed),
                "old": {key: value for key, value in old.items() if key in ("name", "kind", "address", "area")},
            },
        )
    return locked


def close_resident_unit(
    acting_user: User | None, unit: ResidentUnit, *, closed_on: dt.date | None = None
) -> ResidentUnit:
    """Mark the unit as gone from the district (today unless `closed_on` says when); it stays
    listed as closed. A closed unit cannot be closed again."""
    _check_district(acting_user, unit.district_id)
    with transaction.atomic():
        locked = ResidentUnit.objects.select_for_update().get(pk=unit.pk)
        if locked.closed_on is not None:
            raise DomainError("resident_unit_closed", _("This resident unit is already closed."), status=409)
        locked.closed_on = closed_on or timezone.localdate()
        locked.save(update_fields=["closed_on", "updated_at"])
        _audit(
            acting_user,
            unit.district_id,
            locked,
            {"setting": "resident_unit", "change": "closed", "name": locked.name, "closed_on": str(locked.closed_on)},
        )
    return locked


# --- responsibility zones (党员责任区) --------------------------------------------------------
#
# Changed by the community's staff over their community's buildings and households, by the
# district's administrators over their district, or by the system (`acting_user=None`: the demo,
# imports). For anyone else the area does not exist (404). A person's change writes a
# `grid_team_changed` audit row naming the zone, the area and its grid (ids only: no personal data).


def _zone_areas(areas: Sequence[AreaNode]) -> None:
    if any(a.level not in (Level.BUILDING, Level.HOUSEHOLD) for a in areas):
        raise DomainError("zone_area_level", _("A responsibility zone is made of buildings and households."))


def _check_zone_scope(acting_user: User | None, areas: Sequence[AreaNode]) -> None:
    if acting_user is not None and not all(administers_area(acting_user, a) for a in areas):
        raise DomainError("area_not_found", _("No such building or household among those you administer."), status=404)


def _zone_changed(acting_user: User | None, zone: ResponsibilityZone, area: AreaNode, change: str) -> None:
    if acting_user is not None:
        record(
            acting_user,
            AuditAction.GRID_TEAM_CHANGED,
            obj=zone,
            district_id=zone.district_id,
            detail={"change": change, "zone": zone.pk, "area": area.pk, "grid": area.grid_id},
        )


def create_zone(
    acting_user: User | None, *, member: MemberProfile, name: str, areas: Sequence[AreaNode]
) -> ResponsibilityZone:
    """A member's responsibility zone over buildings and/or households."""
    _zone_areas(areas)
    _check_zone_scope(acting_user, areas)
    with transaction.atomic():
        zone = ResponsibilityZone.objects.create(district_id=member.district_id, member=member, name=clean_text(name))
        ZoneArea.objects.bulk_create([ZoneArea(zone=zone, area=a, grid_id=a.grid_id) for a in areas])
        for area in areas:
            _zone_changed(acting_user, zone, area, "zone_area_added")
    return zone


def add_zone_area(acting_user: User | None, *, member: MemberProfile, area: AreaNode) -> ZoneArea:
    """Make the member answer for a building or household of their home community: it joins their
    responsibility zone (their first; one named after them is created when they have none).
    Nothing changes when one of their zones holds it already. A member of another community is
    refused (400 `zone_member_elsewhere`)."""
    _zone_areas([area])
    _check_zone_scope(acting_user, [area])
    if member.home_community_id != area.community_id:
        raise DomainError(
            "zone_member_elsewhere", _("A member answers for buildings and households of their own community only.")
        )
    with transaction.atomic():
        existing = ZoneArea.objects.filter(zone__member=member, area=area).select_related("zone").first()
        if existing is not None:
            return existing
        zone = ResponsibilityZone.objects.filter(member=member).order_by("pk").first()
        if zone is None:
            name = _("Responsibility zone of %(name)s") % {"name": member.person.name}
            zone = ResponsibilityZone.objects.create(district_id=member.district_id, member=member, name=name)
        link = ZoneArea.objects.create(zone=zone, area=area, grid_id=area.grid_id)
        _zone_changed(acting_user, zone, area, "zone_area_added")
    return link


def remove_zone_area(acting_user: User | None, *, link: ZoneArea) -> None:
    """The member no longer answers for this building or household (their zone is kept)."""
    area = AreaNode.objects.get(pk=link.area_id)
    _check_zone_scope(acting_user, [area])
    with transaction.atomic():
        zone = ResponsibilityZone.objects.get(pk=link.zone_id)
        if ZoneArea.objects.filter(pk=link.pk).delete()[0]:
            _zone_changed(acting_user, zone, area, "zone_area_removed")


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
