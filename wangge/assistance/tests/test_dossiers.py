"""Dossiers: opening, history, needs and re-assessment, pairs and helps, scope and audit, the
flagged visit, encryption at rest."""

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.utils import timezone

from wangge.accounts.models import AuditAction, AuditEvent
from wangge.assistance import actions, queries
from wangge.assistance.errors import AssistanceError
from wangge.assistance.models import (
    REASSESS_DAYS,
    REASSESS_DAYS_MOST_URGENT,
    Dossier,
    DossierEvent,
    DossierState,
    EventKind,
    HelperKind,
    Need,
    NeedKind,
    NeedState,
    Priority,
    Source,
)
from wangge.assistance.tests.factories import (
    SENTENCE,
    URGENT,
    dossier,
    help_,
    member_with_account,
    pair,
    social_org,
    volunteer_with_account,
)
from wangge.fieldwork.queries import visit_plan
from wangge.fieldwork.tests.factories import visit
from wangge.lib.errors import DomainError
from wangge.lib.testing import assert_flat, count_queries


def test_a_dossier_keeps_its_situation_causes_and_needs_encrypted_and_reads_them_back(small, worker_a):
    d = dossier(worker_a, small.households[0], ("medical", URGENT), situation=SENTENCE, causes=["illness"])
    assert d.state == DossierState.NEW and d.sources == [Source.SELF_REPORT]
    assert actions.dossier_text(d) == {"situation": SENTENCE, "causes": ["illness"]}
    (need,) = d.needs.all()
    assert actions.need_text(need)["kind"] == "medical" and need.priority == URGENT
    assert SENTENCE.encode() not in bytes(d.situation_encrypted)


def test_a_most_urgent_need_brings_the_reassessment_within_30_days_and_ordinary_ones_90(small, worker_a):
    today = timezone.localdate()
    ordinary = dossier(worker_a, small.households[0], ("goods", Priority.ORDINARY))
    assert ordinary.reassess_on == today + dt.timedelta(days=REASSESS_DAYS)
    actions.add_need(worker_a, ordinary, actions.NeedData("care", URGENT))
    ordinary.refresh_from_db()
    assert ordinary.reassess_on == today + dt.timedelta(days=REASSESS_DAYS_MOST_URGENT)


def test_every_change_is_kept_in_the_history_with_who_and_why(small, worker_a, community_staff):
    d = dossier(worker_a, small.households[0], ("money", Priority.HARDEST), situation="旧情况")
    actions.change_dossier(community_staff, d, situation="新情况", reason="复核后更新")
    actions.change_dossier(worker_a, d, state=DossierState.STABILISED, reason="收入恢复")
    events = list(DossierEvent.objects.filter(dossier=d).order_by("pk"))
    assert [e.kind for e in events] == [
        EventKind.OPENED,
        EventKind.NEED_ADDED,
        EventKind.CHANGED,
        EventKind.STATE_CHANGED,
    ]
    assert events[2].actor == community_staff and events[2].fields == ["situation"]
    assert actions.event_detail(events[2]) == {"reason": "复核后更新", "situation": "新情况"}
    assert actions.event_detail(events[3])["state"] == {"from": "new", "to": "stabilised"}
    changed = AuditEvent.objects.filter(action=AuditAction.DOSSIER_CHANGED, object_id=str(d.pk))
    assert changed.count() == 4 and "新情况" not in str(list(changed.values_list("detail", flat=True)))


def test_a_change_of_state_without_a_reason_is_refused(small, worker_a):
    d = dossier(worker_a, small.households[0])
    with pytest.raises(DomainError) as refused:
        actions.change_dossier(worker_a, d, state=DossierState.CLOSED, reason=" ")
    assert refused.value.code == AssistanceError.ASSISTANCE_REASON_REQUIRED


def test_a_need_that_cannot_be_met_says_why_and_a_met_one_is_dated(small, worker_a):
    d = dossier(worker_a, small.households[0], ("housing", Priority.HARDEST), ("jobs", Priority.MOST_HOPED))
    housing, jobs = d.needs.order_by("pk")
    with pytest.raises(DomainError):
        actions.change_need(worker_a, housing, state=NeedState.CANNOT_BE_MET)
    housing = actions.change_need(worker_a, housing, state=NeedState.CANNOT_BE_MET, reason="不符合廉租房条件")
    assert actions.need_text(housing)["reason"] == "不符合廉租房条件"
    jobs = actions.change_need(worker_a, jobs, state=NeedState.MET)
    assert jobs.met_at is not None


