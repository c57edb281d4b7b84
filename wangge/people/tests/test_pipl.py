"""PIPL: ID and phone numbers and sensitive facts never reach the database, the logs or error
output in clear. Known values are written through every path that handles them (create,
reveal, view, correct, export, access report, case filing, errors), then searched for in the
database's own bytes (the SQLite file, a pg_dump of PostgreSQL) and in everything logged."""

import logging
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.db import connection

from wangge.accounts.models import AuditAction, AuditEvent
from wangge.cases import actions as case_actions
from wangge.ledgers.exporting import export_ledger
from wangge.lib.errors import DomainError
from wangge.people import actions, queries
from wangge.people.actions import PersonInput
from wangge.people.models import Person
from wangge.people.tests.factories import ID_NUMBER, ILLNESS, PHONE, file_case, id_number, resident

SECOND_ID = id_number(7)
SECOND_PHONE = "15912340000"
OLD_PHONE = "18600001234"  # corrected away: must not survive in the history in clear
CONTACT = "17700009999"
SECRETS = [ID_NUMBER, PHONE, SECOND_ID, SECOND_PHONE, OLD_PHONE, CONTACT, ILLNESS]


def leaks(text: str | bytes) -> list[str]:
    if isinstance(text, bytes):
        return [s for s in SECRETS if s.encode() in text]
    return [s for s in SECRETS if s in text]


def exercise(small, catalogue, worker_a, community_staff) -> Person:
    """Every path that handles the known values, the failing ones included."""
    person = resident(
        small, 0, name="张三", id_number=ID_NUMBER, phone=OLD_PHONE, sensitive={"chronic_illness": ILLNESS}
    )
    resident(small, 1, name="李四", id_number=SECOND_ID, phone=SECOND_PHONE)
    actions.correct_person(community_staff, person, {"phone": PHONE}, "居民来电更正号码")
    actions.reveal_personal_data(worker_a, person=person, reason="核实低保申请材料")
    actions.visible_fields(worker_a, person)
    export_ledger(community_staff, ledger="residents", area=small.communities[0], reveal=True, reason="上报复核")
    export_ledger(worker_a, ledger="households", area=small.grids[0])
    actions.access_report(community_staff, person, reason="居民本人书面申请")
    case = file_case(small, catalogue, worker_a, contact=CONTACT)
    case_actions.reveal_reporter_contact(worker_a, case, reason="回访联系报告人")
    assert queries.find_by_id_number(small.district, ID_NUMBER) == person
    assert queries.find_by_phone(small.district, PHONE) == [person]
    failures = [
        lambda: actions.create_person(
            None, district=small.district, data=PersonInput(name="重复", id_number=ID_NUMBER)
        ),
        lambda: actions.create_person(
            None, district=small.district, data=PersonInput(name="错", id_number=ID_NUMBER[:-1] + "1")
        ),
        lambda: actions.correct_person(community_staff, person, {"id_number": SECOND_ID}, "录入错误更正"),
        lambda: actions.correct_person(community_staff, person, {"phone": PHONE + "123456789"}, "录入错误更正"),
        lambda: queries.find_by_id_number(small.district, ID_NUMBER[:-1] + "1"),
    ]
    for failure in failures:
        with pytest.raises(DomainError) as error:
            failure()
        assert not leaks(str(error.value)) and not leaks(error.value.message) and not leaks(repr(error.value.details))
    return person


def database_bytes(tmp_path: Path) -> bytes:
    """The database as stored: a copy of the SQLite database file, or a pg_dump of PostgreSQL."""
    if connection.vendor == "sqlite":
        copy = tmp_path / "copy.sqlite3"
        with connection.cursor() as cursor:
            cursor.execute("VACUUM INTO %s", [str(copy)])
        return copy.read_bytes()
    pg_dump = shutil.which("pg_dump")
    assert pg_dump, "pg_dump is needed for this test"
    s = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": s.get("PASSWORD") or ""}
    args = [pg_dump, "-h", s["HOST"] or "127.0.0.1", "-p", str(s["PORT"] or 5432), "-U", s["USER"], s["NAME"]]
    return subprocess.run(args, capture_output=True, check=True, env=env).stdout


@pytest.mark.django_db(transaction=True)
def test_no_plaintext_in_the_database(small, catalogue, worker_a, community_staff, tmp_path):
    person = exercise(small, catalogue, worker_a, community_staff)
    raw = database_bytes(tmp_path)
    assert leaks(raw) == []
    # The search is meaningful: the rows are there, with their masked forms and names.
    assert b"110***********002X" in raw and "张三".encode() in raw
    assert b"138****5678" in raw
    person.refresh_from_db()
    for value, index in ((ID_NUMBER, person.id_number_index), (PHONE, person.phone_index)):
        assert index and value not in index and len(index) == 64
    assert AuditEvent.objects.filter(action=AuditAction.PERSONAL_DATA_REVEALED).count() == 3
    assert AuditEvent.objects.filter(action=AuditAction.EXPORTED).count() == 2


