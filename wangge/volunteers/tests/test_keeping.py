"""The pages that keep a station, with personas of two communities: opening the station, teams
and their members, registering a person of the registry, creating, editing and cancelling
activities, the queue of hours to approve; a party member's menu; the public check of a
certificate's code. Another community's staff get 404 on every one; lists stay flat."""

import datetime as dt

import pytest
from django.urls import reverse

from wangge.accounts.models import Role
from wangge.conftest import make_persona
from wangge.lib.errors import DomainError
from wangge.lib.testing import assert_flat, count_queries
from wangge.people.actions import create_person
from wangge.people.actions.registry import PersonInput
from wangge.people.tests.factories import ID_NUMBER
from wangge.volunteers import actions
from wangge.volunteers.models import (
    Activity,
    HoursLog,
    HoursStatus,
    ServiceTeam,
    SignUp,
    SignUpStatus,
    Station,
    Volunteer,
)
from wangge.volunteers.tests.factories import DAY, team, volunteer


def _keeping_urls(station, team_, activity_):
    return [
        ("get", reverse("volunteers_team_new", args=[station.pk]), {}),
        ("post", reverse("volunteers_team_new", args=[station.pk]), {"name": "队", "kind": "health"}),
        ("get", reverse("volunteers_team", args=[team_.pk]), {}),
        ("post", reverse("volunteers_team", args=[team_.pk]), {"step": "edit", "name": "队", "kind": "health"}),
        ("get", reverse("volunteers_register", args=[station.pk]), {}),
        ("post", reverse("volunteers_register", args=[station.pk]), {"q": "张"}),
        ("get", reverse("volunteers_activity_new", args=[station.pk]), {}),
        ("get", reverse("volunteers_activity_edit", args=[activity_.pk]), {}),
        ("post", reverse("volunteers_activity_cancel", args=[activity_.pk]), {}),
    ]


def test_another_communitys_staff_and_grid_worker_get_404_on_every_keeping_page(
    client, community_staff, station_a, visit, staff_b, worker_b, station_b
):
    team_ = team(community_staff, station_a)
    for user in (staff_b, worker_b):
        client.force_login(user)
        for method, url, data in _keeping_urls(station_a, team_, visit):
            assert getattr(client, method)(url, data).status_code == 404, (user.username, url)
    visit.refresh_from_db()
    assert visit.cancelled_at is None and ServiceTeam.objects.filter(station=station_a).count() == 1


def test_the_station_staff_open_every_keeping_page(client, community_staff, station_a, visit):
    team_ = team(community_staff, station_a)
    client.force_login(community_staff)
    for method, url, _data in _keeping_urls(station_a, team_, visit):
        if method == "get":
            assert client.get(url).status_code == 200, url


def test_the_community_staff_open_their_station_and_not_another_communitys(client, small, community_staff, staff_b):
    client.force_login(staff_b)
    url = reverse("volunteers_station_open")
    assert client.post(url, {"community": small.communities[0].pk, "name": "站"}).status_code == 404
    client.force_login(community_staff)
    assert 'data-testid="station-open"' in client.get(reverse("volunteers")).content.decode()
    client.post(url, {"community": small.communities[0].pk, "name": "一社区志愿服务站", "place": "活动室"})
    station = Station.objects.get(community=small.communities[0])
    assert station.name == "一社区志愿服务站"
    assert client.get(url).status_code == 404  # nothing left to open


def test_staff_add_and_edit_a_team_and_keep_its_members(client, community_staff, station_a, zhang, li, zhao):
    client.force_login(community_staff)
    client.post(reverse("volunteers_team_new", args=[station_a.pk]), {"name": "助老服务队", "kind": "elderly"})
    team_ = ServiceTeam.objects.get(station=station_a)
    url = reverse("volunteers_team", args=[team_.pk])
    client.post(url, {"step": "edit", "name": "健康服务队", "kind": "health"})
    team_.refresh_from_db()
    assert (team_.name, team_.kind) == ("健康服务队", "health")
    client.post(url, {"step": "add", "volunteer": zhang[0].pk})
    client.post(url, {"step": "add", "volunteer": li[0].pk})
    assert client.post(url, {"step": "add", "volunteer": zhao[0].pk}).status_code == 404  # another station's
    client.post(url, {"step": "remove", "volunteer": li[0].pk})
    assert list(team_.members.all()) == [zhang[0]]


def test_staff_find_a_resident_by_name_see_the_id_number_masked_and_register_them(
    client, small, community_staff, station_a, zhang
):
    other = create_person(None, district=small.district, data=PersonInput(name="张居民", household=small.households[3]))
    client.force_login(community_staff)
    url = reverse("volunteers_register", args=[station_a.pk])
    page = client.post(url, {"q": "张"}).content.decode()
    assert "张志愿" in page and "张居民" in page
    assert ID_NUMBER not in page and ID_NUMBER[-4:] in page
    assert page.count('data-testid="register-person"') == 1  # 张志愿 is registered already
    client.post(url, {"person": other.pk})
    assert Volunteer.objects.filter(person=other, station=station_a).exists()


def test_staff_cannot_register_a_person_of_another_community(client, small, community_staff, station_a):
    other = create_person(
        None, district=small.district, data=PersonInput(name="赵居民", household=small.households[12])
    )
    client.force_login(community_staff)
    page = client.post(reverse("volunteers_register", args=[station_a.pk]), {"q": "赵居民"}).content.decode()
    assert f'data-person="{other.pk}"' not in page
    answer = client.post(reverse("volunteers_register", args=[station_a.pk]), {"person": other.pk})
    assert answer.status_code == 404 and not Volunteer.objects.filter(person=other).exists()


