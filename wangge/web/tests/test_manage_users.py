"""The users and roles pages (/manage/users/): the district administrator and a community's staff
each see the users in their reach, create one with a first role over an area picked by name, add
and remove roles, deactivate, reset a password (shown once) and revoke tokens; anything of another
district, or of a user out of reach, answers 404. The list's queries stay flat as users are added."""

import pytest
from django.urls import reverse

from wangge.accounts import actions
from wangge.accounts.models import ApiToken, AuditAction, AuditEvent, Role, RoleAssignment, User
from wangge.accounts.tests.factories import second_district
from wangge.conftest import PASSWORD, make_persona
from wangge.lib.testing import assert_flat, count_queries
from wangge.web.tests.conftest import zh

URL = "/manage/users/"


@pytest.fixture
def other(small):
    """District U, with its administrator `admin_u` and a grid worker `worker_u`."""
    return second_district()


def user_url(user: User, action: str = "") -> str:
    return f"{URL}{user.pk}/" + (f"{action}/" if action else "")


def message_tags(response) -> list[str]:
    return [m.tags for m in response.context["messages"]]


def test_url_names():
    assert reverse("manage_users") == URL
    assert reverse("manage_user_create") == "/manage/users/new/"
    assert reverse("manage_user", args=[3]) == "/manage/users/3/"
    assert reverse("manage_user_role_add", args=[3]) == "/manage/users/3/roles/"
    assert reverse("manage_user_role_remove", args=[3, 5]) == "/manage/users/3/roles/5/remove/"
    assert reverse("manage_user_deactivate", args=[3]) == "/manage/users/3/deactivate/"
    assert reverse("manage_user_reactivate", args=[3]) == "/manage/users/3/reactivate/"
    assert reverse("manage_user_password", args=[3]) == "/manage/users/3/password/"
    assert reverse("manage_user_token_revoke", args=[3, 9]) == "/manage/users/3/tokens/9/revoke/"


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["worker_a", "dept_a", "resident", "supervisor"])
def test_other_roles_find_no_such_page(client, request, persona, worker_b):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 404
    assert client.get(user_url(worker_b)).status_code == 404
    assert client.post(user_url(worker_b, "password")).status_code == 404
    worker_b.refresh_from_db()
    assert worker_b.check_password(PASSWORD)


def test_the_district_admin_sees_the_districts_users_with_their_roles(
    client, district_admin, community_staff, worker_a, worker_b, other
):
    client.force_login(district_admin)
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    for name in ["admin_d", "staff_1", "worker_a", "worker_b"]:
        assert f">{name}</a>" in html
    assert "admin_u" not in html and "worker_u" not in html
    assert zh("Grid worker") in html and "社区1第1网格" in html
    # The picker offers the district, its communities and grids by name; nothing of district U.
    assert '<option value="测试区T">' in html and '<option value="社区1第1网格">' in html
    assert "测试区U" not in html


def test_search_by_user_name_or_display_name_and_filter_by_role(client, district_admin, worker_a, worker_b, small):
    helper = make_persona("helper", Role.VOLUNTEER, small.grids[0])
    helper.display_name = "张志愿"
    helper.save(update_fields=["display_name"])
    client.force_login(district_admin)
    found = client.get(URL, {"q": "志愿"}).context["page"].object_list
    assert [u.username for u in found] == ["helper"]
    found = client.get(URL, {"q": "WORKER_"}).context["page"].object_list
    assert [u.username for u in found] == ["worker_a", "worker_b"]
    found = client.get(URL, {"role": Role.VOLUNTEER}).context["page"].object_list
    assert [u.username for u in found] == ["helper"]
    assert "helper" not in client.get(URL, {"role": Role.DISTRICT_ADMIN}).content.decode()


