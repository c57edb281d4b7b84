"""Editing a grid's team (/fieldwork/grids/<id>/team/): the community's staff over their grids
and the district's administrators add and remove role holders and members' buildings through
the actions; anyone else (another community's staff, the grid team, another district's
administrator) finds no such page (404) and changes nothing; the page's queries stay flat."""

import pytest
from django.urls import reverse

from wangge.accounts.models import AuditAction, AuditEvent, Role, RoleAssignment
from wangge.areas.tests.factories import build_small_district
from wangge.conftest import make_persona
from wangge.lib.testing import assert_flat, count_queries
from wangge.orgs import actions as org_actions
from wangge.orgs.models import ZoneArea
from wangge.people import actions as people_actions
from wangge.people.actions import PersonInput
from wangge.people.models import MemberKind, MemberProfile, WorkerKind
from wangge.web.tests.conftest import add_rows, zh


def member_of(small, community_index: int, name: str) -> MemberProfile:
    person = people_actions.create_person(None, district=small.district, data=PersonInput(name=name))
    return people_actions.register_members(None, [(person, MemberKind.RETIRED, small.communities[community_index])])[0]


@pytest.fixture
def team_of_grid_0(small, worker_a):
    """Grid 0's team: worker_a, a member of community 1 answering for its first building; plus a
    grid worker of grid 1 (same community) and a member of community 2."""
    member = member_of(small, 0, "党员甲")
    link = org_actions.add_zone_area(None, member=member, area=small.buildings[0])
    return {
        "member": member,
        "link": link,
        "candidate": make_persona("worker_g1", Role.GRID_WORKER, small.grids[1]),
        "stranger": member_of(small, 1, "党员乙"),
    }


def urls(small, team) -> dict[str, str]:
    grid = small.grids[0]
    assignment = RoleAssignment.objects.get(user__username="worker_a", area=grid)
    return {
        "page": reverse("fieldwork_team", args=[grid.pk]),
        "role_add": reverse("fieldwork_team_role_add", args=[grid.pk]),
        "role_remove": reverse("fieldwork_team_role_remove", args=[grid.pk, assignment.pk]),
        "zone_add": reverse("fieldwork_team_zone_add", args=[grid.pk]),
        "zone_remove": reverse("fieldwork_team_zone_remove", args=[grid.pk, team["link"].pk]),
    }


def said(client, url: str, data: dict) -> list[str]:
    """The messages the page shows after posting `data` to `url`."""
    response = client.post(url, data, follow=True)
    return [str(m) for m in response.context["messages"]]


def test_community_staff_and_the_district_admin_open_the_team_page_linked_from_the_grid_page(
    client, small, community_staff, district_admin, team_of_grid_0
):
    page = reverse("fieldwork_team", args=[small.grids[0].pk])
    for user in (community_staff, district_admin):
        client.force_login(user)
        response = client.get(page)
        assert response.status_code == 200
        html = response.content.decode()
        assert "worker_a" in html and "党员甲" in html and small.buildings[0].name in html
        assert page in client.get(reverse("area", args=[small.grids[0].pk])).content.decode()


def test_the_grid_page_does_not_link_the_team_page_for_the_grid_team_or_another_communitys_staff(
    client, small, worker_a
):
    other_staff = make_persona("staff_2", Role.COMMUNITY_STAFF, small.communities[1])
    page = reverse("fieldwork_team", args=[small.grids[0].pk])
    client.force_login(worker_a)
    assert page not in client.get(reverse("area", args=[small.grids[0].pk])).content.decode()
    client.force_login(other_staff)
    assert page not in client.get(reverse("area", args=[small.grids[2].pk])).content.decode()
    assert (
        reverse("fieldwork_team", args=[small.grids[2].pk])
        in client.get(reverse("area", args=[small.grids[2].pk])).content.decode()
    )


