"""The review queue: merging with a choice per field (and undoing it exactly), keeping separate,
dismissing; who may see and decide which items; the queue's query count."""

import datetime as dt
import io
import json

import pytest

from wangge.accounts.models import AuditAction, AuditEvent, Role, User
from wangge.accounts.scope import forget_assignments
from wangge.conftest import make_persona
from wangge.ledgers.actions import (
    Decision,
    decide_review,
    forget_persons,
    import_people,
    review_detail,
    undo_merge,
)
from wangge.ledgers.matching import Status
from wangge.ledgers.models import ImportedRecord, Merge, ReviewItem, ReviewKind, ReviewState
from wangge.ledgers.queries import get_review_item, held_about, review_queue
from wangge.ledgers.tests.factories import MEMBERS_HEADER, grid_row, id_number, member_row, write_xlsx
from wangge.lib.crypto import blind_index, decrypt_field
from wangge.lib.errors import DomainError
from wangge.lib.testing import Queries, assert_flat, count_queries
from wangge.people.actions import PersonInput, create_persons, decrypt_sensitive
from wangge.people.models import HouseholdMember, MemberProfile, Person

ID_A = id_number(dt.date(1980, 5, 17), 101)
ID_B = id_number(dt.date(1966, 8, 8), 202)


@pytest.fixture
def wang(small) -> Person:
    """王小明 (with ID number, phone, education) in grid 0, household 0."""
    (person,) = create_persons(
        None,
        district=small.district,
        people=[
            PersonInput(
                name="王小明",
                id_number=ID_A,
                phone="13812345678",
                household=small.households[0],
                relation="head",
                education="bachelor",
                sensitive={"chronic_illness": "哮喘"},
            )
        ],
    )
    return person


@pytest.fixture
def zhao(small) -> Person:
    """赵丽 (no ID number) in grid 2 (community 2), household 12."""
    (person,) = create_persons(
        None,
        district=small.district,
        people=[
            PersonInput(
                name="赵丽",
                birth_date=dt.date(1975, 3, 1),
                household=small.households[12],
                relation="head",
                current_address="泉华路9号",
            )
        ],
    )
    return person


def queue(small, tmp_path, rows, name="l.xlsx", header=None):
    kwargs = {"header": header} if header else {}
    path = write_xlsx(tmp_path / name, rows, **kwargs)
    layout = "members" if header else "grid"
    return import_people(None, district=small.district, path=path, layout=layout, commit=True)


@pytest.fixture
def conflict(small, wang, tmp_path) -> ReviewItem:
    """王小明 again, now with another phone, education and a disability, in household 2."""
    queue(
        small,
        tmp_path,
        [
            grid_row(
                room="301", name="王小明", id_number=ID_A, phone="13900000000", education="硕士", disability="视力一级"
            )
        ],
        name="conflict.xlsx",
    )
    return ReviewItem.objects.get(kind=ReviewKind.CONFLICT)


@pytest.fixture
def possible(small, zhao, tmp_path) -> ReviewItem:
    """赵丽 without ID number in the file, same address, a phone and an ID number of her own."""
    queue(
        small,
        tmp_path,
        [
            grid_row(
                community="社区2",
                grid="第1网格",
                building="1号楼",
                room="101",
                name="赵丽",
                birth="1975-03-01",
                current_address="泉华路9号",
                phone="13711112222",
            )
        ],
        name="possible.xlsx",
    )
    return ReviewItem.objects.get(kind=ReviewKind.POSSIBLE_MATCH)


def person_state(person: Person) -> tuple:
    person.refresh_from_db()
    return (
        person.name,
        person.education,
        decrypt_field(person, "phone_encrypted"),
        person.phone_index,
        person.phone_masked,
        decrypt_sensitive(person),
        person.community_id,
        person.grid_id,
        sorted(HouseholdMember.objects.filter(person=person).values_list("household_id", "relation")),
    )


