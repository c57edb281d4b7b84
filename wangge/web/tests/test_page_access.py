"""Pages by role (docs/decisions.md, "Pages by role"): a page a role cannot use is not in its
menu and answers 404; the pages every role uses answer 200."""

import pytest
from django.urls import reverse

from wangge.accounts.models import Role
from wangge.conftest import make_persona
from wangge.resources.tests.factories import facility


def _facility_edit(small) -> str:
    """The edit page of a facility of community 1, made by its staff."""
    staff = make_persona("page_access_staff", Role.COMMUNITY_STAFF, small.communities[0])
    return reverse("resources_facility_edit", args=[facility(staff, small.grids[0]).pk])


# page → (url builder, {persona: expected status}); the menu shows the page exactly when 200.
PAGES = {
    "home": (lambda small: reverse("home"), {"resident": 200, "worker_a": 200, "dept_a": 200, "supervisor": 200}),
    "cases": (lambda small: reverse("cases"), {"resident": 200, "worker_a": 200, "dept_a": 200, "supervisor": 200}),
    "case_new": (
        lambda small: reverse("case_new"),
        {"resident": 200, "worker_a": 200, "dept_a": 200, "supervisor": 200},
    ),
    "notifications": (
        lambda small: reverse("notifications"),
        {"resident": 200, "worker_a": 200, "dept_a": 200, "supervisor": 200},
    ),
    "board": (lambda small: reverse("board"), {"resident": 200, "worker_a": 200, "dept_a": 200, "supervisor": 200}),
    "two_factor": (
        lambda small: reverse("two_factor"),
        {"resident": 200, "worker_a": 200, "dept_a": 200, "supervisor": 200},
    ),
    "area": (
        lambda small: reverse("area", args=[small.households[0].pk]),
        {"resident": 404, "worker_a": 200, "dept_a": 404, "supervisor": 200},
    ),
    "coverage": (
        lambda small: reverse("coverage"),
        {"resident": 404, "worker_a": 200, "dept_a": 404, "supervisor": 200},
    ),
    "coverage_xlsx": (
        lambda small: reverse("coverage_xlsx"),
        {"resident": 404, "worker_a": 200, "dept_a": 404, "supervisor": 200},
    ),
    "people": (lambda small: reverse("people"), {"resident": 404, "worker_a": 200, "dept_a": 404, "supervisor": 404}),
    "imports": (
        lambda small: reverse("imports"),
        {"resident": 404, "worker_a": 200, "dept_a": 404, "supervisor": 404},
    ),
    "review_queue": (
        lambda small: reverse("review_queue"),
        {"resident": 404, "worker_a": 200, "dept_a": 404, "supervisor": 404},
    ),
    "units": (
        lambda small: reverse("units"),
        {"resident": 404, "worker_a": 404, "dept_a": 404, "supervisor": 404, "district_admin": 200},
    ),
    "resources": (
        lambda small: reverse("resources"),
        {"resident": 200, "worker_a": 404, "dept_a": 404, "supervisor": 404, "district_admin": 200},
    ),
    "resources_facility_edit": (
        _facility_edit,
        {"resident": 404, "worker_a": 404, "dept_a": 404, "supervisor": 404, "district_admin": 200},
    ),
    "resources_utilisation": (
        lambda small: reverse("resources_utilisation"),
        {"resident": 404, "worker_a": 404, "dept_a": 404, "supervisor": 404, "district_admin": 200},
    ),
    "dashboard": (
        lambda small: reverse("dashboard"),
        {"resident": 404, "worker_a": 404, "dept_a": 404, "supervisor": 200, "district_admin": 200},
    ),
    "dashboard_screen": (
        lambda small: reverse("dashboard_screen"),
        {"resident": 404, "worker_a": 404, "dept_a": 404, "supervisor": 200, "district_admin": 200},
    ),
    "dashboard_xlsx": (
        lambda small: reverse("dashboard_xlsx"),
        {"resident": 404, "worker_a": 404, "dept_a": 404, "supervisor": 200, "district_admin": 200},
    ),
    "dashboard_pdf": (
        lambda small: reverse("dashboard_pdf"),
        {"resident": 404, "worker_a": 404, "dept_a": 404, "supervisor": 200, "district_admin": 200},
    ),
    "dashboard_records": (
        lambda small: reverse("dashboard_records", args=["petitions"]),
        {"resident": 404, "worker_a": 404, "dept_a": 404, "supervisor": 200, "district_admin": 200},
    ),
    "members_community": (
        lambda small: reverse("members_community"),
        {"resident": 404, "worker_a": 404, "dept_a": 404, "supervisor": 404, "district_admin": 200},
    ),
    "cobuilding": (
        lambda small: reverse("cobuilding"),
        {"resident": 404, "worker_a": 200, "dept_a": 404, "supervisor": 404, "district_admin": 200},
    ),
    "volunteers": (
        lambda small: reverse("volunteers"),
        {"resident": 200, "worker_a": 404, "dept_a": 404, "supervisor": 404, "district_admin": 200},
    ),
    "volunteers_hours": (
        lambda small: reverse("volunteers_hours"),
        {"resident": 200, "worker_a": 404, "dept_a": 404, "supervisor": 404, "district_admin": 200},
    ),
    "volunteers_approvals": (
        lambda small: reverse("volunteers_approvals"),
        {"resident": 404, "worker_a": 404, "dept_a": 404, "supervisor": 404, "district_admin": 200},
    ),
    "volunteers_station_open": (
        lambda small: reverse("volunteers_station_open"),
        {"resident": 404, "worker_a": 404, "dept_a": 404, "supervisor": 404, "district_admin": 200},
    ),
    # Public: anyone checks a certificate's verification code.
    "volunteers_verify": (
        lambda small: reverse("volunteers_verify"),
        {"resident": 200, "worker_a": 200, "dept_a": 200, "supervisor": 200, "district_admin": 200},
    ),
}
CASES = [(page, persona, status) for page, (_url, table) in PAGES.items() for persona, status in table.items()]
MENU = {
    "coverage": "coverage",
    "people": "people",
    "imports": "imports",
    "units": "units",
    "resources": "resources",
    "dashboard": "dashboard",
    "members_community": "members_community",
    "volunteers": "volunteers",
}


@pytest.mark.parametrize(("page", "persona", "status"), CASES)
def test_each_page_answers_each_role_as_the_table_says(client, small, catalogue, request, page, persona, status):
    client.force_login(request.getfixturevalue(persona))
    url = PAGES[page][0](small)
    assert client.get(url).status_code == status


@pytest.mark.parametrize("persona", ["resident", "worker_a", "dept_a", "supervisor", "district_admin"])
def test_the_menu_shows_exactly_the_pages_the_role_may_open(client, small, catalogue, request, persona):
    client.force_login(request.getfixturevalue(persona))
    html = client.get(reverse("home")).content.decode()
    nav = html.split('<nav class="main-nav"')[1].split("</nav>")[0]
    for page, name in MENU.items():
        shown = f'href="{reverse(name)}"' in nav
        assert shown == (PAGES[page][1].get(persona, 200) == 200), page  # a district admin uses every page


def test_a_grid_worker_cannot_open_an_area_of_another_grid(client, small, worker_b):
    client.force_login(worker_b)
    assert client.get(reverse("area", args=[small.grids[0].pk])).status_code == 404
    assert client.get(reverse("area", args=[small.grids[2].pk])).status_code == 200