def test_a_grid_worker_of_another_grid_a_supervisor_and_a_resident_cannot_open_a_dossier(
    small, worker_b, supervisor, resident
):
    for user, code in ((worker_b, "not_found"), (supervisor, "assistance_forbidden"), (resident, "not_found")):
        with pytest.raises(DomainError) as refused:
            dossier(user, small.households[0])
        assert refused.value.code == code
    assert not Dossier.objects.exists()


def test_dossiers_are_seen_by_the_grid_team_community_and_district_but_not_another_grid(
    small, worker_a, worker_b, community_staff, district_admin, supervisor
):
    d = dossier(worker_a, small.households[0])
    assert all(
        queries.visible_dossiers(u).filter(pk=d.pk).exists() for u in (worker_a, community_staff, district_admin)
    )
    assert not any(queries.visible_dossiers(u).filter(pk=d.pk).exists() for u in (worker_b, supervisor))


def test_opening_a_households_dossier_again_adds_to_the_one_it_has(small, worker_a):
    first = dossier(worker_a, small.households[0], ("money", Priority.ORDINARY))
    again = dossier(worker_a, small.households[0], ("care", URGENT), source=Source.SURVEY, causes=["disability"])
    assert again.pk == first.pk and Dossier.objects.count() == 1
    assert again.sources == [Source.SELF_REPORT, Source.SURVEY]
    assert Need.objects.filter(dossier=first).count() == 2
    assert actions.dossier_text(Dossier.objects.get(pk=first.pk))["causes"] == ["disability"]


def test_a_flagged_visit_opens_a_dossier_once_and_a_second_visit_adds_to_it(
    small, worker_a, django_capture_on_commit_callbacks
):
    household = small.households[0]
    with django_capture_on_commit_callbacks(execute=True):
        first = visit(worker_a, household, timezone.now(), flags=["hardship"])
    d = Dossier.objects.get(household=household)
    assert d.state == DossierState.NEW and d.sources == [Source.VISIT]
    actions.take_up_visit(first, ["hardship"])  # the signal sent again changes nothing
    assert DossierEvent.objects.filter(kind=EventKind.VISIT_FLAGGED).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        visit(worker_a, household, timezone.now(), flags=["elderly_alone"])
    assert Dossier.objects.count() == 1
    assert DossierEvent.objects.filter(dossier=d, kind=EventKind.VISIT_FLAGGED).count() == 2


def test_households_with_a_dossier_come_first_in_the_grids_visit_plan(small, worker_a):
    last = small.households[5]
    dossier(worker_a, last)
    plan = list(visit_plan(small.grids[0]))
    assert plan[0].pk == last.pk


def test_households_with_an_open_most_urgent_need_come_before_other_households_in_difficulty(small, worker_a):
    urgent, hoped, met = small.households[5], small.households[4], small.households[3]
    dossier(worker_a, hoped, ("money", Priority.MOST_HOPED))
    dossier(worker_a, urgent, ("medical", URGENT))
    done = dossier(worker_a, met, ("care", URGENT))
    need = Need.objects.get(dossier=done)
    actions.change_need(worker_a, need, state=NeedState.MET)
    visit(worker_a, hoped, timezone.now())  # visited recently: still before every household not in difficulty

    plan = list(visit_plan(small.grids[0]))

    assert [h.pk for h in plan[:3]] == [urgent.pk, met.pk, hoped.pk]
    assert [h.visit_first for h in plan[:4]] == [True, True, True, False]
    assert plan[0].priority < plan[1].priority == plan[2].priority < plan[3].priority


def test_a_member_is_paired_and_a_new_dossier_becomes_being_helped(small, worker_a):
    d = dossier(worker_a, small.households[0])
    profile, _user = member_with_account(small, "李党员")
    p = pair(worker_a, d, profile)
    d.refresh_from_db()
    assert d.state == DossierState.BEING_HELPED and p.ended_on is None
    with pytest.raises(DomainError) as twice:
        pair(worker_a, d, profile)
    assert twice.value.code == AssistanceError.ALREADY_PAIRED