def test_a_conflict_carries_the_incoming_facts_encrypted(conflict, wang):
    assert conflict.candidate == wang
    assert conflict.differing_fields == ["education", "phone", "household", "disability"]
    assert b"13900000000" not in bytes(conflict.incoming_encrypted)
    assert "13900000000" in decrypt_field(conflict, "incoming_encrypted")


def test_merge_takes_the_chosen_values_and_undo_restores_the_previous_ones_exactly(
    small, conflict, wang, district_admin
):
    before = person_state(wang)
    choices = {"phone": "incoming", "household": "incoming", "disability": "incoming", "education": "registry"}
    item = decide_review(district_admin, conflict, choices)
    assert (item.state, item.decided_by) == (ReviewState.MERGED, district_admin)
    after = person_state(wang)
    assert after[1] == "bachelor"  # the registry's value was kept
    assert after[2:5] == ("13900000000", blind_index("13900000000"), "139****0000")
    assert after[5] == {"chronic_illness": "哮喘", "disability": {"kind": "视力", "level": 1}}
    assert after[8] == [(small.households[2].pk, "head")]
    merge = Merge.objects.get()
    assert (merge.person, merge.merged_by, merge.changed_fields) == (
        wang,
        district_admin,
        ["phone", "household", "disability"],
    )
    assert b"13812345678" not in bytes(merge.before_encrypted)

    undo_merge(district_admin, merge)
    assert person_state(wang) == before
    conflict.refresh_from_db()
    assert conflict.state == ReviewState.OPEN and conflict.decided_by is None
    merge.refresh_from_db()
    assert merge.undone_by == district_admin
    with pytest.raises(DomainError) as error:
        undo_merge(district_admin, merge)
    assert error.value.code == "merge_already_undone"
    # Decided again after the undo.
    decide_review(district_admin, conflict, {"education": "incoming"})
    assert person_state(wang)[1] == "master"


def test_undo_refuses_when_the_person_changed_since(conflict, wang, district_admin):
    decide_review(district_admin, conflict, {"education": "incoming"})
    Person.objects.filter(pk=wang.pk).update(employer="后来填的单位")  # a correction made later
    with pytest.raises(DomainError) as error:
        undo_merge(district_admin, Merge.objects.get())
    assert error.value.code == "merge_changed_since"


def test_only_the_latest_merge_of_a_person_can_be_undone(small, conflict, wang, district_admin, tmp_path):
    decide_review(district_admin, conflict, {"education": "incoming"})
    queue(small, tmp_path, [grid_row(name="王小明", id_number=ID_A, employer="泉华区图书馆")], name="second.xlsx")
    second = ReviewItem.objects.get(state=ReviewState.OPEN)
    decide_review(district_admin, second, {"employer": "incoming"})
    first_merge, second_merge = Merge.objects.order_by("id")
    with pytest.raises(DomainError) as error:
        undo_merge(district_admin, first_merge)
    assert error.value.code == "merge_not_latest"
    undo_merge(district_admin, second_merge)
    undo_merge(district_admin, first_merge)
    wang.refresh_from_db()
    assert (wang.education, wang.employer) == ("bachelor", "")


def test_merge_needs_a_field_from_the_file_and_known_choices(conflict, district_admin):
    for choices, code in (
        ({}, "merge_nothing_chosen"),
        ({"education": "registry"}, "merge_nothing_chosen"),
        ({"name": "incoming"}, "merge_unknown_field"),
        ({"education": "both"}, "merge_choice"),
    ):
        with pytest.raises(DomainError) as error:
            decide_review(district_admin, conflict, choices)
        assert error.value.code == code
    assert not Merge.objects.exists()


