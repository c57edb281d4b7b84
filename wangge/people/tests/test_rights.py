"""Residents' rights: an access report of everything held, correction with an encrypted
history, and anonymisation after the retention period."""

import datetime as dt
import io
import json
import stat

import openpyxl
import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from wangge.accounts.models import AuditAction, AuditEvent
from wangge.lib.crypto import decrypt_field
from wangge.lib.errors import DomainError
from wangge.people import actions, queries, report
from wangge.people.models import (
    Gender,
    HouseholdMember,
    MemberKind,
    Person,
    PersonCorrection,
    PersonStatus,
    RevealGrant,
    WorkerKind,
)
from wangge.people.tests.factories import ID_NUMBER, ILLNESS, PHONE, file_case, id_number, resident

REASON = "居民本人书面申请"


@pytest.fixture
def person(small):
    return resident(
        small,
        0,
        name="张三",
        gender=Gender.MALE,
        id_number=ID_NUMBER,
        phone=PHONE,
        current_address="1号楼101室",
        sensitive={"chronic_illness": ILLNESS, "support": "low_income"},
    )


# --- access -------------------------------------------------------------------------------------


def test_the_access_report_holds_everything_about_the_person(small, catalogue, person, community_staff, worker_a):
    actions.register_members(None, [(person, MemberKind.RETIRED, small.communities[0])])
    actions.add_workers(None, [(person, WorkerKind.GRID_WORKER, small.grids[0])])
    mine = file_case(small, catalogue, worker_a, contact="138-1234-5678")
    file_case(small, catalogue, worker_a, contact="13900000000")
    actions.reveal_personal_data(worker_a, person=person, reason="核实低保申请材料")
    actions.correct_person(community_staff, person, {"current_address": "2号楼202室"}, "居民搬到2号楼")

    data = actions.access_report(community_staff, person, reason=REASON, ip_address="10.0.0.3")
    assert data["person"]["name"] == "张三"
    assert (data["person"]["id_number"], data["person"]["phone"]) == (ID_NUMBER, PHONE)
    assert data["person"]["birth_date"] == "1949-12-31"
    assert data["person"]["current_address"] == "2号楼202室"
    assert data["sensitive"]["chronic_illness"] == ILLNESS
    assert [h["household"] for h in data["households"]] == [small.households[0].name]
    assert data["member"]["kind"] and data["worker_roles"][0]["area"] == small.grids[0].name
    (cases,) = [r for r in data["other_records"] if r["key"] == "cases_reported"]
    assert [c["number"] for c in cases["rows"]] == [mine.number]  # matched by phone
    assert data["corrections"][0]["previous_values"] == {"current_address": "1号楼101室"}
    actions_seen = [e["action"] for e in data["audit"]]
    assert len(actions_seen) == 2 and data["audit"][0]["reason"] == "核实低保申请材料"

    event = AuditEvent.objects.get(action=AuditAction.ACCESS_REPORT)
    assert (event.actor, event.object_id, event.detail["reason"]) == (community_staff, str(person.pk), REASON)
    assert ID_NUMBER not in str(event.detail)

    assert json.loads(report.report_json(data))["person"]["id_number"] == ID_NUMBER
    book = openpyxl.load_workbook(io.BytesIO(report.report_xlsx(data)))
    # person, sensitive, households, member, work, corrections, cases, visits, households in
    # difficulty, social organisations' projects, volunteer service records, members' registrations
    # and commitments, imported rows, merges, audit
    assert len(book.sheetnames) == 15
    cells = [str(c) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert ID_NUMBER in cells and ILLNESS in cells and mine.number in cells


def test_the_access_report_is_scoped_and_needs_the_request(person, worker_b, worker_a):
    with pytest.raises(DomainError) as error:
        actions.access_report(worker_b, person, reason=REASON)
    assert error.value.status == 404
    with pytest.raises(DomainError) as error:
        actions.access_report(worker_a, person, reason="")
    assert error.value.code == "access_report_reason_required"
    assert not AuditEvent.objects.filter(action=AuditAction.ACCESS_REPORT).exists()


def test_the_access_report_command(person, worker_a, tmp_path):
    out = tmp_path / "report.json"
    call_command(
        "people",
        "access-report",
        str(person.pk),
        "--user",
        "worker_a",
        "--reason",
        REASON,
        "--out",
        str(out),
        stdout=io.StringIO(),
    )
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert json.loads(out.read_text())["person"]["phone"] == PHONE
    assert AuditEvent.objects.filter(action=AuditAction.ACCESS_REPORT, actor=worker_a).count() == 1


# --- correction ---------------------------------------------------------------------------------


def test_a_correction_reencrypts_reindexes_and_keeps_the_old_values_encrypted(small, person, community_staff):
    new_id = id_number(7)
    corrected = actions.correct_person(
        community_staff,
        person,
        {"id_number": new_id, "phone": "139 0000 1111", "name": "张叁", "sensitive": {"elderly_alone": True}},
        "身份证号录入错误，居民持证更正",
        ip_address="10.0.0.4",
    )
    assert corrected.name == "张叁"
    assert (corrected.id_number_masked, corrected.phone_masked) == (
        f"{new_id[:3]}{'*' * 11}{new_id[-4:]}",
        "139****1111",
    )
    assert corrected.birth_date == dt.date(int(new_id[6:10]), int(new_id[10:12]), int(new_id[12:14]))
    assert queries.find_by_id_number(small.district, new_id) == person
    assert queries.find_by_id_number(small.district, ID_NUMBER) is None
    assert queries.find_by_phone(small.district, "13900001111") == [person]
    assert queries.find_by_phone(small.district, PHONE) == []
    assert actions.decrypt_sensitive(corrected) == {"elderly_alone": True}

    correction = PersonCorrection.objects.get()
    assert correction.fields == ["birth_date", "id_number", "name", "phone", "sensitive"]
    assert (correction.actor, correction.reason) == (community_staff, "身份证号录入错误，居民持证更正")
    old = json.loads(decrypt_field(correction, "old_values_encrypted"))
    assert old["id_number"] == ID_NUMBER and old["phone"] == PHONE and old["name"] == "张三"
    assert old["sensitive"]["chronic_illness"] == ILLNESS and old["birth_date"] == "1949-12-31"
    event = AuditEvent.objects.get(action=AuditAction.PERSON_CORRECTED)
    assert event.detail["fields"] == correction.fields and event.detail["correction"] == correction.pk
    assert ID_NUMBER not in str(event.detail) and PHONE not in str(event.detail) and "张三" not in str(event.detail)


def test_a_correction_that_changes_nothing_writes_nothing(person, community_staff):
    actions.correct_person(community_staff, person, {"phone": "13812345678", "name": " 张三 "}, "核对无误")
    assert not PersonCorrection.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.PERSON_CORRECTED).exists()


