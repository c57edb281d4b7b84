"""What a visit learns and where it goes: the audited reveal of its needs and note, the registry
corrections a move or a death calls for, the notices to the members responsible for the
household (never a sensitive fact), and the visits in the residents' access report and
anonymisation."""

import datetime as dt
import uuid

import pytest
from django.core import mail
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from wangge.accounts.models import AuditAction, AuditEvent, Role, User
from wangge.cases.mail import send_case_email
from wangge.cases.models import Notification
from wangge.conftest import make_persona
from wangge.fieldwork import actions
from wangge.fieldwork.models import RecordVersion, Visit, VisitNotice
from wangge.fieldwork.notices import told_about
from wangge.fieldwork.tests.factories import WORKING_MONDAY, at, member, visit
from wangge.lib.errors import DomainError
from wangge.people.actions import access_report, anonymise_person
from wangge.people.models import HouseholdMember, Person, PersonCorrection, PersonStatus
from wangge.people.tests.factories import resident

NEEDS = "需要申请低保，家中老人卧床"
NOTE = "与邻居因漏水纠纷"
REASON = "安排居家养老上门服务"


def _error(call) -> DomainError:
    with pytest.raises(DomainError) as raised:
        call()
    return raised.value


# --- the audited reveal ---------------------------------------------------------------------------


def test_a_grid_worker_reveals_a_visits_needs_and_note_with_a_reason_and_the_reading_is_audited(small, worker_a):
    record = visit(worker_a, small.households[0], at(WORKING_MONDAY), needs=NEEDS, note=NOTE)
    clear = actions.reveal_visit(worker_a, record, REASON, ip_address="10.0.0.7")
    assert clear == {"needs": NEEDS, "note": NOTE}
    event = AuditEvent.objects.get(action=AuditAction.VISIT_REVEALED)
    assert (event.actor, event.object_id, event.ip_address) == (worker_a, str(record.pk), "10.0.0.7")
    assert event.detail == {"reason": REASON, "fields": ["needs", "note"]}
    assert NEEDS not in str(event.detail) and NOTE not in str(event.detail)


def test_a_reveal_without_a_reason_is_refused_and_not_audited(small, worker_a):
    record = visit(worker_a, small.households[0], at(WORKING_MONDAY), needs=NEEDS)
    assert _error(lambda: actions.reveal_visit(worker_a, record, "  ")).code == "reveal_reason_required"
    assert not AuditEvent.objects.filter(action=AuditAction.VISIT_REVEALED).exists()


def test_another_grids_worker_a_supervisor_and_a_resident_find_no_visit_to_reveal(
    small, worker_a, worker_b, supervisor, resident
):
    record = visit(worker_a, small.households[0], at(WORKING_MONDAY), needs=NEEDS)
    for user in (worker_b, supervisor, resident):
        assert _error(lambda user=user: actions.reveal_visit(user, record, REASON)).status == 404
    assert not AuditEvent.objects.filter(action=AuditAction.VISIT_REVEALED).exists()


# --- registry corrections -----------------------------------------------------------------------


def test_a_move_found_on_a_visit_marks_a_member_of_the_household_moved_away_with_the_visit_as_reason(small, worker_a):
    person = resident(small, 0, name="王大伟")
    record = visit(worker_a, small.households[0], at(WORKING_MONDAY), changes=["moved_out"])
    moved_on = WORKING_MONDAY - dt.timedelta(days=10)
    corrected = actions.correct_registry_from_visit(worker_a, record, person, PersonStatus.MOVED_AWAY, moved_on)
    assert (corrected.status, corrected.status_changed_on) == (PersonStatus.MOVED_AWAY, moved_on)
    correction = PersonCorrection.objects.get(person=person)
    assert correction.reason == "走访 2026-11-02：迁出" and correction.actor == worker_a
    assert AuditEvent.objects.filter(action=AuditAction.PERSON_CORRECTED, object_id=str(person.pk)).count() == 1


def test_a_death_found_on_a_visit_marks_the_person_deceased(small, worker_a):
    person = resident(small, 0, name="王老汉")
    record = visit(worker_a, small.households[0], at(WORKING_MONDAY), changes=["death"])
    actions.correct_registry_from_visit(worker_a, record, person, PersonStatus.DECEASED, WORKING_MONDAY)
    assert Person.objects.get(pk=person.pk).status == PersonStatus.DECEASED
    assert PersonCorrection.objects.get(person=person).reason == "走访 2026-11-02：死亡"