def test_merging_a_possible_match_can_give_the_person_an_id_number(small, zhao, district_admin, tmp_path):
    queue(
        small,
        tmp_path,
        [
            grid_row(
                community="社区2",
                grid="第1网格",
                room="101",
                name="赵丽",
                id_number=id_number(dt.date(1975, 3, 1), 2),
                current_address="泉华路9号",
            )
        ],
    )
    item = ReviewItem.objects.get()
    assert (item.kind, item.differing_fields) == (ReviewKind.POSSIBLE_MATCH, ["id_number"])
    decide_review(district_admin, item, {"id_number": "incoming"})
    zhao.refresh_from_db()
    assert zhao.id_number_index == blind_index(id_number(dt.date(1975, 3, 1), 2))
    assert zhao.id_number_masked.endswith(id_number(dt.date(1975, 3, 1), 2)[-4:])


def test_keep_separate_creates_the_incoming_person_and_a_reimport_matches_them(
    small, possible, zhao, district_admin, tmp_path
):
    item = decide_review(district_admin, possible, decision=Decision.KEEP_SEPARATE)
    assert item.state == ReviewState.KEPT_SEPARATE
    twin = item.created_person
    assert twin != zhao and twin.name == "赵丽" and twin.phone_masked == "137****2222"
    assert ImportedRecord.objects.filter(person=twin).exists()
    # The same file again: the row is the person kept separate, nothing is queued again.
    path = tmp_path / "possible.xlsx"
    again = import_people(None, district=small.district, path=path, layout="grid", commit=True)
    assert again.check.counts()["matched"] == 1 and again.queued == 0
    assert Person.objects.filter(name="赵丽").count() == 2


def test_a_conflict_cannot_be_kept_separate_but_can_be_dismissed(conflict, wang, district_admin):
    before = person_state(wang)
    with pytest.raises(DomainError) as error:
        decide_review(district_admin, conflict, decision=Decision.KEEP_SEPARATE)
    assert error.value.code == "keep_separate_same_id"
    item = decide_review(district_admin, conflict, decision=Decision.DISMISS)
    assert item.state == ReviewState.DISMISSED
    assert person_state(wang) == before
    with pytest.raises(DomainError) as error:
        decide_review(district_admin, conflict, {"education": "incoming"})
    assert error.value.code == "review_item_decided"


def test_merging_from_a_members_export_makes_the_person_a_member_and_undo_takes_it_back(
    small, wang, district_admin, tmp_path
):
    queue(
        small,
        tmp_path,
        [member_row(name="王小明", gender="", ethnicity="", education="", id_number=ID_A, reported_on="2024-05-04")],
        header=MEMBERS_HEADER,
    )
    item = ReviewItem.objects.get()
    assert item.differing_fields == ["member_kind", "home_community", "reported_on"]
    with pytest.raises(DomainError) as error:
        decide_review(district_admin, item, {"member_kind": "incoming"})
    assert error.value.code == "merge_member_incomplete"
    decide_review(district_admin, item, dict.fromkeys(item.differing_fields, "incoming"))
    profile = MemberProfile.objects.get(person=wang)
    assert (profile.kind, profile.home_community, profile.reported_on) == (
        "in_service",
        small.communities[0],
        dt.date(2024, 5, 4),
    )
    undo_merge(district_admin, Merge.objects.get())
    assert not MemberProfile.objects.filter(person=wang).exists()


# --- scope ----------------------------------------------------------------------------------


def test_each_persona_sees_the_items_of_their_own_area(
    conflict, possible, worker_a, worker_b, community_staff, district_admin, no_role_user
):
    assert list(review_queue(worker_a)) == [conflict]  # 王小明 lives in grid 0
    assert list(review_queue(worker_b)) == [possible]  # 赵丽 lives in grid 2
    assert list(review_queue(community_staff)) == [conflict]  # community 1 = grids 0 and 1
    assert list(review_queue(district_admin)) == [conflict, possible]
    assert list(review_queue(no_role_user)) == []
    with pytest.raises(DomainError) as error:
        get_review_item(worker_a, possible.pk)
    assert error.value.status == 404


