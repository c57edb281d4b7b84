"""The shared-resources pages: the catalogue and a facility's week with booking (a resident), the
owner's bookings with their steps and utilisation (a resident unit, community staff); personas
of two communities, 404 outside scope, flat query counts."""

import io

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from wangge.accounts.models import AuditAction, AuditEvent, Role
from wangge.conftest import make_persona
from wangge.lib.testing import assert_flat, count_queries
from wangge.orgs.actions import create_resident_unit
from wangge.resources import actions, social
from wangge.resources.models import Booking, BookingStatus
from wangge.resources.tests.factories import MONDAY, NOW, at, booking, facility


@pytest.fixture(autouse=True)
def friday_morning():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def staff_b(small):
    return make_persona("staff_2", Role.COMMUNITY_STAFF, small.communities[1])


@pytest.fixture
def school(small, community_staff):
    unit = create_resident_unit(None, area=small.grids[0], name="第一中学", kind="学校")
    account = make_persona("school", Role.RESIDENT_UNIT, small.grids[0])
    actions.add_unit_account(community_staff, unit, account)
    return unit, account


@pytest.fixture
def ground(small, community_staff, school):
    return facility(community_staff, small.grids[0], owner_unit=school[0], needs_approval=True)


@pytest.fixture
def clinic(small, staff_b):
    return facility(staff_b, small.grids[2], name="社区卫生室")


def test_the_catalogue_shows_what_each_persona_sees(
    client, small, ground, clinic, resident, community_staff, staff_b, worker_a
):
    client.force_login(resident)
    page = client.get(reverse("resources")).content.decode()
    assert "学校运动场" in page and "社区卫生室" in page
    client.force_login(staff_b)
    page = client.get(reverse("resources")).content.decode()
    assert "社区卫生室" in page and "学校运动场" not in page
    assert client.get(reverse("resources_facility", args=[ground.pk])).status_code == 404
    client.force_login(worker_a)  # the grid team has no page here
    assert client.get(reverse("resources")).status_code == 404
    client.force_login(resident)
    assert client.get(reverse("resources_bookings")).status_code == 404
    assert client.get(reverse("resources_utilisation")).status_code == 404


def test_a_resident_books_on_the_facility_page_and_sees_the_week(client, small, ground, resident):
    client.force_login(resident)
    url = reverse("resources_facility", args=[ground.pk]) + "?date=2026-11-02"
    page = client.get(url).content.decode()
    assert page.count('class="card res-day"') == 7
    response = client.post(url, {"day": "2026-11-02", "starts": "09:00", "ends": "10:30", "purpose": "篮球"})
    assert response.status_code == 302
    made = Booking.objects.get()
    assert (made.booked_by, made.status, made.ends_at) == (resident, BookingStatus.REQUESTED, at(MONDAY, 10, 30))
    page = client.get(url).content.decode()
    assert 'data-testid="my-booking"' in page and "09:00–10:30" in page
    client.post(url, {"day": "2026-11-02", "starts": "10:00", "ends": "11:00"})
    assert Booking.objects.count() == 1  # the overlap is refused
    client.post(reverse("resources_booking_step", args=[made.pk, "cancel"]), {"next": url})
    assert Booking.objects.get().status == BookingStatus.CANCELLED


def test_the_owner_approves_and_checks_in_and_utilisation_moves(
    client, small, ground, resident, school, staff_b, community_staff
):
    made = booking(resident, ground)
    unit_account = school[1]
    client.force_login(staff_b)  # the other community's staff: not theirs
    assert client.post(reverse("resources_booking_step", args=[made.pk, "approve"])).status_code == 404
    assert 'data-testid="booking"' not in client.get(reverse("resources_bookings")).content.decode()
    client.force_login(unit_account)
    assert f'data-booking="{made.pk}"' in client.get(reverse("resources_bookings")).content.decode()
    client.post(reverse("resources_booking_step", args=[made.pk, "approve"]))
    assert Booking.objects.get().status == BookingStatus.APPROVED
    with time_machine.travel(at(MONDAY, 9), tick=False):
        client.post(reverse("resources_booking_step", args=[made.pk, "checkin"]))
    assert Booking.objects.get().status == BookingStatus.CHECKED_IN
    client.force_login(community_staff)
    page = client.get(reverse("resources_utilisation") + "?from=2026-11-02&to=2026-11-08").content.decode()
    assert "开放 84 小时，预约 1 小时，使用 1 小时" in page
    assert page.count('data-testid="row"') == 1


