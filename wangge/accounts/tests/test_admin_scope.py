"""Who administers whom (`admin_scope`) and the user actions that enforce it: a district
administrator grants any role anywhere in their district and nothing in another; a community's
staff grant only the grid roles inside their community, nothing at its level or above; every
change leaves an audit row, and nothing is half-written when one is refused."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from wangge.accounts import actions, admin_scope
from wangge.accounts.models import ApiToken, AuditAction, AuditEvent, Role, RoleAssignment, User
from wangge.accounts.tests.factories import second_district
from wangge.conftest import PASSWORD, make_persona
from wangge.lib.errors import DomainError


@pytest.fixture
def other(small):
    """District U, with its administrator `admin_u` and a grid worker `worker_u`."""
    return second_district()


def refused(call, code: str, status: int) -> None:
    with pytest.raises(DomainError) as error:
        call()
    assert (error.value.code, error.value.status) == (code, status)


def logs_in(username: str, password: str) -> bool:
    response = Client().post(reverse("login"), {"username": username, "password": password})
    return response.status_code == 302


# --- the policy -----------------------------------------------------------------------------


def test_a_district_admin_may_grant_any_role_over_any_area_of_their_district(small, district_admin):
    for role in Role.values:
        for area in [small.district, small.communities[1], small.grids[3], small.buildings[0], small.households[0]]:
            assert admin_scope.may_grant(district_admin, role, area)
    assert admin_scope.grantable_roles(district_admin) == list(Role.values)


def test_a_district_admin_may_grant_nothing_in_another_district(small, district_admin, other):
    for area in [other.district, other.communities[0], other.grids[0]]:
        assert not admin_scope.may_grant(district_admin, Role.GRID_WORKER, area)
    assert not admin_scope.may_see(district_admin, other.worker)
    assert not admin_scope.may_see(district_admin, other.admin)


def test_community_staff_grant_only_grid_roles_over_their_communitys_grids(small, community_staff):
    own_grid, other_grid = small.grids[0], small.grids[2]  # community 1, community 2
    for role in admin_scope.GRID_ROLES:
        assert admin_scope.may_grant(community_staff, role, own_grid)
        assert admin_scope.may_grant(community_staff, role, small.buildings[0])
        assert not admin_scope.may_grant(community_staff, role, other_grid)
        assert not admin_scope.may_grant(community_staff, role, small.communities[0])
        assert not admin_scope.may_grant(community_staff, role, small.district)
    for role in [Role.DISTRICT_ADMIN, Role.COMMUNITY_STAFF, Role.DEPARTMENT, Role.SUPERVISOR, Role.RESIDENT]:
        assert not admin_scope.may_grant(community_staff, role, own_grid)
    assert admin_scope.grantable_roles(community_staff) == [
        Role.GRID_SECRETARY,
        Role.GRID_LEADER,
        Role.GRID_WORKER,
        Role.MEMBER,
        Role.VOLUNTEER,
    ]


def test_community_staff_see_only_the_grid_roles_inside_their_community(
    small, community_staff, worker_a, worker_b, district_admin
):
    assert set(admin_scope.visible_users(community_staff)) == {worker_a}
    assert set(admin_scope.visible_users(district_admin)) == {district_admin, community_staff, worker_a, worker_b}


def test_a_grid_worker_administers_nobody(small, worker_a, worker_b):
    assert not admin_scope.visible_users(worker_a).exists()
    assert admin_scope.grantable_roles(worker_a) == []
    assert not admin_scope.may_grant(worker_a, Role.VOLUNTEER, small.grids[0])


def test_the_account_of_a_user_with_a_role_out_of_reach_is_not_changed(small, community_staff, district_admin, other):
    """Community staff see a district admin who also holds a grid role in their community, but
    cannot touch the account; district A's admin cannot lock out a user who also works in B."""
    actions.assign_role(None, user=district_admin, role=Role.VOLUNTEER, area=small.grids[0])
    assert admin_scope.may_see(community_staff, district_admin)
    assert not admin_scope.may_change_account(community_staff, district_admin)
    both = make_persona("both", Role.GRID_WORKER, small.grids[1])
    actions.assign_role(None, user=both, role=Role.GRID_WORKER, area=other.grids[0])
    assert admin_scope.may_see(district_admin, both) and not admin_scope.may_change_account(district_admin, both)


