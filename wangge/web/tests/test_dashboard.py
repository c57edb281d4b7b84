"""The dashboard pages: a community's staff see their community's figures and nothing of the
other community's; each figure's records page says as many records as the figure counted; the
spreadsheet export is audited; the pages cost the same queries however many cases there are."""

import io
import subprocess

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from wangge.accounts.models import AuditEvent, Role
from wangge.cases.models import Channel
from wangge.cases.tests.factories import IN_GRID_2, closed_off, file_at
from wangge.conftest import make_persona
from wangge.lib.testing import assert_flat, count_queries
from wangge.web.tests.browser import SCREENSHOTS

YEAR = timezone.localdate().year


@pytest.fixture
def cases(small, catalogue, district_admin, dept_a, worker_a, worker_b):
    """Community 1: a petition closed off and a patrol case closed off; community 2: one petition open."""
    closed_off(district_admin, dept_a, file_at(worker_a, channel=Channel.PETITION))
    closed_off(district_admin, dept_a, file_at(worker_a))
    file_at(worker_b, point=IN_GRID_2, channel=Channel.PETITION)


def _figure(html: str, key: str) -> str:
    return html.split(f'data-testid="figure-{key}">')[1].split("<")[0]


def test_a_community_sees_its_own_figures_and_not_the_other_communitys(client, small, cases, community_staff):
    client.force_login(community_staff)
    html = client.get(reverse("dashboard")).content.decode()
    assert _figure(html, "issues_resolved") == "2" and _figure(html, "petitions") == "1"
    other = small.communities[1].pk
    assert client.get(reverse("dashboard"), {"area": other}).status_code == 404
    assert client.get(reverse("dashboard_screen"), {"area": other}).status_code == 404
    assert client.get(reverse("dashboard_xlsx"), {"area": other}).status_code == 404
    assert client.get(reverse("dashboard_records", args=["petitions"]), {"area": other}).status_code == 404
    staff_2 = make_persona("staff_2", Role.COMMUNITY_STAFF, small.communities[1])
    client.force_login(staff_2)
    html = client.get(reverse("dashboard")).content.decode()
    assert _figure(html, "issues_resolved") == "0" and _figure(html, "petitions") == "1"
    assert client.get(reverse("dashboard"), {"area": small.communities[0].pk}).status_code == 404


def test_the_records_page_counts_what_the_figure_counted(client, small, cases, district_admin):
    client.force_login(district_admin)
    html = client.get(reverse("dashboard"), {"year": YEAR}).content.decode()
    n = _figure(html, "petitions")
    records = client.get(reverse("dashboard_records", args=["petitions"]), {"year": YEAR}).content.decode()
    assert n == "2"
    assert 'data-testid="records-total" data-count="2"' in records
    assert records.split("<tbody>")[1].count('href="/cases/') == 2
    assert client.get(reverse("dashboard_records", args=["nothing"])).status_code == 404
    assert client.get(reverse("dashboard"), {"year": "x"}).status_code == 404
    assert client.get(reverse("dashboard"), {"year": YEAR, "quarter": 1, "month": 1}).status_code == 404


def test_the_spreadsheet_holds_the_figures_and_the_records_and_is_audited(
    client, small, cases, district_admin, english
):
    client.force_login(district_admin)
    response = client.get(reverse("dashboard_xlsx"), {"year": YEAR})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    # The figures in their order (deeds, issues resolved, …, petitions, satisfaction), then a
    # sheet of records per figure in the same order.
    rows = list(book.worksheets[0].iter_rows(min_row=5, values_only=True))
    assert [row[1] for row in rows][1] == 2 and rows[4][1] == 2 and rows[4][5] == 2
    assert book.worksheets[5].max_row == 3  # petitions: the header and the two petitions
    event = AuditEvent.objects.get(action="exported", detail__export="dashboard")
    assert event.detail["rows"]["petitions"] == 2 and event.actor == district_admin


def test_the_pages_cost_the_same_queries_however_many_cases(client, small, catalogue, district_admin, dept_a, worker_a):
    client.force_login(district_admin)
    closed_off(district_admin, dept_a, file_at(worker_a))
    urls = [reverse("dashboard"), reverse("dashboard_screen"), reverse("dashboard_records", args=["issues_resolved"])]
    with count_queries() as few:
        for url in urls:
            assert client.get(url, {"year": YEAR}).status_code == 200
    for _ in range(3):
        closed_off(district_admin, dept_a, file_at(worker_a, channel=Channel.PETITION))
    with count_queries() as many:
        for url in urls:
            client.get(url, {"year": YEAR})
    assert_flat(few, many)


def test_the_pdf_report_embeds_the_chinese_font_and_is_audited(client, small, cases, district_admin, tmp_path):
    client.force_login(district_admin)
    response = client.get(reverse("dashboard_pdf"), {"year": YEAR})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(response.content)
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    cjk = [line for line in fonts.splitlines() if "Noto-Sans-CJK-SC" in line]
    assert cjk and all(" yes " in line for line in cjk), fonts  # embedded (subset)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "各部门案件" in text and "城市管理局" in text
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(SCREENSHOTS / "dashboard-report")],
        check=True,
    )
    assert AuditEvent.objects.filter(action="exported", detail__export="dashboard", detail__format="pdf").count() == 1
    assert client.get(reverse("dashboard_pdf"), {"area": 10**9}).status_code == 404