def test_a_role_without_personal_data_sees_no_items(small, conflict):
    volunteer = make_persona("vol", Role.VOLUNTEER, small.district)
    member = make_persona("mem", Role.MEMBER, small.grids[0])
    assert not review_queue(volunteer).exists() and not review_queue(member).exists()
    with pytest.raises(DomainError) as error:
        decide_review(member, conflict, {"education": "incoming"})
    assert error.value.status == 404


def test_an_item_outside_the_users_scope_cannot_be_decided_or_read(conflict, possible, worker_a, worker_b):
    for user, item in ((worker_a, possible), (worker_b, conflict)):
        for decision in (Decision.MERGE, Decision.DISMISS, Decision.KEEP_SEPARATE):
            with pytest.raises(DomainError) as error:
                decide_review(user, item, {"phone": "incoming", "education": "incoming"}, decision=decision)
            assert (error.value.code, error.value.status) == ("review_item_not_found", 404)
        with pytest.raises(DomainError):
            review_detail(user, item)
    assert not Merge.objects.exists()
    assert ReviewItem.objects.filter(state=ReviewState.OPEN).count() == 2


def test_moving_a_person_needs_scope_over_the_household_too(small, wang, worker_a, district_admin, tmp_path):
    queue(small, tmp_path, [grid_row(community="社区2", grid="第1网格", name="王小明", id_number=ID_A)])
    item = ReviewItem.objects.get()
    assert item.differing_fields == ["household"]
    with pytest.raises(DomainError) as error:
        decide_review(worker_a, item, {"household": "incoming"})
    assert error.value.status == 404
    decide_review(district_admin, item, {"household": "incoming"})
    wang.refresh_from_db()
    assert wang.grid_id == small.grids[2].pk
    # The merge is undone by someone who may see where the person lives now.
    forget_assignments(worker_a)
    with pytest.raises(DomainError):
        undo_merge(worker_a, Merge.objects.get())
    undo_merge(district_admin, Merge.objects.get())
    wang.refresh_from_db()
    assert wang.grid_id == small.grids[0].pk


def test_the_grid_worker_decides_an_item_of_their_grid(conflict, wang, worker_a):
    decide_review(worker_a, conflict, {"education": "incoming"})
    wang.refresh_from_db()
    assert wang.education == "master"


# --- reading --------------------------------------------------------------------------------


def test_the_detail_shows_both_values_masked_where_personal_and_is_audited(conflict, worker_a):
    rows = {row["field"]: row for row in review_detail(worker_a, conflict, ip_address="10.0.0.1")}
    assert (rows["phone"]["registry"], rows["phone"]["incoming"]) == ("138****5678", "139****0000")
    assert (rows["education"]["registry"], rows["education"]["incoming"]) == ("bachelor", "master")
    assert rows["household"]["incoming"] == "社区1第1网格1号楼301室"
    assert rows["disability"] == {
        "field": "disability",
        "label": rows["disability"]["label"],
        "registry": None,
        "incoming": {"kind": "视力", "level": 1},
        "registry_empty": True,
    }
    event = AuditEvent.objects.get(action=AuditAction.PERSONAL_DATA_VIEWED)
    assert (event.actor, event.object_id, event.ip_address) == (worker_a, str(conflict.candidate_id), "10.0.0.1")
    assert "13900000000" not in repr(event.detail)


def test_the_queue_takes_the_same_number_of_queries_for_any_number_of_items(small, district_admin, tmp_path):
    def build(count: int, offset: int) -> None:
        people = [
            PersonInput(
                name=f"居民{offset + i}",
                id_number=id_number(dt.date(1960, 1, 1) + dt.timedelta(days=offset + i), 5),
                household=small.households[(offset + i) % 6],  # grid 0, where the rows put them
                relation="head",
            )
            for i in range(count)
        ]
        create_persons(None, district=small.district, people=people)
        rows = [
            grid_row(
                room="101",
                name=p.name,
                id_number=p.id_number,
                employer="泉华区图书馆",
                relation="户主",
            )
            for p in people
        ]
        queue(small, tmp_path, rows, name=f"q{offset}.xlsx")

    def listed(user: User) -> Queries:
        forget_assignments(user)
        with count_queries() as captured:
            for item in review_queue(user):
                assert item.candidate.name and item.run.file_name and item.grid and item.differing_fields
        return captured

    build(2, 0)
    few = listed(district_admin)
    build(20, 100)
    assert review_queue(district_admin).count() == 22
    assert_flat(few, listed(district_admin))


