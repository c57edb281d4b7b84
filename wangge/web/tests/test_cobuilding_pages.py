"""The co-building pages: the keepers sign and correct agreements, record meetings and their
decisions, file a decision as a case; a resident unit's account reads its own agreements and the
meetings it sat in; a decision's owner marks it done. Personas of two communities and two
resident units; 404 outside scope; the list takes the same queries however many rows."""

import datetime as dt

import pytest
from django.urls import reverse

from wangge.accounts.models import AuditAction, AuditEvent, Role
from wangge.cases.models import Case
from wangge.conftest import make_persona
from wangge.lib.testing import assert_flat, count_queries
from wangge.orgs.actions import create_resident_unit
from wangge.resources import actions, cobuilding
from wangge.resources.models import Agreement, Decision, Meeting, MeetingKind

JAN = dt.date(2026, 1, 1)


@pytest.fixture
def staff_b(small):
    return make_persona("staff_2", Role.COMMUNITY_STAFF, small.communities[1])


@pytest.fixture
def school(small, community_staff):
    """The school of community 1 and its account."""
    unit = create_resident_unit(None, area=small.grids[0], name="第一中学", kind="学校")
    account = make_persona("school", Role.RESIDENT_UNIT, small.grids[0])
    actions.add_unit_account(community_staff, unit, account)
    return unit, account


@pytest.fixture
def hospital(small, staff_b):
    """The hospital of community 2 and its account."""
    unit = create_resident_unit(None, area=small.grids[2], name="区医院", kind="医院")
    account = make_persona("hospital", Role.RESIDENT_UNIT, small.grids[2])
    actions.add_unit_account(staff_b, unit, account)
    return unit, account


@pytest.fixture
def meeting(small, community_staff, school):
    return cobuilding.record_meeting(
        community_staff,
        community=small.communities[0],
        kind=MeetingKind.CONSULTATION,
        held_on=dt.date(2026, 10, 20),
        participants="居民代表 12 人",
        matters="学校运动场晚间开放",
        units=[school[0]],
    )


def test_the_keeper_signs_an_agreement_and_its_unit_reads_it_but_no_other(
    client, small, community_staff, staff_b, school, hospital
):
    client.force_login(community_staff)
    assert client.get(reverse("cobuilding_agreement_new")).status_code == 200
    answer = client.post(
        reverse("cobuilding_agreement_new"),
        {
            "community": small.communities[0].pk,
            "unit": school[0].pk,
            "unit_commits": "开放运动场",
            "community_commits": "协助管理",
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
        },
    )
    agreement = Agreement.objects.get()
    assert answer.status_code == 302 and answer["Location"] == reverse("cobuilding_agreement", args=[agreement.pk])
    # The hospital is not a unit of community 1: refused, nothing written.
    client.post(
        reverse("cobuilding_agreement_new"),
        {"community": small.communities[0].pk, "unit": hospital[0].pk, "unit_commits": "x", "starts_on": "2026-01-01"},
    )
    assert Agreement.objects.count() == 1
    url = reverse("cobuilding_agreement", args=[agreement.pk])
    edited = client.post(
        url,
        {
            "unit_commits": "开放运动场与图书馆",
            "community_commits": "",
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
        },
    )
    assert edited.status_code == 302 and Agreement.objects.get().unit_commits == "开放运动场与图书馆"
    renewal = client.get(reverse("cobuilding_agreement_new") + f"?renews={agreement.pk}").content.decode()
    assert 'value="2027-01-01"' in renewal
    client.force_login(school[1])
    page = client.get(url)
    assert page.status_code == 200 and "开放运动场与图书馆" in page.content.decode()
    assert 'data-testid="agreement-edit"' not in page.content.decode()
    assert (
        client.post(url, {"unit_commits": "x", "starts_on": "2026-01-01", "ends_on": "2026-01-02"}).status_code == 404
    )
    assert client.get(reverse("cobuilding_agreement_new")).status_code == 404
    for other in (hospital[1], staff_b):
        client.force_login(other)
        assert client.get(url).status_code == 404
        assert "第一中学" not in client.get(reverse("cobuilding")).content.decode()