def test_community_staff_see_only_grid_users_of_their_community(
    client, community_staff, district_admin, worker_a, worker_b
):
    client.force_login(community_staff)
    html = client.get(URL).content.decode()
    assert ">worker_a</a>" in html and ">worker_b</a>" not in html and ">admin_d</a>" not in html
    # Only their community's grids in the picker, and only the grid roles.
    assert '<option value="社区1第1网格">' in html and '<option value="社区1第2网格">' in html
    assert "社区2第1网格" not in html and '<option value="社区1">' not in html
    assert f'value="{Role.DISTRICT_ADMIN}"' not in html and f'value="{Role.GRID_WORKER}"' in html
    assert client.get(user_url(worker_b)).status_code == 404
    assert client.get(user_url(district_admin)).status_code == 404


def test_the_district_admin_creates_a_user_and_sees_the_one_time_password_once(client, district_admin, small):
    client.force_login(district_admin)
    response = client.post(
        reverse("manage_user_create"),
        {"username": "zhang_san", "display_name": "张三", "role": Role.GRID_WORKER, "area": "社区2第1网格"},
    )
    assert response.status_code == 200 and response.get("Cache-Control", "").find("no-store") >= 0
    user = User.objects.get(username="zhang_san")
    password = response.context["password"]
    assert user.check_password(password) and user.must_change_password
    assert password in response.content.decode()
    assert list(RoleAssignment.objects.filter(user=user).values_list("role", "area")) == [
        (Role.GRID_WORKER, small.grids[2].pk)
    ]
    # The user's page does not show it again.
    assert password not in client.get(user_url(user)).content.decode()
    assert not any(password in repr(e.detail) for e in AuditEvent.objects.all())


def test_a_refused_creation_keeps_what_was_typed_and_says_why(client, community_staff, small):
    client.force_login(community_staff)
    response = client.post(
        reverse("manage_user_create"),
        {"username": "boss", "display_name": "", "role": Role.DISTRICT_ADMIN, "area": "社区1第1网格"},
    )
    assert response.status_code == 400 and message_tags(response) == ["role_not_grantable error"]
    assert 'value="boss"' in response.content.decode()
    response = client.post(
        reverse("manage_user_create"),
        {"username": "spy", "display_name": "", "role": Role.GRID_WORKER, "area": "社区2第1网格"},
    )
    assert response.status_code == 400 and message_tags(response) == ["area_not_found error"]
    assert not User.objects.filter(username__in=["boss", "spy"]).exists()


def test_roles_are_added_by_area_name_and_removed(client, district_admin, worker_a, small):
    client.force_login(district_admin)
    response = client.post(user_url(worker_a, "roles"), {"role": Role.COMMUNITY_STAFF, "area": "社区2"}, follow=True)
    assert response.redirect_chain[-1][0] == user_url(worker_a) + "#roles"
    added = RoleAssignment.objects.get(user=worker_a, role=Role.COMMUNITY_STAFF)
    assert added.area == small.communities[1]
    refused = client.post(user_url(worker_a, "roles"), {"role": Role.MEMBER, "area": "没有这个网格"}, follow=True)
    assert message_tags(refused) == ["area_not_found error"]
    client.post(reverse("manage_user_role_remove", args=[worker_a.pk, added.pk]))
    assert not RoleAssignment.objects.filter(pk=added.pk).exists()
    assert AuditEvent.objects.filter(actor=district_admin, action=AuditAction.ROLE_REVOKED).count() == 1


def test_community_staff_cannot_add_a_community_role(client, community_staff, worker_a, small):
    client.force_login(community_staff)
    response = client.post(
        user_url(worker_a, "roles"), {"role": Role.COMMUNITY_STAFF, "area": "社区1第1网格"}, follow=True
    )
    assert message_tags(response) == ["role_not_grantable error"]
    assert list(RoleAssignment.objects.filter(user=worker_a).values_list("role", flat=True)) == [Role.GRID_WORKER]


def test_deactivate_reactivate_and_never_oneself(client, district_admin, worker_a):
    client.force_login(district_admin)
    client.post(user_url(worker_a, "deactivate"))
    worker_a.refresh_from_db()
    assert not worker_a.is_active
    page = client.get(user_url(worker_a)).content.decode()
    assert zh("Reactivate") in page
    client.post(user_url(worker_a, "reactivate"))
    worker_a.refresh_from_db()
    assert worker_a.is_active
    own = client.get(user_url(district_admin)).content.decode()
    assert user_url(district_admin, "deactivate") not in own
    response = client.post(user_url(district_admin, "deactivate"), follow=True)
    assert message_tags(response) == ["cannot_deactivate_self error"]
    district_admin.refresh_from_db()
    assert district_admin.is_active


