"""REST: survey rounds (list, read with progress, their households, create; a round of flagged
households only), pairing campaigns (list, read with their pairs, create, pair within one),
helpers' skills; scope with two grids' personas; flat query counts."""

import datetime as dt

from django.utils import timezone

from wangge.api.testing import assert_error, bearer_client
from wangge.assistance import actions, queries
from wangge.assistance.models import DossierState, SurveyRound
from wangge.assistance.tests.factories import URGENT, dossier, member_with_account, social_org, volunteer_with_account
from wangge.cases.tests.factories import ok
from wangge.fieldwork.models import VisitFlag
from wangge.fieldwork.tests.factories import visit
from wangge.lib.testing import assert_flat, count_queries

JSON = "application/json"
TODAY = timezone.localdate


def _round(client, area, **extra):
    body = {"area": area.pk, "name": "冬季摸排", "starts_on": TODAY().isoformat(), "ends_on": TODAY().isoformat()}
    return client.post("/api/v1/assistance/rounds", {**body, **extra}, content_type=JSON)


def _campaign(client, area, **extra):
    body = {"area": area.pk, "name": "千帮千行动", "starts_on": TODAY().isoformat(), **extra}
    return client.post("/api/v1/assistance/campaigns", body, content_type=JSON)


def test_a_grid_worker_creates_a_round_over_their_grid_and_reads_its_progress_and_households(small, worker_a):
    client = bearer_client(worker_a)
    created = ok(_round(client, small.grids[0]), 201)
    assert (created["listed"], created["seen"], created["to_see"], created["only_flagged"]) == (6, 0, 6, False)
    survey = SurveyRound.objects.get(pk=created["id"])
    actions.mark_surveyed(worker_a, survey, small.households[2], TODAY())
    read = ok(client.get(f"/api/v1/assistance/rounds/{survey.pk}"))
    assert (read["listed"], read["seen"], read["to_see"]) == (6, 1, 5)
    households = ok(client.get(f"/api/v1/assistance/rounds/{survey.pk}/households"))
    assert households["count"] == 6 and households["items"][-1]["household"]["id"] == small.households[2].pk
    assert households["items"][-1]["seen_on"] == TODAY().isoformat()
    to_see = ok(client.get(f"/api/v1/assistance/rounds/{survey.pk}/households?seen=false"))
    assert to_see["count"] == 5 and all(h["seen_on"] is None for h in to_see["items"])
    assert [r["id"] for r in ok(client.get("/api/v1/assistance/rounds"))["items"]] == [survey.pk]


def test_another_grids_worker_a_supervisor_and_a_resident_neither_see_nor_create_rounds_and_campaigns(
    small, worker_a, worker_b, supervisor, resident
):
    survey = ok(_round(bearer_client(worker_a), small.grids[0]), 201)
    campaign = ok(_campaign(bearer_client(worker_a), small.grids[0]), 201)
    for user in (worker_b, supervisor, resident):
        client = bearer_client(user)
        assert ok(client.get("/api/v1/assistance/rounds"))["count"] == 0
        assert ok(client.get("/api/v1/assistance/campaigns"))["count"] == 0
        assert_error(client.get(f"/api/v1/assistance/rounds/{survey['id']}"), 404, "not_found")
        assert_error(client.get(f"/api/v1/assistance/rounds/{survey['id']}/households"), 404, "not_found")
        assert_error(client.get(f"/api/v1/assistance/campaigns/{campaign['id']}"), 404, "not_found")
        assert_error(_round(client, small.grids[0]), 404, "not_found")
        assert_error(_campaign(client, small.grids[0]), 404, "not_found")
    assert SurveyRound.objects.count() == 1


def test_a_round_or_campaign_over_a_building_or_ending_before_it_starts_is_refused(small, community_staff):
    client = bearer_client(community_staff)
    assert_error(_round(client, small.buildings[0]), 400, "area_not_coverage")
    assert_error(_campaign(client, small.households[0]), 400, "area_not_coverage")
    yesterday = (TODAY() - dt.timedelta(days=1)).isoformat()
    assert_error(_round(client, small.grids[0], ends_on=yesterday), 400, "assistance_dates_invalid")
    assert_error(_campaign(client, small.grids[0], ends_on=yesterday), 400, "assistance_dates_invalid")
    assert not SurveyRound.objects.exists()