def test_superusers_are_administered_only_by_superusers(small, district_admin):
    root = User.objects.create_superuser("root", password=PASSWORD)
    actions.assign_role(None, user=root, role=Role.GRID_WORKER, area=small.grids[0])
    assert not admin_scope.may_see(district_admin, root)
    assert admin_scope.may_see(root, district_admin) and admin_scope.may_change_account(root, district_admin)


# --- granting and removing roles ------------------------------------------------------------


def test_community_staff_cannot_assign_a_district_role(small, community_staff, worker_a):
    refused(
        lambda: actions.assign_role(community_staff, user=worker_a, role=Role.DISTRICT_ADMIN, area=small.grids[0]),
        "role_not_grantable",
        403,
    )
    refused(
        lambda: actions.assign_role(
            community_staff, user=worker_a, role=Role.COMMUNITY_STAFF, area=small.communities[0]
        ),
        "role_not_grantable",
        403,
    )
    refused(
        lambda: actions.assign_role(community_staff, user=worker_a, role=Role.GRID_WORKER, area=small.district),
        "area_not_found",
        404,
    )
    # Another community: out of their reach altogether.
    refused(
        lambda: actions.assign_role(community_staff, user=worker_a, role=Role.GRID_WORKER, area=small.grids[2]),
        "area_not_found",
        404,
    )
    assert list(RoleAssignment.objects.filter(user=worker_a).values_list("role", flat=True)) == [Role.GRID_WORKER]
    assert not AuditEvent.objects.filter(action=AuditAction.ROLE_GRANTED, actor=community_staff).exists()


def test_community_staff_grant_and_remove_a_grid_role_with_audit_rows(small, community_staff, worker_a):
    assignment = actions.assign_role(
        community_staff, user=worker_a, role=Role.VOLUNTEER, area=small.grids[1], ip_address="10.1.1.1"
    )
    granted = AuditEvent.objects.get(action=AuditAction.ROLE_GRANTED, actor=community_staff)
    assert granted.detail == {"role": Role.VOLUNTEER, "area": small.grids[1].pk} and granted.ip_address == "10.1.1.1"
    assert granted.district_id == small.district.pk and granted.object_id == str(worker_a.pk)
    actions.revoke_role(community_staff, assignment=assignment)
    revoked = AuditEvent.objects.get(action=AuditAction.ROLE_REVOKED, actor=community_staff)
    assert revoked.detail == {"role": Role.VOLUNTEER, "area": small.grids[1].pk}
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_community_staff_cannot_remove_a_role_they_could_not_grant(small, community_staff):
    colleague = make_persona("staff_2", Role.COMMUNITY_STAFF, small.communities[0])
    assignment = RoleAssignment.objects.get(user=colleague)
    refused(lambda: actions.revoke_role(community_staff, assignment=assignment), "role_not_found", 404)
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_a_district_admin_of_a_cannot_change_anything_of_district_b(small, district_admin, other):
    worker_u = other.worker
    refused(
        lambda: actions.assign_role(district_admin, user=worker_u, role=Role.VOLUNTEER, area=other.grids[0]),
        "area_not_found",
        404,
    )
    refused(
        lambda: actions.assign_role(district_admin, user=worker_u, role=Role.VOLUNTEER, area=small.grids[0]),
        "user_not_found",
        404,
    )
    refused(
        lambda: actions.revoke_role(district_admin, assignment=RoleAssignment.objects.get(user=worker_u)),
        "role_not_found",
        404,
    )
    refused(lambda: actions.deactivate_user(district_admin, user=worker_u), "user_not_found", 404)
    refused(lambda: actions.reset_password(district_admin, user=worker_u), "user_not_found", 404)
    token = actions.issue_api_token(None, user=worker_u).token
    refused(lambda: actions.revoke_api_token(district_admin, token=token), "token_not_found", 404)
    refused(
        lambda: actions.create_account(
            district_admin, username="spy", display_name="", role=Role.GRID_WORKER, area=other.grids[0]
        ),
        "area_not_found",
        404,
    )
    worker_u.refresh_from_db()
    assert worker_u.is_active and worker_u.check_password(PASSWORD)
    assert not User.objects.filter(username="spy").exists()
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    assert not AuditEvent.objects.filter(actor=district_admin).exists()