def test_status_of_rows_reimported_after_a_merge(small, conflict, district_admin, tmp_path):
    decide_review(district_admin, conflict, dict.fromkeys(conflict.differing_fields, "incoming"))
    again = import_people(None, district=small.district, path=tmp_path / "conflict.xlsx", layout="grid", commit=True)
    assert [r.status for r in again.check.results] == [Status.MATCHED]


def test_deleting_a_person_takes_their_review_items_and_merges(conflict, wang, district_admin):
    decide_review(district_admin, conflict, {"education": "incoming"})
    wang.delete()
    assert not ReviewItem.objects.exists() and not Merge.objects.exists()


def test_what_imports_hold_about_a_person_is_reported_and_forgotten(small, conflict, possible, wang, district_admin):
    decide_review(district_admin, conflict, {"education": "incoming"})
    twin = decide_review(district_admin, possible, decision=Decision.KEEP_SEPARATE).created_person
    held = held_about(wang)
    assert [i["row"] for i in held["review_items"]] == [2]
    assert held["review_items"][0]["incoming"]["phone"] == "13900000000"
    assert held["merges"][0]["fields"] == ["education"]
    assert held_about(twin)["review_items"][0]["incoming"]["phone"] == "13711112222"
    assert forget_persons([wang.pk, twin.pk]) == 4  # 1 merge, 2 items, 1 fingerprint
    assert held_about(wang) == {"review_items": [], "merges": []}
    assert not ReviewItem.objects.exists() and not ImportedRecord.objects.exists()


def test_the_access_report_includes_what_imports_hold(small, conflict, wang, district_admin):
    from openpyxl import load_workbook

    from wangge.people.actions import access_report
    from wangge.people.report import report_xlsx

    decide_review(district_admin, conflict, {"education": "incoming"})
    report = access_report(district_admin, wang, reason="居民申请查阅个人信息")
    records = {r["key"]: r for r in report["other_records"]}
    held = json.loads(json.dumps(held_about(wang), default=str))
    assert records["imported_ledger_rows"]["rows"] == held["review_items"]
    assert records["ledger_row_merges"]["rows"] == held["merges"]
    assert records["imported_ledger_rows"]["rows"][0]["incoming"]["phone"] == "13900000000"
    book = load_workbook(io.BytesIO(report_xlsx(report)))
    imported_rows, merges = book.worksheets[-3], book.worksheets[-2]  # before "who processed the data"
    assert "13900000000" in str(list(imported_rows.iter_rows(values_only=True)))
    assert list(merges.iter_rows(values_only=True))[1][1] == "education"


def test_anonymising_a_person_forgets_what_imports_hold(small, conflict, wang, district_admin):
    from wangge.people.actions import anonymise_person
    from wangge.people.models import PersonStatus

    decide_review(district_admin, conflict, {"education": "incoming"})
    assert held_about(wang)["merges"]
    Person.objects.filter(pk=wang.pk).update(status=PersonStatus.MOVED_AWAY, status_changed_on=dt.date(2020, 1, 5))
    anonymise_person(district_admin, Person.objects.get(pk=wang.pk))
    assert held_about(wang) == {"review_items": [], "merges": []}
    assert not ReviewItem.objects.exists() and not Merge.objects.exists()
    assert not ImportedRecord.objects.filter(person=wang).exists()
