"""Committing: all valid rows in one transaction or none, an ImportRun with the file's SHA-256
and the counts (never row contents), review items encrypted, and re-importing the same file
changes nothing."""

import datetime as dt
import hashlib

import pytest
from django.db import DatabaseError, connection

from wangge.ledgers import pipeline
from wangge.ledgers.actions import import_people
from wangge.ledgers.matching import Status
from wangge.ledgers.models import ImportedRecord, ImportRun, ReviewItem, ReviewKind
from wangge.ledgers.tests.factories import MEMBERS_HEADER, grid_row, id_number, member_row, register_two, write_xlsx
from wangge.lib.crypto import blind_index
from wangge.lib.errors import DomainError
from wangge.lib.testing import count_queries
from wangge.orgs.actions import lay_vertical_units
from wangge.people.actions import PersonInput, create_persons, decrypt_sensitive
from wangge.people.models import HouseholdMember, MemberProfile, Person

ID_A = id_number(dt.date(1980, 5, 17), 101)
ID_C = id_number(dt.date(1948, 10, 1), 303)
ID_D = id_number(dt.date(2012, 6, 1), 404)


@pytest.fixture
def registered(small):
    return register_two(small, ID_A)


def ledger(tmp_path, name="台账.xlsx"):
    rows = [
        grid_row(name="王小明", id_number=ID_A),  # 2 matched
        grid_row(name="王小明", id_number=ID_A, room="301"),  # 3 invalid: duplicate of row 2
        grid_row(
            room="201", name="赵丽", birth="1975-03-01", current_address="泉华路1号", phone="13911112222"
        ),  # 4 review
        grid_row(
            room="301",
            name="孙大爷",
            id_number=ID_C,
            phone="13812345678",
            registered_address="泉华路1号1号楼301室",
            residence="人户一致",
            political="群众",
            education="小学",
            ethnicity="汉",
            disability="肢体二级",
            illness="高血压",
            support="低保",
            elderly_alone="是",
        ),  # 5 new
        grid_row(grid="第2网格", room="101", name="孙小宝", relation="孙子", id_number=ID_D, left_behind="√"),  # 6 new
        grid_row(grid="第2网格", room="201", name="钱多多", birth="2001-09-09", relation="户主"),  # 7 new, no ID number
        grid_row(name="", id_number=id_number(dt.date(1990, 1, 1), 11)),  # 8 invalid
    ]
    return write_xlsx(tmp_path / name, rows)


def test_commit_creates_new_persons_queues_the_rest_and_records_the_run(small, registered, district_admin, tmp_path):
    path = ledger(tmp_path)
    outcome = import_people(district_admin, district=small.district, path=path, layout="grid", commit=True)
    counts = outcome.check.counts()
    assert counts == {"rows": 7, "new": 3, "matched": 1, "review": 1, "conflicts": 0, "invalid": 2, "held": 0}
    assert outcome.committed and outcome.queued == 1
    run = ImportRun.objects.get()
    assert (run.created_by, run.file_name, run.mode, run.state) == (district_admin, "台账.xlsx", "commit", "succeeded")
    assert run.file_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (run.rows, run.new, run.matched, run.review, run.conflicts, run.invalid) == (7, 3, 1, 1, 0, 2)
    grandpa = Person.objects.get(name="孙大爷")
    assert (grandpa.gender, grandpa.birth_date, grandpa.ethnicity, grandpa.education) == (
        "male",
        dt.date(1948, 10, 1),
        "汉族",
        "primary",
    )
    assert (grandpa.residence_status, grandpa.political_status, grandpa.phone_masked) == (
        "consistent",
        "masses",
        "138****5678",
    )
    assert grandpa.id_number_index == blind_index(ID_C)
    assert decrypt_sensitive(grandpa) == {
        "disability": {"kind": "肢体", "level": 2},
        "chronic_illness": "高血压",
        "support": "low_income",
        "elderly_alone": True,
    }
    child = Person.objects.get(name="孙小宝")
    assert HouseholdMember.objects.get(person=child).relation == "grandchild"
    assert child.grid_id == small.grids[1].pk
    assert decrypt_sensitive(child) == {"left_behind_child": True}
    assert ImportedRecord.objects.get().person == Person.objects.get(name="钱多多")
    item = ReviewItem.objects.get()
    assert (item.kind, item.row_number, item.candidate, item.run) == (ReviewKind.POSSIBLE_MATCH, 4, registered[1], run)
    assert item.differing_fields == ["phone"]
    assert (item.community_id, item.grid_id) == (small.communities[0].pk, small.grids[0].pk)


