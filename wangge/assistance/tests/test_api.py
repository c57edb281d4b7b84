"""REST: opening, listing and reading dossiers (audited, scoped), pairing, helps once per uuid,
the paired helper's limited view, and coverage."""

import uuid

from django.utils import timezone

from wangge.accounts.models import AuditAction, AuditEvent
from wangge.api.testing import assert_error, bearer_client
from wangge.assistance import actions
from wangge.assistance.models import Dossier, Help, NeedState
from wangge.assistance.tests.factories import SENTENCE, URGENT, dossier, member_with_account, pair
from wangge.cases.tests.factories import ok
from wangge.lib.testing import assert_flat, count_queries

JSON = "application/json"


def _open(client, household, **extra):
    body = {
        "household": household.pk,
        "situation": SENTENCE,
        "causes": ["illness", "elderly_alone"],
        "needs": [{"kind": "medical", "priority": "most_urgent", "note": "每周透析"}, {"kind": "goods"}],
        **extra,
    }
    return client.post("/api/v1/assistance/dossiers", body, content_type=JSON)


def test_a_grid_worker_opens_a_dossier_and_reads_it_whole_each_reading_audited(small, worker_a):
    client = bearer_client(worker_a)
    body = ok(_open(client, small.households[0]), 201)
    assert body["situation"] == SENTENCE and body["causes"] == ["illness", "elderly_alone"]
    assert [(n["kind"], n["priority"], n["state"]) for n in body["needs"]] == [
        ("medical", "most_urgent", "open"),
        ("goods", "ordinary", "open"),
    ]
    again = ok(client.get(f"/api/v1/assistance/dossiers/{body['id']}"))
    assert again["situation"] == SENTENCE
    viewed = AuditEvent.objects.filter(action=AuditAction.DOSSIER_VIEWED, object_id=str(body["id"]), actor=worker_a)
    assert viewed.count() == 2


def test_another_grids_worker_a_supervisor_and_a_resident_do_not_find_the_dossier(
    small, worker_a, worker_b, supervisor, resident
):
    d = dossier(worker_a, small.households[0])
    for user in (worker_b, supervisor, resident):
        client = bearer_client(user)
        assert_error(client.get(f"/api/v1/assistance/dossiers/{d.pk}"), 404, "not_found")
        assert ok(client.get("/api/v1/assistance/dossiers"))["count"] == 0
        assert_error(_open(client, small.households[0]), 404, "not_found")
        body = {"dossier": d.pk, "helper": {"kind": "member", "id": 1}}
        assert_error(client.post("/api/v1/assistance/pairings", body, content_type=JSON), 404, "not_found")
    assert not AuditEvent.objects.filter(action=AuditAction.DOSSIER_VIEWED).exists()


def test_worker_b_keeps_their_own_grids_dossiers(small, worker_a, worker_b):
    dossier(worker_a, small.households[0])
    mine = ok(_open(bearer_client(worker_b), small.households[12]), 201)
    listed = ok(bearer_client(worker_b).get("/api/v1/assistance/dossiers"))
    assert [d["id"] for d in listed["items"]] == [mine["id"]]


def test_a_dossier_for_an_area_that_is_not_a_household_is_refused(small, worker_a):
    assert_error(_open(bearer_client(worker_a), small.buildings[0]), 400, "dossier_not_a_household")


def test_pairing_a_member_answers_201_twice_409_and_a_person_without_the_volunteer_role_400(small, worker_a):
    client = bearer_client(worker_a)
    d = dossier(worker_a, small.households[0])
    profile, _user = member_with_account(small, "李党员")
    body = {"dossier": d.pk, "helper": {"kind": "member", "id": profile.pk}}
    created = ok(client.post("/api/v1/assistance/pairings", body, content_type=JSON), 201)
    assert created["helper_kind"] == "member" and created["helper_id"] == profile.pk
    assert_error(client.post("/api/v1/assistance/pairings", body, content_type=JSON), 409, "already_paired")
    volunteer = {"dossier": d.pk, "helper": {"kind": "volunteer", "id": 1}}
    assert_error(client.post("/api/v1/assistance/pairings", volunteer, content_type=JSON), 400, "helper_unknown")