def test_no_plaintext_in_logs_or_error_output(small, catalogue, worker_a, community_staff, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django.db.backends")
    connection.force_debug_cursor = True  # every SQL statement is logged with its parameters
    try:
        exercise(small, catalogue, worker_a, community_staff)
    finally:
        connection.force_debug_cursor = False
    assert "people_person" in caplog.text  # the SQL really was logged
    captured = capsys.readouterr()
    assert leaks(caplog.text) == [] and leaks(captured.out) == [] and leaks(captured.err) == []


SCRIPT = textwrap.dedent(
    """
    from wangge.areas.tests.factories import build_small_district
    from wangge.accounts import actions as accounts
    from wangge.accounts.models import Role
    from wangge.lib.errors import DomainError
    from wangge.people import actions
    from wangge.people.actions import PersonInput

    small = build_small_district()
    staff = accounts.create_user(None, username="staff", password="x-long-password-1")
    accounts.assign_role(None, user=staff, role=Role.COMMUNITY_STAFF, area=small.communities[0])
    person = actions.create_person(None, district=small.district, data=PersonInput(
        name="张三", id_number="{id}", phone="{old}", household=small.households[0],
        sensitive={{"chronic_illness": "{illness}"}}))
    actions.create_person(None, district=small.district, data=PersonInput(
        name="李四", id_number="{second}", phone="{second_phone}", household=small.households[1]))
    actions.correct_person(staff, person, {{"phone": "{phone}"}}, "居民来电更正号码")
    actions.reveal_personal_data(staff, person=person, reason="核实低保申请材料")
    actions.visible_fields(staff, person)
    actions.access_report(staff, person, reason="居民本人书面申请")
    for bad in ("{id}", "{id_bad}"):
        try:
            actions.create_person(None, district=small.district, data=PersonInput(name="错", id_number=bad))
        except DomainError as error:
            print("refused:", error)
    print("district", small.district.pk, "community", small.communities[0].pk)
    """
)


def test_no_plaintext_in_a_real_sqlite_file_or_the_process_output(tmp_path):
    """A real deployment on SQLite (a file in WAL mode), logging at DEBUG, the commands' output."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("WANGGE_", "DATABASE_URL", "DJANGO_SETTINGS_MODULE", "PYTEST"))
    }
    env |= {"WANGGE_VAR_DIR": str(tmp_path), "WANGGE_DEBUG": "true", "WANGGE_LOG_LEVEL": "DEBUG"}
    wangge = [sys.executable, "-m", "wangge.cli"]
    script = SCRIPT.format(
        id=ID_NUMBER,
        id_bad=ID_NUMBER[:-1] + "1",
        old=OLD_PHONE,
        phone=PHONE,
        second=SECOND_ID,
        second_phone=SECOND_PHONE,
        illness=ILLNESS,
    )
    outputs = []
    for args in (["migrate", "--noinput"], ["shell", "-c", script]):
        result = subprocess.run([*wangge, *args], capture_output=True, env=env, check=False, timeout=600)
        outputs.append(result.stdout + result.stderr)
        assert result.returncode == 0, result.stderr.decode()[-2000:]
    assert b"refused: id_number_exists" in outputs[1] and b"refused: id_number_check_digit" in outputs[1]
    community = outputs[1].split(b"community ")[-1].split()[0].decode()
    out = tmp_path / "ledger.xlsx"
    export = [*wangge, "export", "ledger", "residents", "--area", community, "--out", str(out)]
    result = subprocess.run(
        [*export, "--user", "staff", "--reveal", "--reason", "上报复核"], capture_output=True, env=env, check=False
    )
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    outputs.append(result.stdout + result.stderr)
    result = subprocess.run([*export, "--user", "nobody"], capture_output=True, env=env, check=False)
    assert result.returncode != 0
    outputs.append(result.stdout + result.stderr)
    for output in outputs:
        assert leaks(output) == []
    files = [p for p in tmp_path.iterdir() if p.name.startswith("wangge.sqlite3")]
    assert files
    raw = b"".join(p.read_bytes() for p in files)  # the database, its WAL and shared memory
    assert leaks(raw) == []
    assert "张三".encode() in raw and b"110***********002X" in raw
    assert (tmp_path / "keys.json").stat().st_mode & 0o077 == 0
