"""The staff of a handling unit: who may act for a department, a street, a community or district
dispatch (`HandlingUnit.users`). A district administrator of the unit's district (or a
superuser, or the operator at the command line: `acting_user=None`, as the staff roster's
import runs there) adds a user holding a role in that district, or removes one; each change is one
transaction with its audit row (`role_granted` / `role_revoked` on the unit, naming the user).
For anyone else the unit does not exist (`unknown_unit`, 404).
"""

from django.db import transaction
from django.utils.translation import gettext as _

from wangge.accounts.audit import record
from wangge.accounts.models import AuditAction, Role, RoleAssignment, User
from wangge.accounts.scope import assignments_of
from wangge.areas.models import Level
from wangge.cases.errors import CaseError
from wangge.cases.models import HandlingUnit
from wangge.lib.errors import DomainError


def managed_district_ids(user: User | None) -> set[int] | None:
    """The districts whose units' staff the user manages (district administrator there); None
    for a superuser and for the operator at the command line (`None`: every district)."""
    if user is None or (user.is_authenticated and user.is_superuser):
        return None
    return {a.area_id for a in assignments_of(user) if a.role == Role.DISTRICT_ADMIN and a.area.level == Level.DISTRICT}


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
