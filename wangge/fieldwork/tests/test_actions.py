"""The actions of field work beyond the API: edits where the later one wins and the other is kept,
cases raised from a check-in or a visit, the grid team, and the district's patrols per day."""

import datetime as dt
import io
import uuid

import pytest
from PIL import Image

from wangge.accounts.models import AuditAction, AuditEvent, Role
from wangge.cases.models import Attachment, Case, Channel
from wangge.conftest import make_persona
from wangge.fieldwork import actions
from wangge.fieldwork.models import Checkin, RecordVersion, Visit
from wangge.fieldwork.queries import grid_team
from wangge.fieldwork.signals import visit_flagged
from wangge.fieldwork.tests.factories import WORKING_MONDAY, at, briefing, patrol, visit
from wangge.lib.errors import DomainError
from wangge.orgs.actions import create_zone
from wangge.people.actions.registry import PersonInput, add_workers, create_person, register_members


def _code(call) -> str:
    with pytest.raises(DomainError) as raised:
        call()
    return raised.value.code


def test_a_later_edit_wins_and_the_replaced_version_is_kept_in_the_history(small, worker_a, community_staff):
    kept = patrol(worker_a, small.grids[0], WORKING_MONDAY, [small.buildings[0]])
    later = kept.updated_at + dt.timedelta(minutes=5)
    edited, won = actions.edit_record(community_staff, kept, {"findings": "井盖缺失"}, later)
    assert won and edited.findings == "井盖缺失" and edited.updated_at == later
    (version,) = RecordVersion.objects.all()
    assert (version.kind, version.record_id, version.edited_by) == ("patrol", kept.pk, worker_a)
    data = actions.version_data(version)
    assert data["findings"] == "" and data["checkins"][0]["building"] == small.buildings[0].pk


def test_an_earlier_edit_loses_and_is_kept_whole_in_the_history(small, worker_a, community_staff):
    record = visit(worker_a, small.households[0], at(WORKING_MONDAY), needs="助餐")
    earlier = record.updated_at - dt.timedelta(hours=1)
    unchanged, won = actions.edit_record(community_staff, record, {"needs": "手机上的旧改动"}, earlier)
    assert not won and actions.visit_text(unchanged)["needs"] == "助餐"
    (version,) = RecordVersion.objects.all()
    assert version.edited_by == community_staff and version.edited_at == earlier
    assert actions.version_data(version)["needs"] == "手机上的旧改动"
    assert "手机上的旧改动".encode() not in bytes(version.data_encrypted)


def test_an_edit_of_a_checkin_outside_the_grid_is_refused_and_changes_nothing(small, worker_a):
    record = patrol(worker_a, small.grids[0], WORKING_MONDAY, [small.buildings[0]])
    later = record.updated_at + dt.timedelta(minutes=1)
    bad = {"checkins": [{"building": small.buildings[2].pk, "at": at(WORKING_MONDAY)}]}
    assert _code(lambda: actions.edit_record(worker_a, record, bad, later)) == "checkin_outside_grid"
    assert list(record.checkins.values_list("building_id", flat=True)) == [small.buildings[0].pk]
    assert not RecordVersion.objects.exists()


def test_an_edit_keeps_the_checkins_and_tasks_it_names_again_and_never_drops_one_with_a_case(
    small, worker_a, catalogue
):
    b0, b1 = small.buildings[0], small.buildings[1]
    record = patrol(worker_a, small.grids[0], WORKING_MONDAY, [b0, b1])
    first, second = record.checkins.order_by("building_id")
    case = actions.raise_case_from_checkin(worker_a, first, catalogue["SZ02"], "井盖缺失")
    later = record.updated_at + dt.timedelta(minutes=5)
    # The phone's edit names the second check-in again with a note and leaves the first out.
    edit = {"checkins": [{"building": b1.pk, "at": second.at.isoformat(), "note": "已清理"}]}
    actions.edit_record(worker_a, record, edit, later)
    kept = {c.pk: c for c in record.checkins.all()}
    assert set(kept) == {first.pk, second.pk}
    assert kept[first.pk].case_id == case.pk and kept[second.pk].note == "已清理"
    # Without a case, a check-in the edit leaves out goes.
    actions.edit_record(worker_a, record, {"checkins": []}, later + dt.timedelta(minutes=1))
    assert list(record.checkins.values_list("pk", flat=True)) == [first.pk]

    held = briefing(
        worker_a, small.grids[0], WORKING_MONDAY, tasks=[actions.TaskData("清理楼道"), actions.TaskData("走访")]
    )
    with_case, plain = held.tasks.order_by("pk")
    actions.raise_case_from_task(worker_a, with_case, catalogue["SZ02"], b0)
    actions.edit_record(
        worker_a, held, {"tasks": [{"text": "走访"}, {"text": "新任务"}]}, held.updated_at + dt.timedelta(minutes=1)
    )
    texts = dict(held.tasks.values_list("text", "pk"))
    assert texts == {"清理楼道": with_case.pk, "走访": plain.pk, "新任务": texts["新任务"]}


def _photo() -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, "JPEG")
    out.seek(0)
    return out


def test_a_new_record_keeps_the_phones_edit_time_and_an_overlong_text_is_refused(small, worker_a):
    phone_time = at(WORKING_MONDAY, 7)
    record, created = actions.record_briefing(
        worker_a, uuid=uuid.uuid4(), grid=small.grids[0], date=WORKING_MONDAY, updated_at=phone_time
    )
    assert created and record.updated_at == phone_time and record.updated_by == worker_a
    too_long = "户" * 201
    call = lambda: visit(worker_a, small.households[0], at(WORKING_MONDAY), met=too_long)  # noqa: E731
    assert _code(call) == "text_too_long"