def test_a_reset_password_is_shown_once_in_the_answer_to_the_post(client, community_staff, worker_a):
    client.force_login(community_staff)
    response = client.post(user_url(worker_a, "password"))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    password = response.context["password"]
    worker_a.refresh_from_db()
    assert worker_a.check_password(password) and worker_a.must_change_password
    assert password in response.content.decode() and password not in response.get("Location", "")
    assert AuditEvent.objects.filter(action=AuditAction.PASSWORD_RESET, actor=community_staff).count() == 1


def test_the_account_of_a_user_with_roles_out_of_reach_cannot_be_changed(
    client, community_staff, district_admin, small
):
    actions.assign_role(None, user=district_admin, role=Role.VOLUNTEER, area=small.grids[0])
    client.force_login(community_staff)
    page = client.get(user_url(district_admin))
    html = page.content.decode()
    assert page.status_code == 200 and user_url(district_admin, "password") not in html
    assert 'data-testid="hidden-roles"' in html and zh("District administrator") not in html
    response = client.post(user_url(district_admin, "password"), follow=True)
    assert message_tags(response) == ["account_out_of_reach error"]
    district_admin.refresh_from_db()
    assert district_admin.check_password(PASSWORD)


def test_tokens_are_listed_and_revoked(client, district_admin, worker_a):
    issued = actions.issue_api_token(None, user=worker_a, name="手机")
    client.force_login(district_admin)
    html = client.get(user_url(worker_a)).content.decode()
    assert f"{issued.token.prefix}…" in html and "手机" in html and issued.secret not in html
    response = client.post(reverse("manage_user_token_revoke", args=[worker_a.pk, issued.token.pk]), follow=True)
    assert response.redirect_chain[-1][0] == user_url(worker_a) + "#tokens"
    assert ApiToken.objects.get(pk=issued.token.pk).revoked_at is not None


def test_a_district_admin_of_a_finds_nothing_of_district_b(client, district_admin, other):
    worker_u = other.worker
    token = actions.issue_api_token(None, user=worker_u).token
    assignment = RoleAssignment.objects.get(user=worker_u)
    client.force_login(district_admin)
    assert client.get(user_url(worker_u)).status_code == 404
    for action in ["deactivate", "reactivate", "password", "roles"]:
        assert client.post(user_url(worker_u, action), {"role": Role.MEMBER, "area": "测试区T"}).status_code == 404
    assert client.post(reverse("manage_user_role_remove", args=[worker_u.pk, assignment.pk])).status_code == 404
    assert client.post(reverse("manage_user_token_revoke", args=[worker_u.pk, token.pk])).status_code == 404
    # Granting over an area of district B, to a user of A: a message, nothing written.
    response = client.post(user_url(district_admin, "roles"), {"role": Role.MEMBER, "area": "测试区U"}, follow=True)
    assert message_tags(response) == ["area_not_found error"]
    worker_u.refresh_from_db()
    assert worker_u.is_active and worker_u.check_password(PASSWORD)
    assert RoleAssignment.objects.filter(user=worker_u).count() == 1
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    assert not AuditEvent.objects.filter(actor=district_admin).exclude(action=AuditAction.LOGIN).exists()


def test_the_list_costs_the_same_queries_with_more_users(client, district_admin, worker_a, small):
    client.force_login(district_admin)
    client.get(URL)
    with count_queries() as few:
        assert client.get(URL).status_code == 200
    for n in range(12):
        user = make_persona(f"extra_{n:02d}", Role.GRID_WORKER, small.grids[n % 4])
        actions.assign_role(None, user=user, role=Role.VOLUNTEER, area=small.grids[(n + 1) % 4])
    with count_queries() as many:
        response = client.get(URL)
    assert response.status_code == 200 and len(response.context["page"].object_list) == 14
    assert_flat(few, many, at_most=10)
    print(f"users page: {len(many)} queries")
