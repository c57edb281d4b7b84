"""The audit log: logins, failed logins, role changes; append-only."""

import pytest

from wangge.accounts import actions
from wangge.accounts.models import AppendOnlyError, AuditAction, AuditEvent, Role
from wangge.accounts.scope import has_role
from wangge.conftest import PASSWORD


def test_login_and_failed_login_are_recorded_with_address(client, worker_a):
    client.post("/login/", {"username": "worker_a", "password": "wrong"}, REMOTE_ADDR="10.1.2.3")
    client.post("/login/", {"username": "worker_a", "password": PASSWORD}, REMOTE_ADDR="10.1.2.3")
    failed = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert (failed.actor_name, failed.ip_address, failed.actor) == ("worker_a", "10.1.2.3", None)
    assert "wrong" not in repr(failed.detail)
    login = AuditEvent.objects.get(action=AuditAction.LOGIN)
    assert (login.actor, login.ip_address) == (worker_a, "10.1.2.3")


def test_role_changes_are_recorded(small, district_admin, no_role_user):
    assignment = actions.assign_role(district_admin, user=no_role_user, role=Role.GRID_LEADER, area=small.grids[1])
    assert has_role(no_role_user, Role.GRID_LEADER)
    actions.revoke_role(district_admin, assignment=assignment)
    assert not has_role(no_role_user, Role.GRID_LEADER)
    events = list(
        AuditEvent.objects.filter(object_id=str(no_role_user.pk), actor=district_admin)
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert events == [AuditAction.ROLE_GRANTED, AuditAction.ROLE_REVOKED]


def test_unknown_role_is_refused(small, no_role_user):
    from wangge.lib.errors import DomainError

    with pytest.raises(DomainError) as error:
        actions.assign_role(None, user=no_role_user, role="emperor", area=small.district)
    assert error.value.code == "unknown_role"


def test_audit_rows_cannot_be_changed_or_deleted(worker_a):
    event = AuditEvent.objects.filter(actor=worker_a).first() or AuditEvent.objects.create(action=AuditAction.LOGIN)
    event.detail = {"tampered": True}
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


def test_admin_speaks_chinese(client, db):
    from wangge.accounts.models import User

    User.objects.create_superuser("root", password=PASSWORD)
    client.force_login(User.objects.get(username="root"))
    page = client.get("/admin/").content.decode()
    assert "站点管理" in page
    assert "角色分配" in page or "用户" in page