def test_an_edit_that_flags_a_household_is_announced_after_commit(
    small, worker_a, community_staff, django_capture_on_commit_callbacks
):
    record = visit(worker_a, small.households[0], at(WORKING_MONDAY))
    heard = []

    def receiver(sender, visit, flags, **kwargs):
        heard.append(flags)

    visit_flagged.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            actions.edit_record(
                community_staff, record, {"flags": ["elderly_alone"]}, record.updated_at + dt.timedelta(1)
            )
    finally:
        visit_flagged.disconnect(receiver)
    assert heard == [["elderly_alone"]]
    (version,) = RecordVersion.objects.all()
    assert actions.version_data(version)["flags"] == [] and version.edited_by == worker_a


def test_a_briefings_task_becomes_a_case_at_a_building_of_its_grid(small, worker_a, catalogue):
    record = briefing(worker_a, small.grids[0], WORKING_MONDAY, tasks=[actions.TaskData("清理楼道堆物")])
    task = record.tasks.get()
    outside = lambda: actions.raise_case_from_task(worker_a, task, catalogue["SZ02"], small.buildings[2])  # noqa: E731
    assert _code(outside) == "place_outside_grid"
    case = actions.raise_case_from_task(worker_a, task, catalogue["SZ02"], small.buildings[1])
    assert (case.description, case.building_id) == ("清理楼道堆物", small.buildings[1].pk)
    task.refresh_from_db()
    assert task.case_id == case.pk
    assert actions.raise_case_from_task(worker_a, task, catalogue["SZ02"], small.buildings[1]) == case


def test_a_problem_at_a_checkin_becomes_a_case_at_its_building_with_its_photo_once(small, worker_a, catalogue, media):
    record = patrol(worker_a, small.grids[0], WORKING_MONDAY, [small.buildings[1]])
    checkin = record.checkins.get()
    case = actions.raise_case_from_checkin(worker_a, checkin, catalogue["SZ02"], "楼道堵塞", photo=_photo())
    assert (case.channel, case.building_id, case.grid_id) == (Channel.PATROL, small.buildings[1].pk, small.grids[0].pk)
    assert Attachment.objects.filter(case=case).count() == 1
    checkin.refresh_from_db()
    assert checkin.case_id == case.pk
    assert actions.raise_case_from_checkin(worker_a, checkin, catalogue["SZ02"], "again") == case
    assert Case.objects.count() == 1


def test_a_visit_raises_a_case_at_the_households_building(small, worker_a, catalogue):
    record = visit(worker_a, small.households[4], at(WORKING_MONDAY))
    case = actions.raise_case_from_visit(worker_a, record, catalogue["SZ02"], "漏水")
    assert (case.channel, case.building_id) == (Channel.VISIT, small.households[4].building_id)


def test_a_stale_copy_of_a_checkin_or_visit_answers_the_case_already_filed(small, worker_a, catalogue, media):
    checkin = patrol(worker_a, small.grids[0], WORKING_MONDAY, [small.buildings[1]]).checkins.get()
    stale_checkin = Checkin.objects.get(pk=checkin.pk)
    first = actions.raise_case_from_checkin(worker_a, checkin, catalogue["SZ02"], "楼道堵塞")
    assert actions.raise_case_from_checkin(worker_a, stale_checkin, catalogue["SZ02"], "again") == first
    record = visit(worker_a, small.households[4], at(WORKING_MONDAY))
    stale_visit = Visit.objects.get(pk=record.pk)
    second = actions.raise_case_from_visit(worker_a, record, catalogue["SZ02"], "漏水")
    assert actions.raise_case_from_visit(worker_a, stale_visit, catalogue["SZ02"], "again") == second
    assert stale_checkin.case == first and stale_visit.case == second
    assert Case.objects.count() == 2


def test_another_grids_worker_cannot_raise_a_case_from_a_checkin(small, worker_a, worker_b, catalogue):
    checkin = patrol(worker_a, small.grids[0], WORKING_MONDAY, [small.buildings[0]]).checkins.get()
    assert _code(lambda: actions.raise_case_from_checkin(worker_b, checkin, catalogue["SZ02"], "x")) == "not_found"


def test_the_grid_team_gathers_roles_workers_and_members_serving_the_grid(small, worker_a, worker_b):
    grid = small.grids[0]
    secretary = make_persona("sec_a", Role.GRID_SECRETARY, grid)
    leader = make_persona("leader_a", Role.GRID_LEADER, grid)
    person = create_person(
        None, district=small.district, data=PersonInput(name="张网格", household=small.households[0])
    )
    (profile,) = add_workers(None, [(person, "grid_worker", grid)])
    member_person = create_person(None, district=small.district, data=PersonInput(name="李党员"))
    (member,) = register_members(None, [(member_person, "party", small.communities[0])])
    create_zone(None, member=member, name="1号楼责任区", areas=[small.buildings[0], small.households[1]])
    team = grid_team(grid)
    assert (team.secretaries, team.leaders, team.workers) == ([secretary], [leader], [worker_a])
    assert team.worker_profiles == [profile] and team.members == [member]
    assert grid_team(small.grids[2]).members == [] and grid_team(small.grids[2]).workers == [worker_b]


def test_only_the_district_administrator_sets_the_patrols_per_day(small, district_admin, community_staff):
    assert _code(lambda: actions.set_patrols_per_day(community_staff, small.district, 1)) == "not_found"
    assert _code(lambda: actions.set_patrols_per_day(district_admin, small.district, 7)) == "patrols_per_day_invalid"
    actions.set_patrols_per_day(district_admin, small.district, 3)
    assert AuditEvent.objects.filter(action=AuditAction.ORG_SETTINGS_CHANGED, actor=district_admin).count() == 1