def test_a_volunteer_and_a_social_organisation_are_paired_and_an_unknown_helper_is_refused(
    small, worker_a, community_staff
):
    d = dossier(worker_a, small.households[0])
    person, volunteer_user = volunteer_with_account(small, "王志愿")
    org = social_org(community_staff, small.communities[0])
    by_volunteer = actions.pair_helper(worker_a, d, kind=HelperKind.VOLUNTEER, helper_id=person.pk)
    actions.pair_helper(worker_a, d, kind=HelperKind.SOCIAL_ORG, helper_id=org.pk)
    assert list(queries.helper_pairs(volunteer_user)) == [by_volunteer]
    names = queries.helper_names(list(d.pairs.all()))
    assert names == {(HelperKind.VOLUNTEER, person.pk): "王志愿", (HelperKind.SOCIAL_ORG, org.pk): org.name}
    plain, _plain_user = member_with_account(small, "普通人")  # a person without the volunteer role
    with pytest.raises(DomainError) as not_a_volunteer:
        actions.pair_helper(worker_a, d, kind=HelperKind.VOLUNTEER, helper_id=plain.person_id)
    assert not_a_volunteer.value.code == AssistanceError.HELPER_UNKNOWN
    with pytest.raises(DomainError) as unknown:
        actions.pair_helper(worker_a, d, kind=HelperKind.MEMBER, helper_id=999999)
    assert unknown.value.code == AssistanceError.HELPER_UNKNOWN


def test_a_pair_ends_with_a_reason_and_nothing_more_is_recorded_on_it(small, worker_a):
    d = dossier(worker_a, small.households[0], ("care", URGENT))
    profile, member_user = member_with_account(small, "李党员")
    p = pair(worker_a, d, profile)
    need = actions.change_need(worker_a, d.needs.get(), pair_id=p.pk)
    ended = actions.end_pair(worker_a, p, "党员调离本区")
    assert ended.ended_on == timezone.localdate()
    assert Need.objects.get(pk=need.pk).pair_id is None
    with pytest.raises(DomainError) as refused:
        help_(worker_a, d, pair=ended)
    assert refused.value.code == AssistanceError.PAIR_ENDED


def test_a_paired_member_records_a_help_on_their_pair_once_per_uuid_and_others_cannot(small, worker_a, worker_b):
    d = dossier(worker_a, small.households[0], ("care", URGENT))
    profile, member_user = member_with_account(small, "李党员")
    p = pair(worker_a, d, profile)
    need = d.needs.get()
    key = uuid.uuid4()
    kwargs = {"uuid": key, "dossier": d, "given_on": timezone.localdate(), "what": "陪同就医", "pair": p, "need": need}
    first, created = actions.record_help(member_user, **kwargs)
    again, created_again = actions.record_help(member_user, **kwargs)
    assert created and not created_again and again.pk == first.pk
    assert actions.help_text(first) == "陪同就医"
    assert Need.objects.get(pk=need.pk).state == NeedState.BEING_MET
    with pytest.raises(DomainError) as outside:
        actions.record_help(worker_b, **{**kwargs, "uuid": uuid.uuid4()})
    assert outside.value.code == "not_found"
    other, other_user = member_with_account(small, "张党员")
    with pytest.raises(DomainError):
        actions.record_help(other_user, **{**kwargs, "uuid": uuid.uuid4()})


def test_suggestions_put_the_member_of_the_households_own_building_first_then_the_least_loaded(small, worker_a):
    household = small.households[0]
    d = dossier(worker_a, household)
    far, _u1 = member_with_account(small, "远党员", home=small.households[-1])
    near, _u2 = member_with_account(small, "近党员", home=small.households[1])  # same building
    busy, _u3 = member_with_account(small, "忙党员", home=small.households[2])  # same building, one pair
    pair(worker_a, dossier(worker_a, small.households[3]), busy)
    found = queries.suggestions(d)
    assert [(s.name, s.distance, s.load) for s in found][:3] == [("近党员", 0, 0), ("忙党员", 0, 1), ("远党员", 3, 0)]