def test_the_paired_member_sees_only_the_address_and_open_needs_assigned_to_the_pair_never_the_causes(small, worker_a):
    d = dossier(worker_a, small.households[0], ("medical", URGENT), ("money", "hardest"), situation=SENTENCE)
    profile, member_user = member_with_account(small, "李党员")
    p = pair(worker_a, d, profile)
    medical, money = d.needs.order_by("pk")
    actions.change_need(worker_a, medical, pair_id=p.pk)
    body = ok(bearer_client(member_user).get(f"/api/v1/assistance/dossiers/{d.pk}"))
    assert body["household"]["name"] == small.households[0].name
    assert body["situation"] is None and body["causes"] is None
    assert [n["id"] for n in body["needs"]] == [medical.pk] and SENTENCE not in str(body)
    assert AuditEvent.objects.filter(action=AuditAction.DOSSIER_VIEWED, actor=member_user).count() == 1
    actions.change_need(worker_a, medical, state=NeedState.MET)
    assert ok(bearer_client(member_user).get(f"/api/v1/assistance/dossiers/{d.pk}"))["needs"] == []
    other, other_user = member_with_account(small, "张党员")
    assert_error(bearer_client(other_user).get(f"/api/v1/assistance/dossiers/{d.pk}"), 404, "not_found")


def test_a_help_is_recorded_once_per_uuid_by_the_paired_member(small, worker_a, worker_b):
    d = dossier(worker_a, small.households[0], ("care", URGENT))
    profile, member_user = member_with_account(small, "李党员")
    p = pair(worker_a, d, profile)
    body = {
        "uuid": str(uuid.uuid4()),
        "dossier": d.pk,
        "given_on": timezone.localdate().isoformat(),
        "what": "陪同就医",
        "hours": "2.5",
        "pair": p.pk,
        "need": d.needs.get().pk,
    }
    client = bearer_client(member_user)
    first = ok(client.post("/api/v1/assistance/helps", body, content_type=JSON), 201)
    assert first["what"] == "陪同就医" and first["hours"] == 2.5
    assert ok(client.post("/api/v1/assistance/helps", body, content_type=JSON), 200) == first
    assert Help.objects.count() == 1
    other = {**body, "uuid": str(uuid.uuid4())}
    assert_error(bearer_client(worker_b).post("/api/v1/assistance/helps", other, content_type=JSON), 404, "not_found")


def test_coverage_counts_households_paired_visited_and_with_a_need_met(small, worker_a, worker_b, community_staff):
    from wangge.fieldwork.tests.factories import visit

    first = dossier(worker_a, small.households[0], ("care", URGENT))
    dossier(worker_a, small.households[1])
    profile, _u = member_with_account(small, "李党员")
    pair(worker_a, first, profile)
    actions.change_need(worker_a, first.needs.get(), state=NeedState.MET)
    visit(worker_a, small.households[1], timezone.now())
    expected = {"households": 2, "paired": 1, "visited_30d": 1, "need_met": 1}
    grid = small.grids[0]
    assert ok(bearer_client(worker_a).get(f"/api/v1/assistance/coverage?area={grid.pk}")) == expected
    community = small.communities[0]
    assert ok(bearer_client(community_staff).get(f"/api/v1/assistance/coverage?area={community.pk}")) == expected
    assert_error(bearer_client(worker_b).get(f"/api/v1/assistance/coverage?area={grid.pk}"), 404, "not_found")
    building = small.buildings[0]
    assert_error(
        bearer_client(worker_a).get(f"/api/v1/assistance/coverage?area={building.pk}"), 400, "area_not_coverage"
    )


def test_the_list_and_coverage_take_the_same_queries_however_many_dossiers(small, community_staff, worker_a):
    client = bearer_client(community_staff)
    area = small.communities[0]

    def run():
        with count_queries() as q:
            ok(client.get("/api/v1/assistance/dossiers"))
            ok(client.get(f"/api/v1/assistance/coverage?area={area.pk}"))
        return q

    dossier(worker_a, small.households[0], ("money", URGENT))
    one = run()
    for h in small.households[1:6]:
        d = dossier(worker_a, h, ("care", URGENT))
        pair(worker_a, d, member_with_account(small, f"党员{h.pk}")[0])
    assert_flat(one, run())
    assert Dossier.objects.count() == 6
