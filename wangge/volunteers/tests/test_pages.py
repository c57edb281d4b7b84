"""The volunteers' pages with personas of two communities: another community's activity answers
404, the organiser sees the QR code and checks in and out, the volunteer downloads the
certificate; the station page stays flat in queries."""

import time_machine
from django.urls import reverse

from wangge.conftest import make_persona
from wangge.lib.testing import assert_flat, count_queries
from wangge.volunteers import actions, qr
from wangge.volunteers.models import SignUp
from wangge.volunteers.tests.factories import DAY, activity, at, team


def test_another_communitys_activity_is_not_found_by_its_staff_and_grid_team(client, visit, staff_b, worker_b, zhang):
    for user in (staff_b, worker_b):
        client.force_login(user)
        assert client.get(reverse("volunteers_activity", args=[visit.pk])).status_code == 404
        answer = client.post(
            reverse("volunteers_activity_step", args=[visit.pk, "checkin"]), {"volunteer": zhang[0].pk}
        )
        assert answer.status_code == 404


def test_a_volunteer_of_another_community_sees_the_activity_but_does_not_run_it(client, visit, zhao):
    client.force_login(zhao[1])
    page = client.get(reverse("volunteers_activity", args=[visit.pk]))
    assert page.status_code == 200 and 'data-testid="qr"' not in page.content.decode()
    assert 'data-testid="signup"' in page.content.decode()


def test_a_resident_of_another_community_does_not_see_the_activity(client, visit, small):
    other = make_persona("resident_c2", "resident", small.households[12])
    client.force_login(other)
    assert client.get(reverse("volunteers_activity", args=[visit.pk])).status_code == 404
    assert client.post(reverse("volunteers_activity_step", args=[visit.pk, "join"])).status_code == 404


def test_the_organiser_sees_the_qr_code_and_checks_a_volunteer_in_and_out(client, visit, community_staff, zhang):
    volunteer, user = zhang
    client.force_login(user)
    client.post(reverse("volunteers_activity_step", args=[visit.pk, "signup"]))
    client.force_login(community_staff)
    page = client.get(reverse("volunteers_activity", args=[visit.pk])).content.decode()
    assert "<svg" in page and "张志愿" in page
    with time_machine.travel(at(DAY, 9), tick=False):
        client.post(reverse("volunteers_activity_step", args=[visit.pk, "checkin"]), {"volunteer": volunteer.pk})
    with time_machine.travel(at(DAY, 10), tick=False):
        client.post(reverse("volunteers_activity_step", args=[visit.pk, "checkout"]), {"volunteer": volunteer.pk})
    assert str(SignUp.objects.get(volunteer=volunteer).hours) == "1.00"


def test_the_scan_page_changes_nothing_on_get_and_checks_in_on_post(client, visit, zhang):
    volunteer, user = zhang
    actions.sign_up(user, visit)
    client.force_login(user)
    with time_machine.travel(at(DAY, 9), tick=False):
        token = qr.make_token(visit.pk)
        url = reverse("volunteers_scan", args=[visit.pk])
        assert 'data-testid="scan"' in client.get(url, {"t": token}).content.decode()
        assert SignUp.objects.get(volunteer=volunteer).checked_in_at is None
        client.post(url, {"t": token})
        assert SignUp.objects.get(volunteer=volunteer).checked_in_at is not None
        client.post(url, {"t": "forged"})
    assert SignUp.objects.get(volunteer=volunteer).checked_out_at is None


def test_the_volunteer_downloads_their_certificate(client, zhang):
    client.force_login(zhang[1])
    answer = client.post(reverse("volunteers_certificate"), {"from": "2026-01-01", "to": "2026-11-07"})
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF")


def test_the_station_page_stays_flat_as_activities_and_teams_grow(client, community_staff, station_a, zhang):
    def add(n):
        for i in range(n):
            t = team(community_staff, station_a, name=f"队{i}")
            actions.add_to_team(community_staff, t, zhang[0])
            a = activity(community_staff, station_a, title=f"活动{i}", hour=12 + i % 8, hours=1, team=t)
            actions.sign_up(zhang[1], a)
            actions.log_hours(zhang[1], day=DAY, hours=1, what="助老")

    add(1)
    client.force_login(community_staff)
    client.get(reverse("volunteers"))
    with count_queries() as few:
        client.get(reverse("volunteers"))
    add(4)
    with count_queries() as many:
        client.get(reverse("volunteers"))
    assert_flat(few, many)
