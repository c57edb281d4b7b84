"""`wangge import addresses|staff|org-units|resident-units`: dry run, --commit, --json, the exit
status, and the one-time passwords printed once and the phone numbers never."""

import copy
import io
import json

import pytest
from django.core.management import CommandError, call_command

from wangge.areas.models import AreaNode, Level
from wangge.onboarding.tests.factories import ADDRESS_HEADER, FILES, STAFF_PHONES, STAFF_ROWS, address_rows, write_table
from wangge.people.models import Person

REPORT_KEYS = {"kind", "rows", "created", "unchanged", "problems", "warnings", "committed"}


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("import", *args, stdout=out, stderr=out)
    return out.getvalue()


def test_json_reports_the_address_book_with_its_keys_and_writes_nothing_without_commit(xinqu):
    data = json.loads(run("addresses", str(FILES / "addresses.xlsx"), "--district", "XQ", "--json"))

    assert set(data) == REPORT_KEYS
    assert data["kind"] == "addresses" and data["rows"] == 96 and not data["committed"]
    assert data["created"] == {"building_groups": 4, "buildings": 12, "households": 96}
    assert not AreaNode.objects.filter(district=xinqu.district, level=Level.BUILDING).exists()


def test_commit_writes_and_a_second_commit_reports_every_row_unchanged(xinqu):
    path = str(FILES / "addresses.xlsx")
    first = run("addresses", path, "--district", "XQ", "--commit")
    again = json.loads(run("addresses", path, "--district", "XQ", "--commit", "--json"))

    assert "Committed" in first or "已提交" in first
    assert AreaNode.objects.filter(district=xinqu.district, level=Level.HOUSEHOLD).count() == 96
    assert again["committed"] and again["unchanged"] == again["rows"] == 96


def test_a_file_with_a_problem_exits_non_zero_after_listing_it(xinqu, tmp_path, english):
    rows = copy.deepcopy(address_rows())
    rows[4][1] = "东湖社区第9网格"
    path = write_table(tmp_path / "bad.xlsx", ADDRESS_HEADER, rows, title="新区楼栋户台账")
    out = io.StringIO()

    with pytest.raises(CommandError) as error:
        call_command("import", "addresses", str(path), "--district", "XQ", "--commit", "--json", stdout=out)

    assert error.value.returncode == 1
    data = json.loads(out.getvalue())
    assert data["problems"][0]["row"] == 7 and data["problems"][0]["code"] == "unknown_grid"
    assert not data["committed"]
    assert not AreaNode.objects.filter(district=xinqu.district, level=Level.BUILDING).exists()


def test_the_coordinate_system_is_chosen_with_crs(xinqu, tmp_path):
    rows = [row[:-1] for row in address_rows()[:24]]  # GCJ-02 points without the column naming it
    path = write_table(tmp_path / "gcj.csv", ADDRESS_HEADER[:-1], rows)

    with pytest.raises(CommandError):
        run("addresses", str(path), "--district", "XQ", "--json")
    data = json.loads(run("addresses", str(path), "--district", "XQ", "--crs", "gcj02", "--json"))

    assert data["problems"] == []


def test_staff_passwords_are_printed_once_and_the_phones_never(xinqu, english):
    out = run("staff", str(FILES / "staff.xlsx"), "--district", "XQ", "--commit")

    lines = [line.split() for line in out.splitlines()]
    passwords = {cells[0]: cells[1] for cells in lines if len(cells) == 2 and cells[0].startswith("xq_")}
    assert set(passwords) == {row[0] for row in STAFF_ROWS}
    for password in passwords.values():
        assert out.count(password) == 1
    assert all(phone not in out for phone in STAFF_PHONES)
    assert all(phone[-4:] not in out for phone in STAFF_PHONES)
    assert Person.objects.filter(district=xinqu.district).count() == 8
    assert xinqu.department.users.count() == 2  # the operator (no --user) puts staff on units too

    again = run("staff", str(FILES / "staff.xlsx"), "--district", "XQ", "--commit")
    assert not any(password in again for password in passwords.values())


def test_staff_json_has_the_passwords_key_only_when_users_were_created(xinqu):
    dry = json.loads(run("staff", str(FILES / "staff.xlsx"), "--district", "XQ", "--json"))
    first = json.loads(run("staff", str(FILES / "staff.xlsx"), "--district", "XQ", "--commit", "--json"))
    again = json.loads(run("staff", str(FILES / "staff.xlsx"), "--district", "XQ", "--commit", "--json"))

    assert set(dry) == set(again) == REPORT_KEYS
    assert set(first) == REPORT_KEYS | {"passwords"}
    assert set(first["passwords"]) == {row[0] for row in STAFF_ROWS}
    assert all(phone not in json.dumps(first) for phone in STAFF_PHONES)


def test_org_and_resident_units_import_from_the_command_line(xinqu):
    run("addresses", str(FILES / "addresses.xlsx"), "--district", "XQ", "--commit")

    org = json.loads(run("org-units", str(FILES / "org_units.xlsx"), "--district", "XQ", "--commit", "--json"))
    resident = json.loads(
        run("resident-units", str(FILES / "resident_units.xlsx"), "--district", "XQ", "--commit", "--json")
    )

    assert org["kind"] == "org_units" and org["created"] == {"org_units": 11} and org["committed"]
    assert resident["kind"] == "resident_units" and resident["created"] == {"resident_units": 3}


def test_an_import_as_a_user_without_the_district_is_refused(xinqu, worker_a):
    with pytest.raises(CommandError) as error:
        run("addresses", str(FILES / "addresses.xlsx"), "--district", "XQ", "--user", worker_a.username)
    assert "onboarding_not_allowed" in str(error.value)


def test_an_import_as_the_districts_administrator_is_recorded_as_theirs(xinqu, xinqu_admin):
    data = json.loads(
        run("resident-units", str(FILES / "resident_units.xlsx"), "--district", "XQ", "--user", "xq_admin", "--json")
    )
    assert data["created"] == {"resident_units": 3}