def test_only_members_of_the_visited_household_are_corrected_and_only_for_a_change_the_visit_recorded(small, worker_a):
    neighbour = resident(small, 1, name="邻居")
    member_of_it = resident(small, 0, name="户主")
    record = visit(worker_a, small.households[0], at(WORKING_MONDAY), changes=["moved_out"])
    wrong_person = _error(
        lambda: actions.correct_registry_from_visit(worker_a, record, neighbour, "moved_away", WORKING_MONDAY)
    )
    assert (wrong_person.code, wrong_person.status) == ("not_a_household_member", 400)
    not_found = _error(
        lambda: actions.correct_registry_from_visit(worker_a, record, member_of_it, "deceased", WORKING_MONDAY)
    )
    assert not_found.code == "change_not_recorded"
    assert not PersonCorrection.objects.exists()
    assert set(Person.objects.values_list("status", flat=True)) == {PersonStatus.ACTIVE}


def test_another_grids_worker_corrects_nothing_from_a_visit(small, worker_a, worker_b):
    person = resident(small, 0)
    record = visit(worker_a, small.households[0], at(WORKING_MONDAY), changes=["moved_out"])
    assert (
        _error(
            lambda: actions.correct_registry_from_visit(worker_b, record, person, "moved_away", WORKING_MONDAY)
        ).status
        == 404
    )
    assert not PersonCorrection.objects.exists()


# --- notices to the members responsible for the household --------------------------------------


@pytest.fixture
def members(small, worker_a):
    """In-service members over the first household: one by its building, one by the household
    itself (with a grid worker's role too), one without an account; a retired member over it,
    and an in-service member of another building, who are not told."""
    by_building = make_persona("member_building", Role.MEMBER, small.buildings[0])
    by_household = make_persona("member_household", Role.MEMBER, small.households[0])
    worker_member = make_persona("member_worker", Role.GRID_WORKER, small.grids[0])
    elsewhere = make_persona("member_elsewhere", Role.MEMBER, small.buildings[1])
    retired = make_persona("member_retired", Role.MEMBER, small.buildings[0])
    return {
        "building": member(small, "楼长党员", [small.buildings[0]], user=by_building),
        "household": member(small, "户党员", [small.households[0]], user=by_household),
        "worker": member(small, "网格党员", [small.households[0], small.households[1]], user=worker_member),
        "no_account": member(small, "无账号党员", [small.buildings[0]]),
        "retired": member(small, "退休党员", [small.buildings[0]], kind="retired", user=retired),
        "elsewhere": member(small, "别楼党员", [small.buildings[1]], user=elsewhere),
    }


def test_a_new_visit_tells_every_in_service_member_responsible_for_the_household_without_sensitive_facts(
    small, worker_a, members
):
    record = visit(
        worker_a,
        small.households[0],
        at(WORKING_MONDAY),
        met="户主王大伟",
        needs=NEEDS,
        note=NOTE,
        flags=["hardship", "disability"],
        changes=["birth", "new_hardship", "moved_in"],
    )
    told = Notification.objects.filter(case__isnull=True).select_related("user")
    assert sorted(n.user.username for n in told) == ["member_building", "member_household", "member_worker"]
    (text,) = {n.text for n in told}
    assert (
        text == "2026-11-02 走访 社区1第1网格1号楼 社区1第1网格1号楼101室。"
        "变化：迁入、出生。有需求待跟进，请联系网格员 worker_a。"
    )
    for secret in (NEEDS, NOTE, "户主王大伟", "困难", "残疾", "新增困难"):
        assert secret not in text
    assert set(VisitNotice.objects.values_list("visit_id", flat=True)) == {record.pk}
    result = told_about(record, small.households[0])
    assert (result.told, result.without_account) == (3, 1)


def test_a_visit_without_needs_or_changes_says_only_when_and_where(small, worker_a, members):
    visit(worker_a, small.households[0], at(WORKING_MONDAY), flags=["elderly_alone"], changes=["new_hardship"])
    texts = set(Notification.objects.values_list("text", flat=True))
    assert texts == {"2026-11-02 走访 社区1第1网格1号楼 社区1第1网格1号楼101室。"}


def test_a_replayed_visit_tells_nobody_again(small, worker_a, members):
    key = uuid.uuid4()
    for _ in range(3):
        actions.record_visit(worker_a, uuid=key, household=small.households[0], visited_at=at(WORKING_MONDAY))
    assert Notification.objects.count() == 3 and VisitNotice.objects.count() == 3
    assert Visit.objects.count() == 1