def test_suggestions_move_a_helper_whose_skills_meet_a_need_up_and_a_loaded_helper_down(
    small, worker_a, community_staff
):
    household = small.households[0]
    d = dossier(worker_a, household, ("medical", URGENT))
    grid_mate, _u1 = member_with_account(small, "同网格", home=small.households[5])  # same grid, distance 1
    doctor, doctor_user = member_with_account(small, "医生党员", home=small.households[-1])  # distance 3
    volunteer, _u2 = volunteer_with_account(small, "护理志愿者", home=small.households[4])  # same grid
    assert [(s.name, s.distance, s.skilled) for s in queries.suggestions(d)][:2] == [
        ("同网格", 1, False),
        ("护理志愿者", 1, False),
    ]
    # A skill that meets the household's need moves the doctor (3) two steps up, level with the
    # volunteer (the nearer first) and before the grid mate with two pairs.
    actions.set_helper_skills(
        doctor_user, district=small.district, kind=HelperKind.MEMBER, helper_id=doctor.pk, kinds=["medical"]
    )
    # The volunteer's skill is one the household does not need: no step.
    actions.set_helper_skills(
        community_staff, district=small.district, kind=HelperKind.VOLUNTEER, helper_id=volunteer.pk, kinds=["legal"]
    )
    for other in small.households[1:3]:  # two current pairs: two steps down
        pair(worker_a, dossier(worker_a, other), grid_mate)
    found = [(s.kind, s.name, s.skilled, s.load, s.score) for s in queries.suggestions(d)][:3]
    assert found == [
        (HelperKind.VOLUNTEER, "护理志愿者", False, 0, 1),
        (HelperKind.MEMBER, "医生党员", True, 0, 1),
        (HelperKind.MEMBER, "同网格", False, 2, 3),
    ]


def test_skills_are_declared_by_the_helper_or_the_keepers_of_their_place_only(small, worker_a, worker_b):
    member, member_user = member_with_account(small, "李党员", home=small.households[0])
    other, _other_user = member_with_account(small, "张党员")
    kinds = actions.set_helper_skills(
        worker_a, district=small.district, kind=HelperKind.MEMBER, helper_id=member.pk, kinds=["care", "care", "legal"]
    )
    assert kinds == ["care", "legal"] and queries.helper_skills(HelperKind.MEMBER, member.pk) == ["care", "legal"]
    actions.set_helper_skills(
        member_user, district=small.district, kind=HelperKind.MEMBER, helper_id=member.pk, kinds=["jobs"]
    )
    assert queries.helper_skills(HelperKind.MEMBER, member.pk) == ["jobs"]
    with pytest.raises(DomainError) as outside:  # worker B keeps another grid
        actions.set_helper_skills(
            worker_b, district=small.district, kind=HelperKind.MEMBER, helper_id=member.pk, kinds=[]
        )
    assert outside.value.code == "not_found"
    with pytest.raises(DomainError) as not_theirs:
        actions.set_helper_skills(
            member_user, district=small.district, kind=HelperKind.MEMBER, helper_id=other.pk, kinds=[]
        )
    assert not_theirs.value.code == "not_found"
    with pytest.raises(DomainError) as unknown:
        actions.set_helper_skills(
            worker_a, district=small.district, kind=HelperKind.MEMBER, helper_id=member.pk, kinds=["x"]
        )
    assert unknown.value.code == AssistanceError.UNKNOWN_CHOICE


def test_the_worklist_orders_needs_by_priority_class_then_waiting_time(small, worker_a):
    old = dossier(worker_a, small.households[0], ("money", Priority.ORDINARY), ("goods", Priority.HARDEST))
    new = dossier(worker_a, small.households[1], ("care", URGENT), ("jobs", Priority.MOST_HOPED))
    Need.objects.filter(dossier=old).update(opened_at=timezone.now() - dt.timedelta(days=40))
    dossier(worker_a, small.households[2], ("medical", URGENT))  # waiting least
    Need.objects.filter(dossier=new).update(opened_at=timezone.now() - dt.timedelta(days=5))
    needs = queries.worklist(small.grids[0]).needs
    assert [(n.dossier.household_id, n.priority) for n in needs] == [
        (small.households[1].pk, URGENT),
        (small.households[2].pk, URGENT),
        (small.households[1].pk, Priority.MOST_HOPED),
        (small.households[0].pk, Priority.HARDEST),
        (small.households[0].pk, Priority.ORDINARY),
    ]
    assert queries.worklist(small.grids[2]).needs == []