# --- creating users -------------------------------------------------------------------------


def test_a_user_created_from_the_web_gets_a_first_role_and_a_one_time_password(small, district_admin):
    created = actions.create_account(
        district_admin,
        username=" wang_wu ",
        display_name="王五",
        role=Role.GRID_WORKER,
        area=small.grids[0],
        ip_address="10.0.0.2",
    )
    user = User.objects.get(username="wang_wu")
    assert created.user == user and user.display_name == "王五" and user.must_change_password
    assert len(created.password) == 14 and user.check_password(created.password)
    assert list(RoleAssignment.objects.filter(user=user).values_list("role", "area")) == [
        (Role.GRID_WORKER, small.grids[0].pk)
    ]
    made = AuditEvent.objects.get(action=AuditAction.USER_CREATED, actor=district_admin)
    assert (made.actor, made.object_id, made.district_id) == (district_admin, str(user.pk), small.district.pk)
    assert made.detail == {"username": "wang_wu"} and created.password not in repr(made.detail)
    assert AuditEvent.objects.filter(action=AuditAction.ROLE_GRANTED, actor=district_admin).count() == 1
    assert admin_scope.may_see(district_admin, user)


def test_a_typed_password_is_kept_but_must_still_be_changed(small, district_admin):
    created = actions.create_account(
        district_admin, username="li", display_name="", role=Role.MEMBER, area=small.grids[1], password="harbour-lamp-7"
    )
    assert created.password == "harbour-lamp-7" and created.user.must_change_password
    refused(
        lambda: actions.create_account(
            district_admin, username="zhao", display_name="", role=Role.MEMBER, area=small.grids[1], password="1234"
        ),
        "password_invalid",
        400,
    )


def test_a_person_must_give_a_first_role(small, district_admin):
    refused(
        lambda: actions.create_user(district_admin, username="loose", password="harbour-lamp-7"),
        "first_role_required",
        400,
    )
    assert not User.objects.filter(username="loose").exists()


def test_community_staff_cannot_create_a_district_admin(small, community_staff):
    refused(
        lambda: actions.create_account(
            community_staff, username="boss", display_name="", role=Role.DISTRICT_ADMIN, area=small.grids[0]
        ),
        "role_not_grantable",
        403,
    )
    assert not User.objects.filter(username="boss").exists()
    assert not AuditEvent.objects.filter(action=AuditAction.USER_CREATED, actor=community_staff).exists()


@pytest.mark.parametrize(
    ("username", "code"),
    [
        ("admin_d", "username_taken"),
        ("ADMIN_D", "username_taken"),
        ("has space", "username_invalid"),
        ("", "username_invalid"),
    ],
)
def test_a_user_name_must_be_free_and_well_formed(small, district_admin, username, code):
    refused(
        lambda: actions.create_account(
            district_admin, username=username, display_name="", role=Role.MEMBER, area=small.grids[0]
        ),
        code,
        400,
    )


# --- deactivation, reactivation, password reset ---------------------------------------------