@pytest.mark.parametrize("persona", ["other_staff", "worker_a", "other_admin", "supervisor", "resident"])
def test_anyone_else_finds_no_team_page_and_changes_nothing(client, small, team_of_grid_0, request, persona):
    users = {
        "other_staff": lambda: make_persona("staff_2", Role.COMMUNITY_STAFF, small.communities[1]),
        "other_admin": lambda: make_persona("admin_u", Role.DISTRICT_ADMIN, build_small_district("U").district),
    }
    user = users[persona]() if persona in users else request.getfixturevalue(persona)
    client.force_login(user)
    found = urls(small, team_of_grid_0)
    assert client.get(found["page"]).status_code == 404
    candidate, member = team_of_grid_0["candidate"], team_of_grid_0["member"]
    posts = {
        "role_add": {"user": candidate.pk, "role": Role.GRID_WORKER},
        "role_remove": {},
        "zone_add": {"member": member.pk, "building": small.buildings[1].pk},
        "zone_remove": {},
    }
    for name, data in posts.items():
        assert client.post(found[name], data).status_code == 404, name
    assert RoleAssignment.objects.filter(area=small.grids[0]).count() == 1
    assert list(ZoneArea.objects.values_list("area_id", flat=True)) == [small.buildings[0].pk]


def test_community_staff_add_and_remove_a_grid_worker(client, small, community_staff, team_of_grid_0):
    grid, candidate = small.grids[0], team_of_grid_0["candidate"]
    client.force_login(community_staff)
    found = urls(small, team_of_grid_0)
    response = client.post(found["role_add"], {"user": candidate.pk, "role": Role.GRID_WORKER})
    assert response.status_code == 302 and response["Location"].endswith("#roles")
    added = RoleAssignment.objects.get(user=candidate, area=grid, role=Role.GRID_WORKER)
    granted = AuditEvent.objects.get(action=AuditAction.ROLE_GRANTED, actor=community_staff)
    assert granted.detail == {"role": Role.GRID_WORKER, "area": grid.pk}
    page = client.get(found["page"]).content.decode()
    assert reverse("fieldwork_team_role_remove", args=[grid.pk, added.pk]) in page
    client.post(reverse("fieldwork_team_role_remove", args=[grid.pk, added.pk]))
    assert not RoleAssignment.objects.filter(pk=added.pk).exists()
    assert AuditEvent.objects.filter(action=AuditAction.ROLE_REVOKED, actor=community_staff).count() == 1


def test_refusals_come_back_as_messages_and_change_nothing(client, small, community_staff, worker_b, team_of_grid_0):
    client.force_login(community_staff)
    found = urls(small, team_of_grid_0)
    before = set(RoleAssignment.objects.values_list("pk", flat=True))
    # A user of another community (not administered), and a role above the grid.
    assert said(client, found["role_add"], {"user": worker_b.pk, "role": Role.GRID_WORKER}) == [
        zh("Choose a user and a grid role.")
    ]
    candidate = team_of_grid_0["candidate"]
    assert said(client, found["role_add"], {"user": candidate.pk, "role": Role.COMMUNITY_STAFF}) == [
        zh("Choose a user and a grid role.")
    ]
    assert set(RoleAssignment.objects.values_list("pk", flat=True)) == before
    # A member of another community, a building of another grid.
    stranger, member = team_of_grid_0["stranger"], team_of_grid_0["member"]
    assert said(client, found["zone_add"], {"member": stranger.pk, "building": small.buildings[1].pk}) == [
        zh("A member answers for buildings and households of their own community only.")
    ]
    assert said(client, found["zone_add"], {"member": member.pk, "building": small.buildings[2].pk}) == [
        zh("Choose a member and a building of this grid.")
    ]
    assert ZoneArea.objects.count() == 1
    # Another grid's assignment or zone area is not found under this grid.
    other = org_actions.add_zone_area(None, member=member, area=small.buildings[2])
    assignment = RoleAssignment.objects.get(user=candidate)
    assert (
        client.post(reverse("fieldwork_team_role_remove", args=[small.grids[0].pk, assignment.pk])).status_code == 404
    )
    assert client.post(reverse("fieldwork_team_zone_remove", args=[small.grids[0].pk, other.pk])).status_code == 404