def test_nothing_personal_is_kept_in_clear_by_the_import(small, registered, tmp_path):
    import_people(None, district=small.district, path=ledger(tmp_path), layout="grid", commit=True)
    with connection.cursor() as cursor:
        dumped = ""
        for table in ("ledgers_importrun", "ledgers_reviewitem", "ledgers_importedrecord", "people_person"):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608
            dumped += repr(cursor.fetchall())
    for secret in (ID_A, ID_C, ID_D, "13812345678", "13911112222", "高血压", "19481001"):
        assert secret not in dumped


def test_importing_the_same_file_again_changes_nothing(small, registered, tmp_path):
    path = ledger(tmp_path)
    import_people(None, district=small.district, path=path, layout="grid", commit=True)
    persons, items = Person.objects.count(), ReviewItem.objects.count()
    again = import_people(None, district=small.district, path=path, layout="grid", commit=True)
    assert again.check.counts() == {
        "rows": 7,
        "new": 0,
        "matched": 4,
        "review": 1,
        "conflicts": 0,
        "invalid": 2,
        "held": 0,
    }
    assert again.queued == 0
    assert [r.queued for r in again.check.of(Status.REVIEW)] == [True]
    assert (Person.objects.count(), ReviewItem.objects.count()) == (persons, items)
    assert ImportRun.objects.count() == 2


@pytest.mark.parametrize("threshold, analysed", [(3, True), (4, False)])
def test_a_large_commit_refreshes_the_registry_statistics(
    small, registered, tmp_path, monkeypatch, threshold, analysed
):
    import wangge.ledgers.actions.writing

    monkeypatch.setattr(wangge.ledgers.actions.writing, "ANALYZE_AFTER_NEW_ROWS", threshold)
    with count_queries() as queries:
        done = import_people(None, district=small.district, path=ledger(tmp_path), layout="grid", commit=True)
    assert done.check.counts()["new"] == 3
    statements = [sql for sql in queries.sql if sql.startswith("ANALYZE")]
    if connection.vendor == "postgresql":
        # In the transaction, of a small sample (the detail follows with autovacuum).
        expected = [
            'ANALYZE "people_person" (id, district_id, id_number_index, name, birth_date)',
            'ANALYZE "people_householdmember" (person_id)',
        ]
    else:
        expected = ['ANALYZE "people_person"', 'ANALYZE "people_householdmember"']
    assert statements == (expected if analysed else [])


def test_postgresql_refreshes_the_statistics_during_a_large_commit(small, registered, tmp_path, monkeypatch):
    """The registry grows inside the commit's transaction; the lookups of the next chunks need
    statistics that know it (ANALYZE in the transaction counts its own new rows)."""
    import wangge.ledgers.actions.writing

    monkeypatch.setattr(wangge.ledgers.actions.writing, "ANALYZE_DURING_NEW_ROWS", 3)
    with count_queries() as queries:
        import_people(None, district=small.district, path=ledger(tmp_path), layout="grid", commit=True)
    during = [sql for sql in queries.sql if sql.startswith('ANALYZE "people_person" (')]
    assert len(during) == (1 if connection.vendor == "postgresql" else 0)


class FailOn:
    """Makes the database refuse the first INSERT (or COPY) into `table` (a disk full, a lost connection)."""

    def __init__(self, table: str) -> None:
        self.table = table

    def __call__(self, execute, sql, params, many, context):
        if sql.startswith(("INSERT", "COPY")) and self.table in sql:
            raise DatabaseError("simulated failure")
        return execute(sql, params, many, context)