def test_deactivation_stops_login_and_tokens_and_reactivation_restores_them(small, district_admin, worker_a):
    secret = actions.issue_api_token(None, user=worker_a).secret
    api = Client(headers={"Authorization": f"Bearer {secret}"})
    session = Client()
    session.force_login(worker_a)
    assert session.get("/").status_code == 200
    actions.deactivate_user(district_admin, user=worker_a, ip_address="10.0.0.3")
    assert session.get("/").status_code == 302  # the open session no longer counts
    worker_a.refresh_from_db()
    assert not worker_a.is_active
    assert not logs_in("worker_a", PASSWORD)
    assert api.get("/api/v1/areas").status_code == 401
    assert RoleAssignment.objects.filter(user=worker_a).exists()  # roles kept
    actions.deactivate_user(district_admin, user=worker_a)  # again: nothing more recorded
    actions.reactivate_user(district_admin, user=worker_a)
    assert logs_in("worker_a", PASSWORD)
    assert [e.action for e in AuditEvent.objects.filter(object_id=str(worker_a.pk)).order_by("id")][-2:] == [
        AuditAction.USER_DEACTIVATED,
        AuditAction.USER_REACTIVATED,
    ]
    assert AuditEvent.objects.filter(action=AuditAction.USER_DEACTIVATED).count() == 1


def test_nobody_deactivates_themself(small, district_admin):
    refused(lambda: actions.deactivate_user(district_admin, user=district_admin), "cannot_deactivate_self", 409)
    district_admin.refresh_from_db()
    assert district_admin.is_active


def test_community_staff_cannot_touch_the_account_of_a_district_admin_with_a_grid_role(
    small, community_staff, district_admin
):
    actions.assign_role(None, user=district_admin, role=Role.VOLUNTEER, area=small.grids[0])
    refused(lambda: actions.reset_password(community_staff, user=district_admin), "account_out_of_reach", 403)
    refused(lambda: actions.deactivate_user(community_staff, user=district_admin), "account_out_of_reach", 403)
    district_admin.refresh_from_db()
    assert district_admin.is_active and district_admin.check_password(PASSWORD)


def test_a_reset_password_ends_the_users_sessions_and_must_be_changed(small, community_staff, worker_a):
    session = Client()
    session.force_login(worker_a)
    assert session.get("/").status_code == 200
    reset = actions.reset_password(community_staff, user=worker_a, ip_address="10.0.0.4")
    worker_a.refresh_from_db()
    assert worker_a.must_change_password and worker_a.check_password(reset.password)
    assert not worker_a.check_password(PASSWORD)
    ended = session.get("/")
    assert ended.status_code == 302 and ended["Location"].startswith(reverse("login"))
    assert SESSION_KEY not in session.session
    event = AuditEvent.objects.get(action=AuditAction.PASSWORD_RESET)
    assert (event.actor, event.object_id, event.ip_address) == (community_staff, str(worker_a.pk), "10.0.0.4")
    assert reset.password not in repr(event.detail)


def test_a_changed_password_clears_the_flag_and_every_change_is_recorded(small, worker_a):
    worker_a.must_change_password = True
    worker_a.save(update_fields=["must_change_password"])
    actions.password_changed(worker_a)
    actions.password_changed(worker_a)
    worker_a.refresh_from_db()
    assert not worker_a.must_change_password
    assert AuditEvent.objects.filter(action=AuditAction.PASSWORD_CHANGED, actor=worker_a).count() == 2
    assert not AuditEvent.objects.filter(action=AuditAction.PASSWORD_RESET, actor=worker_a).exists()


def test_community_staff_revoke_a_grid_workers_token_but_not_another_communitys(
    small, community_staff, worker_a, worker_b
):
    own = actions.issue_api_token(None, user=worker_a).token
    theirs = actions.issue_api_token(None, user=worker_b).token
    actions.revoke_api_token(community_staff, token=own)
    assert ApiToken.objects.get(pk=own.pk).revoked_at is not None
    refused(lambda: actions.revoke_api_token(community_staff, token=theirs), "token_not_found", 404)
    assert ApiToken.objects.get(pk=theirs.pk).revoked_at is None