def test_a_member_of_another_building_or_without_an_active_account_is_not_told(small, worker_a, members):
    User.objects.filter(username="member_building").update(is_active=False)
    visit(worker_a, small.households[3], at(WORKING_MONDAY))  # the second building
    assert list(Notification.objects.values_list("user__username", flat=True)) == ["member_elsewhere"]
    visit(worker_a, small.households[0], at(WORKING_MONDAY))
    users = set(Notification.objects.values_list("user__username", flat=True))
    assert users == {"member_elsewhere", "member_household", "member_worker"}


def test_a_member_with_an_address_gets_an_e_mail_copy_without_a_case_number_once_committed(
    small, worker_a, members, django_capture_on_commit_callbacks
):
    User.objects.filter(username="member_household").update(email="member@example.org")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        visit(worker_a, small.households[0], at(WORKING_MONDAY), needs=NEEDS)
        assert not DBTaskResult.objects.exists()
    for callback in callbacks:
        callback()
    [queued] = DBTaskResult.objects.filter(task_path="wangge.cases.mail.send_case_email")
    send_case_email.call(*queued.args_kwargs["args"], **queued.args_kwargs["kwargs"])
    [message] = mail.outbox
    assert message.to == ["member@example.org"] and message.subject.startswith("2026-11-02 走访")
    assert NEEDS not in message.subject and NEEDS not in message.body


def test_a_visit_rolled_back_leaves_no_notice(small, worker_a, members, catalogue):
    with pytest.raises(RuntimeError), transaction.atomic():
        visit(worker_a, small.households[0], at(WORKING_MONDAY))
        raise RuntimeError
    assert not Notification.objects.exists() and not VisitNotice.objects.exists()


# --- the access report and anonymisation --------------------------------------------------------


def test_the_access_report_holds_the_visits_to_the_persons_household_with_needs_and_note(
    small, worker_a, community_staff
):
    person = resident(small, 0, name="王大伟")
    visit(worker_a, small.households[0], at(WORKING_MONDAY), met="户主", needs=NEEDS, note=NOTE, flags=["hardship"])
    visit(worker_a, small.households[1], at(WORKING_MONDAY), needs="别家的需求")
    data = access_report(community_staff, person, reason="居民本人书面申请")
    (section,) = [r for r in data["other_records"] if r["key"] == "fieldwork_visits"]
    (row,) = section["rows"]
    assert (row["met"], row["needs"], row["note"], row["flags"]) == ("户主", NEEDS, NOTE, "生活困难")
    assert row["recorded_by"] == "worker_a" and row["grid"] == small.grids[0].name
    assert "别家的需求" not in str(data)


def _gone(person: Person) -> None:
    Person.objects.filter(pk=person.pk).update(status=PersonStatus.MOVED_AWAY, status_changed_on=dt.date(2020, 1, 5))


def test_anonymising_the_last_member_of_a_household_clears_its_visits_and_their_versions(
    small, worker_a, community_staff, settings
):
    settings.RETENTION_DAYS = 365
    person = resident(small, 0, name="王大伟")
    record = visit(
        worker_a, small.households[0], at(WORKING_MONDAY), met="户主", needs=NEEDS, note=NOTE, changes=["moved_out"]
    )
    actions.edit_record(worker_a, record, {"flags": ["hardship"]}, record.updated_at + dt.timedelta(minutes=1))
    other = visit(worker_a, small.households[1], at(WORKING_MONDAY), met="邻居", needs="别家的需求")
    _gone(person)
    anonymise_person(community_staff, person)
    record.refresh_from_db()
    assert (record.met, record.needs_encrypted, record.note_encrypted, record.flags) == ("", None, None, [])
    assert record.changes == ["moved_out"] and not RecordVersion.objects.filter(record_id=record.pk).exists()
    assert actions.visit_text(Visit.objects.get(pk=other.pk))["needs"] == "别家的需求"
    assert not HouseholdMember.objects.filter(person=person).exists()


def test_a_household_with_a_member_left_keeps_its_visits_when_another_is_anonymised(
    small, worker_a, community_staff, settings
):
    settings.RETENTION_DAYS = 365
    leaving = resident(small, 0, name="王大伟")
    resident(small, 0, name="王小红")
    record = visit(worker_a, small.households[0], at(WORKING_MONDAY), met="户主", needs=NEEDS)
    _gone(leaving)
    anonymise_person(community_staff, leaving)
    record.refresh_from_db()
    assert record.met == "户主" and actions.visit_text(record)["needs"] == NEEDS
