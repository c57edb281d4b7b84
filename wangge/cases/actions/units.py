"""The handling units and their staff: who may act for a department, a street, a community or
district dispatch (`HandlingUnit.users`). A district administrator of the unit's district (or a
superuser) creates a unit, renames it or changes its area (`unit_changed`), adds a user holding
a role in that district to its staff or removes one (the operator at the command line,
`acting_user=None`, as the staff roster's import runs there, may too) (`unit_staff_added` / `unit_staff_removed`);
each change is one transaction with its audit row. For anyone else the unit does not exist
(`unknown_unit`, 404).
"""

from django.db import transaction
from django.utils.translation import gettext as _

from wangge.accounts.audit import record
from wangge.accounts.districts import administered_district_ids, administers
from wangge.accounts.models import AuditAction, RoleAssignment, User
from wangge.areas.models import AreaNode, Level
from wangge.cases.errors import CaseError
from wangge.cases.models import HandlingUnit, UnitKind
from wangge.lib.errors import DomainError
from wangge.lib.text import clean_text

UNIT_NAME_MAX = 100


def managed_district_ids(user: User | None) -> set[int] | None:
    """The districts whose units the user manages (district administrator there); None for a
    superuser and for the operator at the command line (`None`): every district."""
    return None if user is None else administered_district_ids(user)


def may_manage_staff(user: User | None, unit: HandlingUnit) -> bool:
    managed = managed_district_ids(user)
    return managed is None or unit.district_id in managed


def _check(acting_user: User | None, unit: HandlingUnit) -> None:
    if not may_manage_staff(acting_user, unit):
        raise DomainError(CaseError.UNKNOWN_UNIT, _("No such handling unit."), status=CaseError.UNKNOWN_UNIT.status)


def _audit(acting_user: User | None, action: str, unit: HandlingUnit, user: User) -> None:
    record(
        acting_user,
        action,
        obj=unit,
        district_id=unit.district_id,
        detail={"unit": unit.name, "user": user.get_username(), "user_id": user.pk},
    )


def add_unit_staff(acting_user: User | None, unit: HandlingUnit, *, username: str) -> User:
    """Put the user named `username` (who holds a role in the unit's district) on its staff."""
    _check(acting_user, unit)
    name = (username or "").strip()
    user = User.objects.filter(username=name, is_active=True).first() if name else None
    if user is None or not RoleAssignment.objects.filter(user=user, district_id=unit.district_id).exists():
        raise DomainError(
            CaseError.STAFF_USER_UNKNOWN,
            _("No user named “%(name)s” holds a role in this district.") % {"name": name},
            status=CaseError.STAFF_USER_UNKNOWN.status,
        )
    with transaction.atomic():
        HandlingUnit.objects.select_for_update().filter(pk=unit.pk).first()
        if unit.users.filter(pk=user.pk).exists():
            raise DomainError(
                CaseError.STAFF_EXISTS,
                _("%(name)s is already on the staff of %(unit)s.") % {"name": name, "unit": unit.name},
                status=CaseError.STAFF_EXISTS.status,
            )
        unit.users.add(user)
        _audit(acting_user, AuditAction.UNIT_STAFF_ADDED, unit, user)
    return user


def remove_unit_staff(acting_user: User, unit: HandlingUnit, *, user: User) -> None:
    """Take `user` off the unit's staff (the cases stay with the unit)."""
    _check(acting_user, unit)
    with transaction.atomic():
        HandlingUnit.objects.select_for_update().filter(pk=unit.pk).first()
        if not unit.users.filter(pk=user.pk).exists():
            raise DomainError(
                CaseError.STAFF_MISSING,
                _("%(name)s is not on the staff of %(unit)s.") % {"name": user.get_username(), "unit": unit.name},
                status=CaseError.STAFF_MISSING.status,
            )
        unit.users.remove(user)
        _audit(acting_user, AuditAction.UNIT_STAFF_REMOVED, unit, user)


# --- the units themselves ----------------------------------------------------------------


