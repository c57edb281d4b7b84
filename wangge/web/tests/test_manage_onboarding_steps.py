"""The wizard's file steps after the grids (address book, staff roster, organisation units,
resident units) against the real imports: the dry run writes nothing, commit writes it all,
a second run of the same file changes nothing, a file with problems shows them by row and
cannot be committed; the staff import's one-time passwords are shown once, in the answer to the
commit only (no URL, no session, no log)."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from wangge.accounts import actions as account_actions
from wangge.accounts.models import Role, RoleAssignment, User
from wangge.areas.models import AreaNode
from wangge.conftest import PASSWORD
from wangge.onboarding.tests.factories import (
    FILES,
    STAFF_HEADER,
    STAFF_ROWS,
    build_xinqu,
    write_table,
)
from wangge.orgs.models import OrgUnit, ResidentUnit
from wangge.web.manage.onboarding import SESSION_KEY

pytestmark = pytest.mark.usefixtures("media")

URL = "/manage/onboarding/"


@pytest.fixture
def xinqu(db):
    return build_xinqu()


@pytest.fixture
def admin(xinqu):
    user = account_actions.create_user(None, username="xq_admin", password=PASSWORD)
    account_actions.assign_role(None, user=user, role=Role.DISTRICT_ADMIN, area=xinqu.district)
    return user


def _records(district):
    return (
        AreaNode.objects.filter(district=district).count(),
        RoleAssignment.objects.filter(district=district).count(),
        OrgUnit.objects.filter(district=district).count(),
        ResidentUnit.objects.filter(district=district).count(),
        User.objects.count(),
    )


def _send(client, step, path: Path, **fields):
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    response = client.post(reverse("manage_onboarding_send", args=[step]), {"file": upload, **fields})
    assert response.status_code == 302, response
    return response["Location"].rstrip("/").rsplit("/", 1)[-1]


def _dry_run_then_commit(client, district, step, path):
    token = _send(client, step, path)
    before = _records(district)
    page = client.get(reverse("manage_onboarding_upload", args=[token]))
    assert page.status_code == 200 and page.context["report"].ok, page.context["report"].problems
    assert _records(district) == before  # the dry run wrote nothing
    assert 'data-testid="commit"' in page.content.decode()
    result = client.post(reverse("manage_onboarding_commit", args=[token]))
    assert result.status_code == 200 and result.context["report"].committed
    assert _records(district) != before
    return page.context["report"], result


@pytest.mark.parametrize(
    ("step", "file", "created"),
    [
        ("addresses", "addresses.xlsx", {"buildings": 12, "households": 96}),
        ("org_units", "org_units.xlsx", {"org_units": 11}),
        ("resident_units", "resident_units.xlsx", {"resident_units": 3}),
    ],
)
def test_each_step_dry_runs_commits_and_changes_nothing_the_second_time(client, xinqu, admin, step, file, created):
    client.force_login(admin)
    if step == "org_units":  # the building units need the address book's buildings
        _dry_run_then_commit(client, xinqu.district, "addresses", FILES / "addresses.xlsx")
    report, _result = _dry_run_then_commit(client, xinqu.district, step, FILES / file)
    for kind, n in created.items():
        assert report.created.get(kind) == n
    rows = {r["step"].key: r for r in client.get(URL).context["rows"]}
    assert rows[step]["state"].done
    before = _records(xinqu.district)
    token = _send(client, step, FILES / file)
    again = client.get(reverse("manage_onboarding_upload", args=[token])).context["report"]
    assert not again.created or not any(again.created.values())
    client.post(reverse("manage_onboarding_commit", args=[token]))
    assert _records(xinqu.district) == before


def test_the_staff_passwords_are_shown_once_and_kept_nowhere(client, xinqu, admin, caplog):
    client.force_login(admin)
    report, result = _dry_run_then_commit(client, xinqu.district, "staff", FILES / "staff.xlsx")
    assert report.passwords == {}  # a dry run makes no password
    passwords = result.context["report"].passwords
    assert set(passwords) == {row[0] for row in STAFF_ROWS}
    html = result.content.decode()
    assert 'data-testid="passwords"' in html
    for username, password in passwords.items():
        assert password in html
        assert password not in str(client.session.items()) and password not in caplog.text
        user = User.objects.get(username=username)
        assert user.check_password(password)
    assert result.get("Cache-Control", "").startswith("max-age=0") or "no-cache" in result.get("Cache-Control", "")
    assert SESSION_KEY not in client.session or client.session[SESSION_KEY] == {}
    # Later pages do not show them again.
    assert 'data-testid="passwords"' not in client.get(URL).content.decode()


def test_a_file_with_problems_shows_them_by_row_and_cannot_be_committed(client, xinqu, admin, tmp_path):
    rows = [list(r) for r in STAFF_ROWS]
    rows[2][3] = "没有这个网格"
    bad = write_table(tmp_path / "staff.xlsx", STAFF_HEADER, rows, title="新区工作人员名册")
    client.force_login(admin)
    token = _send(client, "staff", bad)
    page = client.get(reverse("manage_onboarding_upload", args=[token]))
    report = page.context["report"]
    assert [p.row for p in report.problems] == [5]  # the title, the header, then the third row
    html = page.content.decode()
    assert 'data-testid="problems"' in html and 'data-testid="commit"' not in html
    before = _records(xinqu.district)
    refused = client.post(reverse("manage_onboarding_commit", args=[token]))
    assert refused.status_code == 409
    assert _records(xinqu.district) == before


def test_the_address_book_step_takes_the_coordinate_system(client, xinqu, admin):
    client.force_login(admin)
    token = _send(client, "addresses", FILES / "addresses.xlsx", crs="gcj02")
    assert client.session[SESSION_KEY][token]["options"] == {"crs": "gcj02"}
    assert client.get(reverse("manage_onboarding_upload", args=[token])).status_code == 200
    refused = client.post(
        reverse("manage_onboarding_send", args=["addresses"]),
        {"file": SimpleUploadedFile("a.xlsx", b"x"), "crs": "mars"},
    )
    assert refused.status_code == 404


def test_a_file_that_is_no_spreadsheet_is_a_message_not_a_server_error(client, xinqu, admin, tmp_path):
    broken = tmp_path / "staff.xlsx"
    broken.write_bytes(b"this is not a workbook")
    client.force_login(admin)
    token = _send(client, "staff", broken)
    page = client.get(reverse("manage_onboarding_upload", args=[token]))
    assert page.status_code in (200, 400)
    html = page.content.decode()
    assert 'data-testid="commit"' not in html
    assert 'role="alert"' in html
    assert 'data-testid="discard"' in html