def test_staff_create_edit_and_cancel_an_activity(client, community_staff, station_a, zhang, li):
    team_ = team(community_staff, station_a)
    client.force_login(community_staff)
    fields = {"title": "义诊", "team": team_.pk, "place": "广场", "day": "2026-11-08", "starts": "09:00"}
    client.post(reverse("volunteers_activity_new", args=[station_a.pk]), fields | {"ends": "11:00", "capacity": "1"})
    created = Activity.objects.get(title="义诊")
    assert (created.team, created.capacity, created.length_hours) == (team_, 1, 2.0)
    assert "义诊" in client.get(reverse("volunteers") + f"?station={station_a.pk}").content.decode()
    actions.sign_up(zhang[1], created)
    actions.sign_up(li[1], created)
    client.post(reverse("volunteers_activity_edit", args=[created.pk]), fields | {"ends": "12:00", "capacity": "2"})
    created.refresh_from_db()
    assert created.capacity == 2 and created.length_hours == 3.0
    assert SignUp.objects.get(volunteer=li[0]).status == SignUpStatus.CONFIRMED  # promoted by the larger capacity
    client.post(reverse("volunteers_activity_cancel", args=[created.pk]))
    created.refresh_from_db()
    assert created.cancelled_at is not None
    assert set(SignUp.objects.values_list("status", flat=True)) == {SignUpStatus.CANCELLED}
    with pytest.raises(DomainError) as refused:
        actions.sign_up(zhang[1], created)
    assert refused.value.code == "signup_state"
    assert "义诊" not in client.get(reverse("volunteers") + f"?station={station_a.pk}").content.decode()


def test_a_bad_activity_is_refused_with_its_message_and_nothing_is_written(client, community_staff, station_a):
    client.force_login(community_staff)
    fields = {"title": "义诊", "day": "2026-11-08", "starts": "11:00", "ends": "09:00", "capacity": "5"}
    page = client.post(reverse("volunteers_activity_new", args=[station_a.pk]), fields, follow=True)
    assert page.status_code == 200 and not Activity.objects.exists()
    assert 'value="义诊"' in page.content.decode()  # the form keeps what was typed


def test_the_approval_queue_shows_the_communitys_pending_hours_and_decides_them(
    client, community_staff, staff_b, zhang, zhao
):
    mine = actions.log_hours(zhang[1], day=DAY, hours=2, what="助老")
    theirs = actions.log_hours(zhao[1], day=DAY, hours=1, what="环保")
    client.force_login(community_staff)
    page = client.get(reverse("volunteers_approvals")).content.decode()
    assert f'data-log="{mine.pk}"' in page and f'data-log="{theirs.pk}"' not in page
    answer = client.post(reverse("volunteers_decide_hours", args=[mine.pk, "approve"]), {"back": "approvals"})
    assert answer.url == reverse("volunteers_approvals")
    assert HoursLog.objects.get(pk=mine.pk).status == HoursStatus.APPROVED
    assert 'data-testid="queue-empty"' in client.get(reverse("volunteers_approvals")).content.decode()
    client.force_login(staff_b)
    assert client.post(reverse("volunteers_decide_hours", args=[mine.pk, "reject"])).status_code == 404


def test_the_queue_the_team_and_the_search_stay_flat_in_queries(client, small, community_staff, station_a):
    team_ = team(community_staff, station_a)
    counter = iter(range(100))

    def add(n):
        for _ in range(n):
            i = next(counter)
            v, user = volunteer(small, community_staff, station_a, f"张{i:02d}号", household=i % 10)
            actions.add_to_team(community_staff, team_, v)
            actions.log_hours(user, day=DAY - dt.timedelta(days=i % 5), hours=1, what="助老")

    def measure():
        with count_queries() as run:
            client.get(reverse("volunteers_approvals"))
            client.get(reverse("volunteers_team", args=[team_.pk]))
            client.post(reverse("volunteers_register", args=[station_a.pk]), {"q": "张"})
        return run

    add(1)
    client.force_login(community_staff)
    measure()
    few = measure()
    add(4)
    assert_flat(few, measure())


def test_a_party_member_gets_the_menu_and_sees_the_communitys_station(client, small, station_a, visit):
    member = make_persona("member_1", Role.MEMBER, small.grids[0])
    client.force_login(member)
    home = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("volunteers")}"' in home.split('<nav class="main-nav"')[1].split("</nav>")[0]
    page = client.get(reverse("volunteers")).content.decode()
    assert station_a.name in page and 'data-testid="activity-new"' not in page
    assert client.get(reverse("volunteers_activity", args=[visit.pk])).status_code == 200
    assert client.get(reverse("volunteers_activity_new", args=[station_a.pk])).status_code == 404


def test_anyone_checks_a_certificate_code_and_sees_only_the_masked_name_station_period_and_hours(client, zhang):
    certificate = actions.issue_certificate(zhang[1], zhang[0], dt.date(2026, 1, 1), DAY)
    client.logout()
    page = client.get(reverse("volunteers_verify"), {"code": certificate.code.lower()}).content.decode()
    assert 'data-testid="verified"' in page and "张**" in page and zhang[0].station.name in page
    assert "张志愿" not in page and ID_NUMBER[-4:] not in page and ID_NUMBER not in page
    assert "2026-01-01" in page and str(certificate.hours) in page
    missing = client.get(reverse("volunteers_verify"), {"code": "FFFFFFFFFFFF"}).content.decode()
    assert 'data-testid="not-found"' in missing


@pytest.mark.django_db
def test_checking_codes_is_rate_limited_per_address(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "anonymous": (2, 3600)}
    url = reverse("volunteers_verify")
    assert client.get(url).status_code == 200  # the empty form counts nothing
    assert [client.get(url, {"code": f"AB{i}"}).status_code for i in range(3)] == [200, 200, 429]