def test_the_worklist_lists_dossiers_due_and_pairs_without_a_help_for_60_days(small, worker_a):
    d = dossier(worker_a, small.households[0])
    profile, _u = member_with_account(small, "李党员")
    p = pair(worker_a, d, profile)
    today = timezone.localdate()
    later = today + dt.timedelta(days=REASSESS_DAYS + 1)
    assert queries.worklist(small.grids[0], today).due == []
    assert [x.pk for x in queries.worklist(small.grids[0], later).due] == [d.pk]
    assert [x.pk for x in queries.worklist(small.grids[0], later).idle_pairs] == [p.pk]
    help_(worker_a, d, pair=p)
    assert queries.worklist(small.grids[0], today + dt.timedelta(days=59)).idle_pairs == []


def test_the_worklist_takes_the_same_queries_however_many_dossiers(small, worker_a):
    def run():
        with count_queries() as q:
            queries.worklist(small.grids[0])
        return q

    dossier(worker_a, small.households[0], ("money", URGENT))
    one = run()
    for h in small.households[1:6]:
        d = dossier(worker_a, h, ("care", URGENT), ("goods", Priority.ORDINARY))
        pair(worker_a, d, member_with_account(small, f"党员{h.pk}")[0])
    assert_flat(one, run(), at_most=3)


@pytest.mark.django_db(transaction=True)
def test_a_sentence_typed_into_a_dossier_is_nowhere_in_the_database_file_in_clear(small, worker_a, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the stored file is SQLite's (PostgreSQL: people/tests/test_pipl.py dumps it)")
    d = actions.open_dossier(
        worker_a,
        household=small.households[0],
        situation=SENTENCE,
        causes=["illness"],
        needs=[actions.NeedData(NeedKind.MEDICAL, URGENT, SENTENCE)],
    )
    actions.change_dossier(worker_a, d, situation=SENTENCE + "。", reason=SENTENCE)
    profile, _user = member_with_account(small, "李党员")
    p = pair(worker_a, d, profile)
    actions.record_help(worker_a, uuid=uuid.uuid4(), dossier=d, given_on=timezone.localdate(), what=SENTENCE, pair=p)
    actions.end_pair(worker_a, p, SENTENCE)
    copy = tmp_path / "copy.sqlite3"
    with connection.cursor() as cursor:
        cursor.execute("VACUUM INTO %s", [str(copy)])
    raw = copy.read_bytes()
    assert SENTENCE.encode() not in raw and SENTENCE[:8].encode() not in raw
    # The search is meaningful: the rows are there, with the household's name in clear.
    assert small.households[0].name.encode() in raw and b"most_urgent" in raw


def test_a_survey_round_lists_the_areas_households_and_counts_those_seen(small, worker_a, worker_b, community_staff):
    today = timezone.localdate()
    survey = actions.create_survey_round(
        community_staff, area=small.communities[0], name="2026年冬季摸排", starts_on=today, ends_on=today
    )
    assert queries.survey_progress(survey) == (0, 12)
    d = dossier(worker_a, small.households[0])
    row = actions.mark_surveyed(worker_a, survey, small.households[0], today)
    assert row.dossier_id == d.pk and queries.survey_progress(survey) == (1, 12)
    with pytest.raises(DomainError) as outside:
        actions.mark_surveyed(worker_b, survey, small.households[0], today)
    assert outside.value.code == "not_found"
    with pytest.raises(DomainError) as building:
        actions.create_survey_round(worker_a, area=small.buildings[0], name="x", starts_on=today, ends_on=today)
    assert building.value.code == AssistanceError.AREA_NOT_COVERAGE


def test_a_pair_made_in_a_campaign_names_it(small, worker_a, community_staff):
    campaign = actions.create_campaign(
        community_staff, area=small.communities[0], name="千帮千", starts_on=timezone.localdate()
    )
    profile, _u = member_with_account(small, "李党员")
    d = dossier(worker_a, small.households[0])
    p = actions.pair_helper(worker_a, d, kind=HelperKind.MEMBER, helper_id=profile.pk, campaign=campaign)
    assert p.campaign_id == campaign.pk and list(campaign.pairs.all()) == [p]