def test_a_change_of_status_is_dated(person, community_staff):
    corrected = actions.correct_person(community_staff, person, {"status": PersonStatus.MOVED_AWAY}, "已迁出本社区")
    assert (corrected.status, corrected.status_changed_on) == (PersonStatus.MOVED_AWAY, timezone.localdate())


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"id_number": "110105194912310021"}, "id_number_check_digit"),
        ({"phone": "12"}, "phone_format"),
        ({"gender": "other"}, "choice_invalid"),
        ({"name": " "}, "person_name_required"),
        ({"anonymised_at": None}, "correction_field_unknown"),
        ({"birth_date": "31/12/1949"}, "date_invalid"),
        ({"sensitive": {"religion": "x"}}, "sensitive_fact_unknown"),
        ({}, "correction_empty"),
    ],
)
def test_bad_corrections_are_refused_with_a_code(person, community_staff, changes, code):
    with pytest.raises(DomainError) as error:
        actions.correct_person(community_staff, person, changes, "居民申请更正")
    assert error.value.code == code
    assert ID_NUMBER not in error.value.message and "110105194912310021" not in error.value.message
    assert not PersonCorrection.objects.exists()


def test_corrections_are_scoped_reasoned_and_unique(small, person, worker_b, community_staff):
    other = resident(small, 1, name="李四", id_number=id_number(9))
    with pytest.raises(DomainError) as error:
        actions.correct_person(worker_b, person, {"name": "x"}, "居民申请更正")
    assert error.value.status == 404
    with pytest.raises(DomainError) as error:
        actions.correct_person(community_staff, person, {"name": "x"}, "")
    assert error.value.code == "correction_reason_required"
    with pytest.raises(DomainError) as error:
        actions.correct_person(community_staff, other, {"id_number": ID_NUMBER}, "居民申请更正")
    assert error.value.code == "id_number_exists"
    assert Person.objects.get(pk=other.pk).id_number_masked.endswith(id_number(9)[-4:])


# --- anonymisation ------------------------------------------------------------------------------


def _gone(person, status, days_ago):
    on = timezone.localdate() - dt.timedelta(days=days_ago) if days_ago is not None else None
    Person.objects.filter(pk=person.pk).update(status=status, status_changed_on=on)


