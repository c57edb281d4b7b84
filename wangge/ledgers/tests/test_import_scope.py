"""An import tells a user nothing about a person outside the user's scope: a row about such a
person is "held for review by a higher level", with no fields, names or differences, the same
whether the facts guessed were right or wrong; every hold leaves an audit row; the review item
waits in the queue of the lowest area covering both the person and the row's household."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils.translation import gettext as _
from python_calamine import CalamineWorkbook

from wangge.accounts.models import AuditAction, AuditEvent, Role
from wangge.conftest import make_persona
from wangge.ledgers import actions
from wangge.ledgers.matching import Status
from wangge.ledgers.models import ReviewItem
from wangge.ledgers.queries import review_queue
from wangge.ledgers.report import write_report
from wangge.ledgers.tests.factories import grid_row, id_number, write_csv
from wangge.lib.errors import DomainError
from wangge.people.actions import PersonInput, create_persons

BIRTH = dt.date(1980, 5, 17)
ID_ELSEWHERE = id_number(BIRTH, 101)
ID_NEIGHBOUR = id_number(BIRTH, 103)


@pytest.fixture
def persons(small):
    """王小明 lives in community 2's first grid (社区2第1网格); 李红 in community 1's second grid."""
    return create_persons(
        None,
        district=small.district,
        people=[
            PersonInput(
                name="王小明",
                id_number=ID_ELSEWHERE,
                phone="13812345678",
                household=small.households[12],
                relation="head",
            ),
            PersonInput(name="李红", id_number=ID_NEIGHBOUR, household=small.households[6], relation="head"),
        ],
    )


def _dry_run(user, small, path):
    return actions.import_people(user, district=small.district, path=path, layout="grid")


def _commit(user, small, path):
    return actions.import_people(user, district=small.district, path=path, layout="grid", commit=True)


def _row_in_grid_0(tmp_path, name: str, number: str, phone: str = "", file: str = "row.csv"):
    """A row putting the person in 社区1第1网格1号楼101室, the grid worker's own grid."""
    return write_csv(tmp_path / file, [grid_row(name=name, id_number=number, phone=phone, relation="户主")])


@pytest.mark.parametrize(
    ("name", "phone"),
    [("王小明", "13812345678"), ("王小明", "13900000000"), ("张三", "")],
    ids=["right name and phone", "right name, wrong phone", "guessed name"],
)
def test_a_row_about_a_person_in_another_grid_is_held_alike_whatever_was_guessed(
    small, persons, worker_a, tmp_path, name, phone
):
    outcome = _dry_run(worker_a, small, _row_in_grid_0(tmp_path, name, ID_ELSEWHERE, phone))
    (result,) = outcome.check.results
    assert result.status == Status.HELD
    summary = outcome.summary()
    summary.pop("file_sha256")
    # The same answer whatever was guessed: no field, person or difference is named.
    assert summary == {
        "rows": 1,
        "new": 0,
        "matched": 0,
        "review": 0,
        "conflicts": 0,
        "invalid": 0,
        "held": 1,
        "committed": False,
        "queued_for_review": 0,
        "run": None,
        "header_rows": [1],
        "ignored_columns": [],
        "invalid_rows": [],
        "review_rows": [],
        "held_rows": [2],
    }


def test_every_hold_is_audited_without_the_rows_values(small, persons, worker_a, tmp_path):
    _dry_run(worker_a, small, _row_in_grid_0(tmp_path, "张三", ID_ELSEWHERE))
    (event,) = AuditEvent.objects.filter(action=AuditAction.IMPORT_HELD)
    assert event.actor == worker_a and event.object_id == str(persons[0].pk)
    assert event.detail == {"run": None, "row": 2, "held_as": Status.CONFLICT}


def test_the_command_line_says_held_and_nothing_more(small, persons, worker_a, tmp_path, capsys):
    path = _row_in_grid_0(tmp_path, "张三", ID_ELSEWHERE)
    call_command("import", "people", str(path), "--layout", "grid", "--user", worker_a.username)
    out = capsys.readouterr().out
    held = _("Rows about persons outside your area, held for review by a higher level: %(rows)s") % {"rows": "2"}
    assert held in out
    # The row is counted as held, never as the conflict it would be for someone who sees the person.
    counts = _(
        "New %(new)d, matched %(matched)d, possible matches %(review)d, conflicts %(conflicts)d, "
        "invalid %(invalid)d, held for review by a higher level %(held)d."
    ) % {"new": 0, "matched": 0, "review": 0, "conflicts": 0, "invalid": 0, "held": 1}
    assert counts in out
    for leaked in ("王小明", "联系方式", "姓名", "所在户", "Conflict"):
        assert leaked not in out
    assert out.count("冲突") == 1  # the count of conflicts above, 0


def test_the_report_lists_a_held_row_without_its_fields(small, persons, worker_a, tmp_path):
    outcome = _dry_run(worker_a, small, _row_in_grid_0(tmp_path, "张三", ID_ELSEWHERE))
    report = tmp_path / "report.xlsx"
    write_report(outcome.check, report)
    rows = CalamineWorkbook.from_path(str(report)).get_sheet_by_index(1).to_python()
    assert len(rows) == 2
    assert rows[1][2] == ""  # no differing fields


def test_a_held_conflict_waits_in_the_district_queue_never_the_other_grids(
    small, persons, worker_a, worker_b, district_admin, tmp_path
):
    _commit(worker_a, small, _row_in_grid_0(tmp_path, "王小明", ID_ELSEWHERE, "13900000000"))
    (item,) = ReviewItem.objects.all()
    assert (item.community_id, item.grid_id) == (None, None)
    assert list(review_queue(worker_b)) == []  # the person's own grid worker is not asked
    assert list(review_queue(worker_a)) == []
    assert list(review_queue(district_admin)) == [item]
    assert AuditEvent.objects.filter(action=AuditAction.IMPORT_HELD, object_id=str(persons[0].pk)).count() == 1
    # The grid worker of the person's grid cannot open it either.
    with pytest.raises(DomainError) as refused:
        actions.review_detail(worker_b, item)
    assert refused.value.status == 404


def test_in_scope_the_item_goes_to_the_lowest_area_covering_person_and_household(
    small, persons, community_staff, worker_a, tmp_path
):
    """Community staff import 李红 (community 1, grid 2) into a household of grid 1: not held, and
    queued for the community, not for either grid."""
    outcome = _commit(community_staff, small, _row_in_grid_0(tmp_path, "李红", ID_NEIGHBOUR))
    (result,) = outcome.check.results
    assert result.status == Status.CONFLICT and "household" in result.fields
    (item,) = ReviewItem.objects.all()
    assert (item.community_id, item.grid_id) == (small.communities[0].pk, None)
    assert list(review_queue(community_staff)) == [item]
    neighbour_worker = make_persona("worker_g1", Role.GRID_WORKER, small.grids[1])
    assert list(review_queue(neighbour_worker)) == []
    assert list(review_queue(worker_a)) == []


def test_a_row_of_the_importers_own_grid_is_still_told_in_full(small, worker_a, tmp_path):
    (person,) = create_persons(
        None,
        district=small.district,
        people=[PersonInput(name="王小明", id_number=ID_ELSEWHERE, household=small.households[0], relation="head")],
    )
    outcome = _dry_run(worker_a, small, _row_in_grid_0(tmp_path, "王小明", ID_ELSEWHERE, "13900000000"))
    (result,) = outcome.check.results
    assert result.status == Status.CONFLICT and list(result.fields) == ["phone"]
    assert not AuditEvent.objects.filter(action=AuditAction.IMPORT_HELD).exists()
