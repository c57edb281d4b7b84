"""The coverage report as an Excel file."""

import io

import openpyxl
import pytest
import time_machine
from django.urls import reverse

from wangge.accounts.models import AuditAction, AuditEvent
from wangge.lib.testing import assert_flat, count_queries
from wangge.web.tests.conftest import add_rows

URL = "/coverage.xlsx"


def workbook(response) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)


def rows(sheet) -> list[tuple]:
    return [tuple(cell for cell in row) for row in sheet.iter_rows(values_only=True)]


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_no_role_user_gets_the_no_role_page(client, no_role_user):
    client.force_login(no_role_user)
    assert client.get(URL).status_code == 403
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORTED).exists()


@time_machine.travel("2025-03-04 10:00 +0800", tick=False)
def test_export_contains_every_gap_and_is_audited(client, district_admin, populated):
    small = populated.small
    client.force_login(district_admin)
    response = client.get(URL, REMOTE_ADDR="10.9.8.7")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == 'attachment; filename="wangge-coverage-2025-03-04.xlsx"'
    book = workbook(response)
    assert len(book.sheetnames) == 4
    summary, communities, grids, gaps = (book[name] for name in book.sheetnames)
    gap_rows = rows(gaps)[1:]
    assert len(gap_rows) == 3 + 3 + 7 + 21
    names = {row[2] for row in gap_rows}
    assert {g.name for g in small.grids[1:]} <= names
    assert small.buildings[1].name in names
    assert small.buildings[0].name not in names
    assert [row[1] for row in rows(communities)[1:]] == [c.name for c in small.communities]
    assert [row[1] for row in rows(grids)[1:]] == [g.name for g in small.grids]
    assert [row[-1] for row in rows(grids)[1:]] == [4, 10, 10, 10]
    assert 34 in [row[1] for row in rows(summary)]
    # No personal data in the file.
    text = str([rows(sheet) for sheet in (summary, communities, grids, gaps)])
    assert "居民" not in text and "党员甲" not in text

    event = AuditEvent.objects.get(action=AuditAction.EXPORTED)
    assert event.actor == district_admin
    assert event.ip_address == "10.9.8.7"
    assert event.district_id == small.district.pk
    assert event.detail == {"export": "coverage", "format": "xlsx", "area": None, "gaps": 34}


def test_headers_follow_the_language(client, district_admin, populated):
    client.force_login(district_admin)
    client.cookies["django_language"] = "en"
    book = workbook(client.get(URL))
    assert book.sheetnames == ["Summary", "Communities", "Grids", "Gaps"]
    assert rows(book["Gaps"])[0] == ("Kind of gap", "Code", "Name", "Community", "Grid")


@pytest.mark.parametrize(("persona", "own", "other"), [("worker_a", 0, 2), ("worker_b", 2, 0)])
def test_grid_workers_export_own_grid_only(client, populated, request, persona, own, other):
    small = populated.small
    user = request.getfixturevalue(persona)
    client.force_login(user)
    book = workbook(client.get(URL))
    sheets = [book[name] for name in book.sheetnames]
    assert [row[1] for row in rows(sheets[2])[1:]] == [small.grids[own].name]
    assert small.grids[other].name not in str([rows(s) for s in sheets])
    assert client.get(URL, {"area": small.grids[other].pk}).status_code == 404
    response = client.get(URL, {"area": small.grids[own].pk})
    assert response.status_code == 200
    event = AuditEvent.objects.filter(action=AuditAction.EXPORTED, actor=user).first()
    assert event.detail["area"] == small.grids[own].pk
    assert event.object_id == str(small.grids[own].pk)


def test_query_count_does_not_grow(client, district_admin, populated):
    small = populated.small
    client.force_login(district_admin)
    with count_queries() as before:
        client.get(URL)
    add_rows(small, 0, tag="X")
    add_rows(small, 2, tag="Y")
    with count_queries() as after:
        client.get(URL)
    assert_flat(before, after)