def test_a_deactivated_user_is_not_offered_and_choosing_one_is_refused(client, small, district_admin, team_of_grid_0):
    candidate = team_of_grid_0["candidate"]
    candidate.is_active = False
    candidate.save(update_fields=["is_active"])
    client.force_login(district_admin)
    found = urls(small, team_of_grid_0)
    assert "worker_g1" not in client.get(found["page"]).content.decode()
    assert said(client, found["role_add"], {"user": candidate.pk, "role": Role.GRID_LEADER}) == [
        zh("Choose a user and a grid role.")
    ]
    assert not RoleAssignment.objects.filter(user=candidate, area=small.grids[0]).exists()


def test_staff_add_a_building_to_a_members_zone_and_take_one_out(client, small, community_staff, team_of_grid_0):
    client.force_login(community_staff)
    found = urls(small, team_of_grid_0)
    member = team_of_grid_0["member"]
    response = client.post(found["zone_add"], {"member": member.pk, "building": small.buildings[1].pk})
    assert response["Location"].endswith("#members")
    assert set(ZoneArea.objects.filter(zone__member=member).values_list("area_id", flat=True)) == {
        small.buildings[0].pk,
        small.buildings[1].pk,
    }
    client.post(found["zone_remove"])
    assert list(ZoneArea.objects.values_list("area_id", flat=True)) == [small.buildings[1].pk]
    changes = AuditEvent.objects.filter(action=AuditAction.GRID_TEAM_CHANGED, actor=community_staff).order_by("pk")
    assert [e.detail["change"] for e in changes] == ["zone_area_added", "zone_area_removed"]


def test_the_user_search_narrows_the_choice(client, small, community_staff, team_of_grid_0):
    make_persona("leader_g1", Role.GRID_LEADER, small.grids[1])
    client.force_login(community_staff)
    page = reverse("fieldwork_team", args=[small.grids[0].pk])
    assert [u.username for u in client.get(page).context["candidates"]] == ["leader_g1", "worker_a", "worker_g1"]
    assert [u.username for u in client.get(page, {"q": "LEADER"}).context["candidates"]] == ["leader_g1"]


def test_the_district_admin_is_offered_the_users_of_the_grids_community_first(
    client, small, district_admin, worker_b, team_of_grid_0
):
    client.force_login(district_admin)
    page = reverse("fieldwork_team", args=[small.grids[0].pk])
    listed = [u.username for u in client.get(page).context["candidates"]]
    assert listed == ["worker_a", "worker_g1", "admin_d", "worker_b"]


def test_the_team_page_takes_as_many_queries_with_more_rows(client, small, community_staff, team_of_grid_0):
    grid = small.grids[0]
    client.force_login(community_staff)
    url = reverse("fieldwork_team", args=[grid.pk])

    def run():
        with count_queries() as queries:
            assert client.get(url).status_code == 200
        return queries

    first = run()

    def more(tag: str) -> None:
        group = add_rows(small, 0, tag=tag)
        buildings = list(group.children.all())
        for i, building in enumerate(buildings):
            member = member_of(small, 0, f"党员{tag}{i}")
            org_actions.add_zone_area(None, member=member, area=building)
        make_persona(f"leader_{tag}", Role.GRID_LEADER, grid)
        make_persona(f"secretary_{tag}", Role.GRID_SECRETARY, grid)
        person = people_actions.create_person(None, district=small.district, data=PersonInput(name=f"网格员{tag}"))
        people_actions.add_workers(None, [(person, WorkerKind.GRID_WORKER, grid)])

    more("X")
    second = run()
    more("Y")
    third = run()
    assert_flat(first, second, third)
