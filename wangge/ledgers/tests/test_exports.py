"""Ledgers of personal data as xlsx: masked unless revealed with a reason, always audited,
only for personal-data roles over the area, a fixed number of queries."""

import io
import stat
import zipfile

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from wangge.accounts.models import AuditAction, AuditEvent
from wangge.ledgers import exports
from wangge.ledgers.exporting import export_ledger
from wangge.lib.errors import DomainError
from wangge.lib.testing import assert_flat, count_queries
from wangge.orgs import actions as org_actions
from wangge.people import actions
from wangge.people.models import MemberKind, Relation
from wangge.people.tests.factories import ID_NUMBER, ILLNESS, PHONE, id_number, resident

REASON = "上报民政局低保复核名单"


def sheet_rows(content: bytes) -> list[list[str]]:
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return [["" if v is None else str(v) for v in row] for row in book.worksheets[0].iter_rows(values_only=True)]


def xlsx_text(content: bytes) -> str:
    """Every XML part of the workbook (an xlsx is a zip: its raw bytes hide plain text)."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())


@pytest.fixture
def district(small):
    head = resident(
        small,
        0,
        name="户主甲",
        id_number=ID_NUMBER,
        phone=PHONE,
        relation=Relation.HEAD,
        current_address="1号楼101室",
        sensitive={"chronic_illness": ILLNESS},
    )
    spouse = resident(small, 0, name="配偶乙", id_number=id_number(1), relation=Relation.SPOUSE)
    resident(small, 1, name="居民丙", phone="13900000002")
    resident(small, 12, name="远方丁", id_number=id_number(3), phone="13900000003")  # grid 2
    (member,) = actions.register_members(None, [(spouse, MemberKind.RETIRED, small.communities[0])])
    org_actions.create_zone(None, member=member, name="1号楼责任区", areas=[small.buildings[0], small.households[3]])
    return head


def test_a_masked_ledger_with_its_audit_row(small, district, worker_a):
    result = export_ledger(worker_a, ledger="residents", area=small.grids[0], ip_address="10.0.0.5")
    rows = sheet_rows(result.content)
    assert result.rows == 3 and len(rows) == 4 and result.masked
    assert rows[0][:6] == [_(h) for h in ("Grid", "Full name", "Gender", "Birth date", "ID number", "Phone")]
    by_name = {row[1]: row for row in rows[1:]}
    assert set(by_name) == {"户主甲", "配偶乙", "居民丙"}  # grid 2's resident is not in grid 0's ledger
    assert by_name["户主甲"][4:6] == ["110***********002X", "138****5678"]
    assert by_name["户主甲"][14:16] == [small.households[0].name, "户主"]
    text = xlsx_text(result.content)
    assert ID_NUMBER not in text and PHONE not in text and ILLNESS not in text
    assert len(rows[0]) == 16  # no sensitive columns in a masked ledger
    event = AuditEvent.objects.get(action=AuditAction.EXPORTED)
    assert (event.actor, event.object_id, event.ip_address) == (worker_a, str(small.grids[0].pk), "10.0.0.5")
    assert event.detail == {
        "export": "ledger",
        "ledger": "residents",
        "format": "xlsx",
        "area": small.grids[0].pk,
        "rows": 3,
        "masked": True,
    }
    assert not AuditEvent.objects.filter(action=AuditAction.PERSONAL_DATA_REVEALED).exists()


def test_a_ledger_in_clear_needs_a_reason_and_is_audited_like_a_reveal(small, district, community_staff):
    with pytest.raises(DomainError) as error:
        export_ledger(community_staff, ledger="residents", area=small.communities[0], reveal=True)
    assert error.value.code == "reveal_reason_required"
    assert not AuditEvent.objects.exists() or not AuditEvent.objects.filter(action=AuditAction.EXPORTED).exists()

    result = export_ledger(community_staff, ledger="residents", area=small.communities[0], reveal=True, reason=REASON)
    assert not result.masked
    rows = sheet_rows(result.content)
    head = next(row for row in rows if row[1] == "户主甲")
    assert head[4:6] == [ID_NUMBER, PHONE]
    assert ILLNESS in head and _("Chronic illness") in rows[0]
    exported = AuditEvent.objects.get(action=AuditAction.EXPORTED)
    assert exported.detail["masked"] is False and exported.detail["reason"] == REASON
    revealed = AuditEvent.objects.get(action=AuditAction.PERSONAL_DATA_REVEALED)
    assert revealed.detail["reason"] == REASON and revealed.detail["rows"] == 3
    for event in (exported, revealed):
        assert ID_NUMBER not in str(event.detail) and PHONE not in str(event.detail)


def test_households_and_members_ledgers(small, district, worker_a):
    households = export_ledger(worker_a, ledger="households", area=small.grids[0])
    rows = sheet_rows(households.content)
    assert households.rows == 6  # every household of the grid, with or without residents
    first = next(row for row in rows if row[2] == small.households[0].name)
    assert first[4:9] == ["户主甲", "110***********002X", "138****5678", "2", "户主甲（户主）、配偶乙（配偶）"]
    members = export_ledger(worker_a, ledger="members", area=small.grids[0])
    rows = sheet_rows(members.content)
    assert members.rows == 1
    assert rows[1][:4] == ["1号楼责任区", "配偶乙", "离退休党员", ""]
    assert rows[1][6] == f"{small.buildings[0].name}、{small.households[3].name}"
    assert AuditEvent.objects.filter(action=AuditAction.EXPORTED).count() == 2


def test_exports_are_scoped(small, district, worker_a, worker_b, dept_a):
    with pytest.raises(DomainError) as error:
        export_ledger(worker_b, ledger="residents", area=small.grids[0])
    assert (error.value.code, error.value.status) == ("area_not_found", 404)
    with pytest.raises(DomainError) as error:
        export_ledger(worker_a, ledger="residents", area=small.communities[0])
    assert error.value.status == 404
    with pytest.raises(DomainError) as error:
        export_ledger(dept_a, ledger="residents", area=small.district)
    assert (error.value.code, error.value.status) == ("personal_data_not_allowed", 403)
    with pytest.raises(DomainError) as error:
        export_ledger(worker_a, ledger="residents", area=small.buildings[0])
    assert error.value.code == "ledger_area_level"
    with pytest.raises(DomainError) as error:
        export_ledger(worker_a, ledger="passwords", area=small.grids[0])
    assert error.value.code == "ledger_unknown"
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORTED).exists()


@pytest.mark.parametrize("ledger", sorted(exports.LEDGERS))
def test_ledgers_take_a_fixed_number_of_queries(small, ledger):
    def measure(n, start, clear):
        persons = [
            resident(
                small, i % 6, name=f"居民{i}", id_number=id_number(i), phone=f"1390000{i:04d}", relation=Relation.HEAD
            )
            for i in range(start, start + n)
        ]
        members = actions.register_members(None, [(p, MemberKind.RETIRED, small.communities[0]) for p in persons])
        for i, member in enumerate(members):
            org_actions.create_zone(None, member=member, name=f"责任区{start + i}", areas=[small.households[i % 6]])
        with count_queries() as queries:
            _content, rows = exports.LEDGERS[ledger](small.grids[0], clear=clear)
        assert rows > 0
        return queries

    assert_flat(measure(2, 0, False), measure(10, 100, True), at_most=3)


def test_the_export_command(small, district, worker_a, tmp_path):
    out = tmp_path / "residents.xlsx"
    call_command(
        "export", "ledger", "residents", "--area", str(small.grids[0].pk), "--out", str(out), stdout=io.StringIO()
    )
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    head = next(row for row in sheet_rows(out.read_bytes()) if row[1] == "户主甲")
    assert head[4] == "110***********002X"
    event = AuditEvent.objects.get(action=AuditAction.EXPORTED)
    assert (event.actor, event.actor_name) == (None, "command line")
    with pytest.raises(CommandError) as error:
        call_command("export", "ledger", "residents", "--area", str(small.grids[0].pk), "--out", str(out), "--reveal")
    assert "reveal_needs_user" in str(error.value)
    stdout = io.StringIO()
    call_command(
        "export",
        "ledger",
        "households",
        "--area",
        str(small.grids[0].pk),
        "--out",
        str(out),
        "--user",
        "worker_a",
        "--reveal",
        "--reason",
        REASON,
        stdout=stdout,
    )
    assert "6" in stdout.getvalue()
    assert ID_NUMBER in [cell for row in sheet_rows(out.read_bytes()) for cell in row]
    with pytest.raises(CommandError):
        call_command(
            "export", "ledger", "residents", "--area", str(small.grids[2].pk), "--out", str(out), "--user", "worker_a"
        )