@pytest.fixture
def registry(small, person, community_staff, worker_a):
    """The person moved away four years ago; others died two years ago, moved away without a
    date, or still live here."""
    actions.correct_person(community_staff, person, {"current_address": "3号楼"}, "居民搬家登记")
    actions.reveal_personal_data(worker_a, person=person, reason="核实低保申请材料")
    _gone(person, PersonStatus.MOVED_AWAY, 4 * 365)
    died = resident(small, 1, name="李四", gender=Gender.FEMALE, id_number=id_number(2), phone="13900000002")
    _gone(died, PersonStatus.DECEASED, 2 * 365)
    undated = resident(small, 2, name="王五", id_number=id_number(3))
    _gone(undated, PersonStatus.MOVED_AWAY, None)
    resident(small, 3, name="赵六", id_number=id_number(4))
    return {"moved": person, "died": died, "undated": undated}


def statistics():
    return list(
        Person.objects.values("gender", "community", "grid", "status")
        .annotate(n=Count("pk"))
        .order_by("gender", "community", "grid", "status")
    )


def test_anonymisation_after_the_retention_period(small, registry, settings):
    settings.RETENTION_DAYS = 3 * 365
    before = statistics()
    dry = actions.anonymise_persons(None, commit=False)
    assert (dry.due, dry.anonymised, dry.undated) == (1, 0, 1)
    assert Person.objects.filter(anonymised_at__isnull=False).count() == 0

    done = actions.anonymise_persons(None, commit=True, batch=1)
    assert done.anonymised == 1
    p = Person.objects.get(pk=registry["moved"].pk)
    assert p.name == actions.ANONYMISED_NAME and p.anonymised_at is not None
    assert p.birth_date == dt.date(1949, 1, 1)
    assert (p.id_number_encrypted, p.phone_encrypted, p.sensitive_encrypted) == (None, None, None)
    assert (p.id_number_index, p.phone_index, p.id_number_masked, p.phone_masked) == ("", "", "", "")
    assert (p.current_address, p.registered_address, p.employer, p.ethnicity) == ("", "", "", "")
    assert (p.gender, p.community_id, p.grid_id, p.status) == (
        Gender.MALE,
        small.communities[0].pk,
        small.grids[0].pk,
        PersonStatus.MOVED_AWAY,
    )
    assert not HouseholdMember.objects.filter(person=p).exists()
    assert not RevealGrant.objects.filter(person=p).exists()
    assert PersonCorrection.objects.get(person=p).old_values_encrypted is None
    assert queries.find_by_id_number(small.district, ID_NUMBER) is None
    assert statistics() == before  # counts by gender, community, grid and status are intact
    event = AuditEvent.objects.get(action=AuditAction.PERSON_ANONYMISED)
    assert (event.object_id, event.actor_name) == (str(p.pk), "retention")

    # Nobody whose retention has not passed is touched; running it again changes nothing.
    for key in ("died", "undated"):
        assert Person.objects.get(pk=registry[key].pk).anonymised_at is None
    assert actions.anonymise_persons(None, commit=True).anonymised == 0
    assert AuditEvent.objects.filter(action=AuditAction.PERSON_ANONYMISED).count() == 1

    settings.RETENTION_DAYS = 365
    assert actions.anonymise_persons(None, commit=True).anonymised == 1
    assert Person.objects.get(pk=registry["died"].pk).name == actions.ANONYMISED_NAME


def test_one_person_is_anonymised_only_when_due(registry, community_staff, worker_b):
    with pytest.raises(DomainError) as error:
        actions.anonymise_person(community_staff, registry["died"])
    assert (error.value.code, error.value.status) == ("retention_not_passed", 409)
    with pytest.raises(DomainError) as error:
        actions.anonymise_person(worker_b, registry["moved"])
    assert error.value.status == 404
    first = actions.anonymise_person(community_staff, registry["moved"])
    again = actions.anonymise_person(community_staff, first)
    assert again.anonymised_at == first.anonymised_at
    assert AuditEvent.objects.get(action=AuditAction.PERSON_ANONYMISED).actor == community_staff
    with pytest.raises(DomainError) as error:
        actions.correct_person(community_staff, first, {"name": "张三"}, "恢复姓名")
    assert (error.value.code, error.value.status) == ("person_anonymised", 409)


def test_the_anonymise_command(registry):
    out = io.StringIO()
    call_command("people", "anonymise", stdout=out)
    text = out.getvalue()
    assert "1" in text and Person.objects.filter(anonymised_at__isnull=False).count() == 0
    out = io.StringIO()
    call_command("people", "anonymise", "--commit", stdout=out)
    assert Person.objects.filter(anonymised_at__isnull=False).count() == 1
    assert "张三" not in out.getvalue()