def test_the_pages_take_the_same_queries_however_many_rows(client, small, community_staff, resident):
    client.force_login(community_staff)
    client.get(reverse("resources"))
    runs = []
    for n in range(3):
        place = facility(community_staff, small.grids[0], name=f"场地{n}")
        booking(resident, place)
        with count_queries() as queries:
            for name in ("resources", "resources_bookings", "resources_utilisation", "resources_ledgers_xlsx"):
                assert client.get(reverse(name)).status_code == 200
        runs.append(queries)
    assert_flat(*runs)
    client.force_login(resident)
    client.get(reverse("resources_facility", args=[place.pk]))
    runs = []
    for hour in (10, 12, 14):
        booking(resident, place, hour=hour)
        with count_queries() as queries:
            client.get(reverse("resources_facility", args=[place.pk]) + "?date=2026-11-02")
        runs.append(queries)
    assert_flat(*runs)


def test_the_social_organisations_page_shows_the_communitys_own_with_phones_masked(
    client, small, community_staff, staff_b, resident
):
    centre = social.register_org(
        community_staff, community=small.communities[0], name="为老服务中心", kind="elderly", filing_status="filed"
    )
    social.add_contact(community_staff, centre, name="张主任", phone="13912345678")
    social.record_project(
        community_staff, centre, name="空巢老人助餐", starts_on=MONDAY, ends_on=MONDAY, beneficiaries=40
    )
    social.register_org(
        staff_b, community=small.communities[1], name="助残服务社", kind="disability", filing_status="registered"
    )
    client.force_login(community_staff)
    page = client.get(reverse("resources_social_orgs")).content.decode()
    assert "为老服务中心" in page and "空巢老人助餐" in page and "助残服务社" not in page
    assert "139****5678" in page and "13912345678" not in page
    client.force_login(resident)
    assert client.get(reverse("resources_social_orgs")).status_code == 404
    client.force_login(community_staff)
    runs = []
    for n in range(3):
        social.register_org(
            community_staff, community=small.communities[0], name=f"组织{n}", kind="other", filing_status="filed"
        )
        with count_queries() as queries:
            client.get(reverse("resources_social_orgs"))
        runs.append(queries)
    assert_flat(*runs)


def test_the_ledgers_workbook_holds_what_the_user_keeps_and_is_audited(
    client, small, ground, clinic, resident, community_staff, staff_b
):
    booking(resident, ground)
    social.register_org(
        community_staff, community=small.communities[0], name="为老服务中心", kind="elderly", filing_status="filed"
    )

    def sheets(user) -> dict[str, list[tuple]]:
        client.force_login(user)
        response = client.get(reverse("resources_ledgers_xlsx"))
        assert response.status_code == 200
        book = load_workbook(io.BytesIO(response.content))
        return {ws.title: list(ws.iter_rows(min_row=2, values_only=True)) for ws in book.worksheets}

    mine = sheets(community_staff)
    assert [row[0] for row in mine["设施"]] == ["学校运动场"]
    assert [row[0] for row in mine["预约"]] == ["学校运动场"]
    assert [row[0] for row in mine["社会组织"]] == ["为老服务中心"]
    other = sheets(staff_b)
    assert [row[0] for row in other["设施"]] == ["社区卫生室"] and other["预约"] == [] and other["社会组织"] == []
    assert AuditEvent.objects.filter(action=AuditAction.EXPORTED, actor=community_staff).count() == 1
    client.force_login(resident)
    assert client.get(reverse("resources_ledgers_xlsx")).status_code == 404