def test_a_meeting_is_recorded_and_its_decision_followed_until_its_owner_marks_it_done(
    client, small, community_staff, staff_b, school, hospital, worker_a
):
    client.force_login(community_staff)
    answer = client.post(
        reverse("cobuilding_meeting_new"),
        {
            "community": small.communities[0].pk,
            "kind": MeetingKind.JOINT_MEETING,
            "held_on": "2026-10-20",
            "participants": "社区党委、第一中学",
            "units": [school[0].pk, hospital[0].pk],
            "matters": "运动场开放",
            "minutes": "同意",
        },
    )
    meeting = Meeting.objects.get()
    assert answer["Location"] == reverse("cobuilding_meeting", args=[meeting.pk])
    assert list(meeting.units.all()) == [school[0]]  # the hospital is not of community 1
    page = client.get(answer["Location"]).content.decode()
    assert f'<option value="{worker_a.pk}">' in page
    client.post(
        reverse("cobuilding_decision_add", args=[meeting.pk]),
        {"text": "制定开放安排", "owner": worker_a.pk, "due_on": "2026-11-15"},
    )
    decision = Decision.objects.get()
    assert (decision.owner, decision.due_on) == (worker_a, dt.date(2026, 11, 15))
    # The school sat in and reads it; the hospital and community 2's staff get 404.
    url = reverse("cobuilding_meeting", args=[meeting.pk])
    for other in (hospital[1], staff_b):
        client.force_login(other)
        assert client.get(url).status_code == 404
        assert client.post(reverse("cobuilding_decision_done", args=[decision.pk]), {"outcome": "x"}).status_code == 404
    client.force_login(school[1])
    page = client.get(url).content.decode()
    assert "制定开放安排" in page and 'data-testid="decision-form"' not in page
    client.post(reverse("cobuilding_decision_done", args=[decision.pk]), {"outcome": "x"})
    assert Decision.objects.get().done_at is None  # the school is not its owner
    client.force_login(worker_a)
    assert "制定开放安排" in client.get(reverse("cobuilding")).content.decode()  # an open task of theirs
    client.post(reverse("cobuilding_decision_done", args=[decision.pk]), {"outcome": "安排已公示"})
    assert Decision.objects.get().outcome == "安排已公示"
    assert 'data-testid="decision-done"' in client.get(url).content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.DECISION_CHANGED).count() == 2


def test_a_decision_is_filed_as_a_case_by_the_keeper(client, small, catalogue, community_staff, meeting, worker_a):
    decision = cobuilding.add_decision(community_staff, meeting, text="楼道堆物清理", owner=worker_a, due_on=JAN)
    leaf = next(c for c in catalogue.values() if c.parent_id is not None)
    building = next(b for b in small.buildings if b.community_id == small.communities[0].pk)
    url = reverse("cobuilding_decision_case", args=[decision.pk])
    client.force_login(worker_a)
    assert client.get(url).status_code == 404  # the owner follows it; only the keepers file it
    client.force_login(community_staff)
    assert client.get(url).status_code == 200
    client.post(url, {"category": leaf.pk, "building": building.pk, "description": "楼道堆物清理"})
    case = Case.objects.get()
    assert Decision.objects.get().case == case
    assert client.get(url)["Location"] == reverse("case", args=[case.pk])
    assert case.number in client.get(reverse("cobuilding_meeting", args=[meeting.pk])).content.decode()


def test_the_list_takes_the_same_queries_however_many_rows(client, small, community_staff, school, worker_a):
    client.force_login(community_staff)
    client.get(reverse("cobuilding"))
    runs = []
    for n in (1, 4):
        while Meeting.objects.count() < n:
            made = cobuilding.record_meeting(
                community_staff,
                community=small.communities[0],
                kind=MeetingKind.JOINT_MEETING,
                held_on=JAN,
                participants="p",
                matters="m",
                units=[school[0]],
            )
            cobuilding.add_decision(community_staff, made, text="d", owner=community_staff, due_on=JAN)
            cobuilding.sign_agreement(
                community_staff,
                community=small.communities[0],
                unit=school[0],
                unit_commits="u",
                community_commits="",
                starts_on=JAN,
                ends_on=JAN,
            )
        with count_queries() as queries:
            assert client.get(reverse("cobuilding")).status_code == 200
        runs.append(queries)
    assert_flat(*runs)