def _clean_name(name: str) -> str:
    cleaned = clean_text(name or "")
    if not cleaned or len(cleaned) > UNIT_NAME_MAX:
        raise DomainError(
            CaseError.UNIT_NAME_INVALID,
            _("A unit's name must be 1 to 100 characters long."),
            status=CaseError.UNIT_NAME_INVALID.status,
        )
    return cleaned


def _check_area(district_id: int, area: AreaNode | None) -> None:
    if area is not None and (area.district_id != district_id or area.level != Level.COMMUNITY):
        raise DomainError(
            CaseError.UNIT_AREA_INVALID,
            _("A unit's area must be a community of its district."),
            status=CaseError.UNIT_AREA_INVALID.status,
        )


def _check_name_free(district_id: int, name: str, *, unit_id: int | None = None) -> None:
    """Inside the transaction, after the district's row is locked: two units of one district
    never share a name (the routing page and the inbox tell them apart by it)."""
    if HandlingUnit.objects.filter(district_id=district_id, name=name).exclude(pk=unit_id or 0).exists():
        raise DomainError(
            CaseError.UNIT_NAME_TAKEN,
            _("The district already has a unit named “%(name)s”.") % {"name": name},
            status=CaseError.UNIT_NAME_TAKEN.status,
        )


def create_unit(
    acting_user: User | None, district: AreaNode, kind: str, name: str, area: AreaNode | None = None
) -> HandlingUnit:
    """A new handling unit of `district` (a department, a street, a community or — when the
    district has none — dispatch), with no staff yet."""
    if district.level != Level.DISTRICT or not administers(acting_user, district.pk):
        raise DomainError(CaseError.UNKNOWN_UNIT, _("No such handling unit."), status=CaseError.UNKNOWN_UNIT.status)
    if kind not in UnitKind.values:
        raise DomainError(
            CaseError.UNIT_KIND_INVALID, _("Unknown kind of handling unit."), status=CaseError.UNIT_KIND_INVALID.status
        )
    cleaned = _clean_name(name)
    _check_area(district.pk, area)
    with transaction.atomic():
        AreaNode.objects.select_for_update().filter(pk=district.pk).first()  # one writer per district
        _check_name_free(district.pk, cleaned)
        if kind == UnitKind.DISPATCH and HandlingUnit.objects.filter(district=district, kind=kind).exists():
            raise DomainError(
                CaseError.UNIT_DISPATCH_EXISTS,
                _("The district already has its dispatch unit."),
                status=CaseError.UNIT_DISPATCH_EXISTS.status,
            )
        unit = HandlingUnit.objects.create(district=district, kind=kind, name=cleaned, area=area)
        record(
            acting_user,
            AuditAction.UNIT_CHANGED,
            obj=unit,
            district_id=district.pk,
            detail={"change": "created", "unit": cleaned, "kind": kind, "area": area.pk if area else None},
        )
    return unit


def update_unit(acting_user: User | None, unit: HandlingUnit, *, name: str, area: AreaNode | None) -> HandlingUnit:
    """Rename the unit and/or change its area; its cases, routing rules and staff stay with it.
    Changing nothing records nothing."""
    if acting_user is not None:
        _check(acting_user, unit)
    cleaned = _clean_name(name)
    _check_area(unit.district_id, area)
    with transaction.atomic():
        AreaNode.objects.select_for_update().filter(pk=unit.district_id).first()
        locked = HandlingUnit.objects.select_for_update().get(pk=unit.pk)
        area_id = area.pk if area else None
        if locked.name == cleaned and locked.area_id == area_id:
            return locked
        _check_name_free(unit.district_id, cleaned, unit_id=unit.pk)
        detail: dict[str, object] = {"change": "updated", "unit": cleaned}
        if locked.name != cleaned:
            detail |= {"old_name": locked.name}
        if locked.area_id != area_id:
            detail |= {"old_area": locked.area_id, "area": area_id}
        locked.name, locked.area = cleaned, area
        locked.save(update_fields=["name", "area", "updated_at"])
        record(acting_user, AuditAction.UNIT_CHANGED, obj=locked, district_id=unit.district_id, detail=detail)
    return locked