def test_a_round_of_flagged_households_lists_those_with_a_dossier_or_flagged_by_a_visit_only(
    small, worker_a, community_staff
):
    in_database = dossier(worker_a, small.households[0], ("medical", URGENT))
    closed = dossier(worker_a, small.households[1])
    actions.change_dossier(worker_a, closed, reason="已脱困", state=DossierState.OUT_OF_DIFFICULTY)
    visit(worker_a, small.households[3], timezone.now() - dt.timedelta(days=20), flags=[VisitFlag.HARDSHIP])
    visit(worker_a, small.households[4], timezone.now() - dt.timedelta(days=20))  # no flag
    visit(worker_a, small.households[5], timezone.now() - dt.timedelta(days=400), flags=[VisitFlag.HARDSHIP])
    created = ok(_round(bearer_client(community_staff), small.grids[0], only_flagged=True), 201)
    assert created["only_flagged"] is True and created["listed"] == 2
    listed = ok(bearer_client(community_staff).get(f"/api/v1/assistance/rounds/{created['id']}/households"))
    assert {h["household"]["id"] for h in listed["items"]} == {in_database.household_id, small.households[3].pk}


def test_a_campaign_is_created_paired_within_and_read_with_its_pairs_and_helpers_names(
    small, worker_a, community_staff
):
    client = bearer_client(community_staff)
    campaign = ok(_campaign(client, small.communities[0]), 201)
    assert campaign["current_pairs"] == 0
    d1 = dossier(worker_a, small.households[0], ("care", URGENT))
    d2 = dossier(worker_a, small.households[1])
    member, _u = member_with_account(small, "李党员")
    volunteer, _v = volunteer_with_account(small, "王志愿")
    org = social_org(community_staff, small.communities[0])
    for d, kind, helper in ((d1, "member", member.pk), (d1, "volunteer", volunteer.pk), (d2, "social_org", org.pk)):
        body = {"dossier": d.pk, "helper": {"kind": kind, "id": helper}, "campaign": campaign["id"]}
        pair = ok(client.post("/api/v1/assistance/pairings", body, content_type=JSON), 201)
        assert pair["campaign"] == campaign["id"]
    read = ok(client.get(f"/api/v1/assistance/campaigns/{campaign['id']}"))
    assert read["current_pairs"] == 3
    assert {(p["helper_kind"], p["helper_name"], p["household"]["id"]) for p in read["pairs"]} == {
        ("member", "李党员", d1.household_id),
        ("volunteer", "王志愿", d1.household_id),
        ("social_org", org.name, d2.household_id),
    }
    # Another community's campaign cannot be named by worker_a's pairing.
    other = actions.create_campaign(community_staff, area=small.communities[0], name="x", starts_on=TODAY())
    body = {"dossier": d2.pk, "helper": {"kind": "member", "id": member.pk}, "campaign": other.pk}
    assert_error(bearer_client(worker_a).post("/api/v1/assistance/pairings", body, content_type=JSON), 404, "not_found")


def test_a_member_declares_their_own_skills_and_the_keepers_of_their_home_theirs(small, worker_a, worker_b):
    member, member_user = member_with_account(small, "李党员", home=small.households[0])
    url = f"/api/v1/assistance/helpers/member/{member.pk}/skills"
    mine = ok(bearer_client(member_user).put(url, {"kinds": ["medical", "care"]}, content_type=JSON))
    assert mine == {"helper_kind": "member", "helper_id": member.pk, "kinds": ["medical", "care"]}
    ok(bearer_client(worker_a).put(url, {"kinds": ["legal"]}, content_type=JSON))
    assert queries.helper_skills("member", member.pk) == ["legal"]
    assert_error(bearer_client(worker_b).put(url, {"kinds": []}, content_type=JSON), 404, "not_found")
    unknown = "/api/v1/assistance/helpers/member/999999/skills"
    assert_error(bearer_client(worker_a).put(unknown, {"kinds": []}, content_type=JSON), 400, "helper_unknown")


def test_the_lists_and_reads_take_as_many_queries_with_more_rounds_campaigns_and_pairs(
    small, community_staff, worker_a
):
    client = bearer_client(community_staff)
    campaign = actions.create_campaign(community_staff, area=small.communities[0], name="c", starts_on=TODAY())
    runs = []
    for n in (1, 3):
        for i in range(n):
            survey = actions.create_survey_round(
                community_staff, area=small.grids[i % 2], name=f"r{n}{i}", starts_on=TODAY(), ends_on=TODAY()
            )
            actions.create_campaign(community_staff, area=small.grids[i % 2], name=f"c{n}{i}", starts_on=TODAY())
            d = dossier(worker_a, small.households[len(runs) * 3 + i])
            helper, _u = member_with_account(small, f"党员{n}{i}")
            actions.pair_helper(community_staff, d, kind="member", helper_id=helper.pk, campaign=campaign)
            volunteer, _v = volunteer_with_account(small, f"志愿{n}{i}")
            actions.pair_helper(community_staff, d, kind="volunteer", helper_id=volunteer.pk, campaign=campaign)
        with count_queries() as q:
            ok(client.get("/api/v1/assistance/rounds"))
            ok(client.get("/api/v1/assistance/campaigns"))
            ok(client.get(f"/api/v1/assistance/rounds/{survey.pk}/households"))
            ok(client.get(f"/api/v1/assistance/campaigns/{campaign.pk}"))
        runs.append(q)
    assert_flat(*runs)