@pytest.mark.parametrize("table", ["ledgers_importedrecord", "ledgers_reviewitem", "people_householdmember"])
def test_a_database_error_in_the_middle_of_a_commit_leaves_nothing(small, registered, tmp_path, table):
    path = ledger(tmp_path)
    before = (Person.objects.count(), HouseholdMember.objects.count())
    with connection.execute_wrapper(FailOn(table)), pytest.raises(DatabaseError):
        import_people(None, district=small.district, path=path, layout="grid", commit=True)
    assert (Person.objects.count(), HouseholdMember.objects.count()) == before
    assert not ImportRun.objects.exists() and not ReviewItem.objects.exists() and not ImportedRecord.objects.exists()


def test_a_person_registered_meanwhile_stops_the_whole_commit(small, tmp_path):
    """Between the dry run and the write (another import, a clerk): nothing is written."""
    path = write_xlsx(
        tmp_path / "race.xlsx", [grid_row(name="孙大爷", id_number=ID_C), grid_row(room="201", name="新人")]
    )

    class RegisterFirst:
        done = False

        def __call__(self, execute, sql, params, many, context):
            if not self.done and sql.startswith(("INSERT", "COPY")) and "people_person" in sql:
                self.done = True
                create_persons(None, district=small.district, people=[PersonInput(name="孙大爷", id_number=ID_C)])
            return execute(sql, params, many, context)

    with connection.execute_wrapper(RegisterFirst()), pytest.raises(DomainError) as error:
        import_people(None, district=small.district, path=path, layout="grid", commit=True)
    assert (error.value.code, error.value.status) == ("registry_changed", 409)
    assert not Person.objects.filter(name="新人").exists() and not ImportRun.objects.exists()


@pytest.mark.parametrize("in_a_second_process", [False, True])
def test_a_members_export_creates_members_with_their_community_and_unit(
    small, tmp_path, monkeypatch, in_a_second_process
):
    if in_a_second_process:  # read, sealed and (PostgreSQL) rendered by `ledgers.pipeline`
        monkeypatch.setattr(pipeline, "MIN_BYTES", 0)
    [unit] = lay_vertical_units(None, [(small.communities[0], "社区1党委")])
    rows = [
        member_row(
            number=1, name="李建国", id_number=ID_A, kind="在职党员", org_unit="社区1党委", reported_on="2023-03-05"
        ),
        member_row(number=2, name="孙大爷", id_number=ID_C, kind="离退休党员", community="社区2社区"),
        member_row(number=3, name="无名", id_number=ID_D, kind="", community="社区1"),
    ]
    path = write_xlsx(tmp_path / "members.xlsx", rows, header=MEMBERS_HEADER, title="党员信息导出")
    outcome = import_people(None, district=small.district, path=path, layout="members", commit=True)
    assert outcome.check.counts()["new"] == 2 and outcome.check.counts()["invalid"] == 1
    assert (outcome.check.helper_peak_kb > 0) == in_a_second_process
    li = MemberProfile.objects.get(person__name="李建国")
    assert (li.kind, li.home_community, li.org_unit, li.reported_on) == (
        "in_service",
        small.communities[0],
        unit,
        dt.date(2023, 3, 5),
    )
    sun = MemberProfile.objects.get(person__name="孙大爷")
    assert (sun.kind, sun.home_community, sun.org_unit) == ("retired", small.communities[1], None)
    again = import_people(None, district=small.district, path=path, layout="members", commit=True)
    assert again.check.counts()["matched"] == 2 and MemberProfile.objects.count() == 2


def test_a_registered_person_in_a_members_export_is_a_conflict_until_reviewed(small, registered, tmp_path):
    path = write_xlsx(
        tmp_path / "m.xlsx",
        [member_row(name="王小明", gender="", ethnicity="", id_number=ID_A, education="")],
        header=MEMBERS_HEADER,
    )
    outcome = import_people(None, district=small.district, path=path, layout="members", commit=True)
    [result] = outcome.check.results
    assert result.status == Status.CONFLICT
    assert result.fields == ["member_kind", "home_community"] and result.blank_fields == result.fields
    assert not MemberProfile.objects.exists()
