"""The headline figures: each equals a count made independently over the records, a case closed
now moves `issues_resolved` at once, each figure's records list holds as many records as it
counted, a community's staff read their community's figures only, and the figures cost the same
number of queries however many records there are."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from wangge.accounts.models import Role
from wangge.assistance.tests.factories import dossier, help_, member_with_account, pair
from wangge.cases.models import Case, Channel, ReturnVisit
from wangge.cases.tests.factories import IN_GRID_0, IN_GRID_2, closed_off, file_at
from wangge.conftest import make_persona
from wangge.dashboard import headline
from wangge.dashboard.periods import period
from wangge.lib.testing import assert_flat, count_queries

YEAR = timezone.localdate().year


def _year_earlier(case: Case) -> None:
    """Move a case's filing back a year (as the demo's previous year does)."""
    Case.objects.filter(pk=case.pk).update(created_at=case.created_at - dt.timedelta(days=365))


@pytest.fixture
def records(small, catalogue, district_admin, dept_a, worker_a, worker_b):
    """Two cases of grid 0 closed off (one satisfied, one basically satisfied), a case of
    grid 2 (community 2) closed off, one still open; petitions: two this year (one closed) and
    two a year earlier in grid 0, one this year in grid 2; a member's help to a household of grid 0."""
    closed = [
        closed_off(district_admin, dept_a, file_at(worker_a)),
        closed_off(district_admin, dept_a, file_at(worker_a, channel=Channel.PETITION), result="basically"),
        closed_off(district_admin, dept_a, file_at(worker_b, point=IN_GRID_2)),
    ]
    file_at(worker_a, description="还没办完")
    file_at(worker_a, channel=Channel.PETITION, description="信访：噪音")
    for _ in range(2):
        _year_earlier(file_at(worker_a, channel=Channel.PETITION))
    file_at(worker_b, point=IN_GRID_2, channel=Channel.PETITION)
    member, _user = member_with_account(small, "李帮扶")
    household_dossier = dossier(worker_a, small.households[0], ("money", "ordinary"))
    help_(worker_a, household_dossier, pair=pair(worker_a, household_dossier, member))
    return closed


def _api(user, path: str, **params):
    client = Client()
    client.force_login(user)
    return client.get(f"/api/v1/dashboard/{path}", params)


def _figures(user, **params) -> dict[str, dict]:
    response = _api(user, "headline", **params)
    assert response.status_code == 200, response.content
    return {f["key"]: f for f in response.json()["figures"]}


def test_each_figure_equals_a_count_made_over_the_records(small, records, district_admin):
    figures = _figures(district_admin, area=small.district.pk, year=YEAR)
    assert list(figures) == [
        "deeds",
        "issues_resolved",
        "residents_benefited",
        "facility_utilisation",
        "petitions",
        "satisfaction",
    ]
    closed = Case.objects.filter(state="closed", closed_at__year=YEAR, district=small.district)
    assert figures["issues_resolved"]["value"] == closed.count() == 3
    assert figures["issues_resolved"]["breakdown"]["petition"] == closed.filter(channel="petition").count() == 1
    petitions = Case.objects.filter(channel="petition", created_at__year=YEAR)
    assert figures["petitions"]["value"] == petitions.count() == 3
    assert (
        figures["petitions"]["previous"]
        == Case.objects.filter(channel="petition", created_at__year=YEAR - 1).count()
        == 2
    )
    assert figures["petitions"]["change"] == 50.0
    visits = ReturnVisit.objects.filter(created_at__year=YEAR)
    pleased = visits.filter(result__in=["satisfied", "basically"]).count()
    assert figures["satisfaction"]["value"] == round(pleased / visits.count() * 100, 2) == 100.0
    assert figures["satisfaction"]["previous"] is None
    assert figures["deeds"]["value"] == 1 and figures["deeds"]["breakdown"]["help"] == 1
    # The member's help reached one household of the district's (the registry's households).
    households = len(small.households)
    assert figures["residents_benefited"]["count"] >= 1
    assert figures["residents_benefited"]["value"] == round(
        figures["residents_benefited"]["count"] / households * 100, 2
    )
    # No shared facility in the small district: no value, and a reason instead of 0.
    assert figures["facility_utilisation"]["value"] is None and figures["facility_utilisation"]["reason"]
    for figure in figures.values():
        assert figure["definition"] and figure["label"] and figure["unit"]


def test_a_case_closed_now_moves_issues_resolved_at_once(small, catalogue, district_admin, dept_a, worker_a):
    before = _figures(district_admin, area=small.district.pk, year=YEAR)["issues_resolved"]["value"]
    closed_off(district_admin, dept_a, file_at(worker_a))
    after = _figures(district_admin, area=small.district.pk, year=YEAR)["issues_resolved"]["value"]
    assert after == before + 1


@pytest.mark.parametrize("key", headline.KEYS)
def test_the_records_list_of_each_figure_holds_what_it_counted(small, records, district_admin, key):
    figure = _figures(district_admin, area=small.district.pk, year=YEAR)[key]
    response = _api(district_admin, f"figures/{key}/records", area=small.district.pk, year=YEAR, limit=1)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == figure["count"]
    assert len(body["items"]) == min(1, figure["count"])
    everything = _api(district_admin, f"figures/{key}/records", area=small.district.pk, year=YEAR).json()
    assert len(everything["items"]) == figure["count"]
    if figure["unit"] not in ("%",):
        assert figure["count"] == figure["value"]


def test_a_community_reads_its_own_figures_only(small, records, community_staff):
    other = make_persona("staff_2", Role.COMMUNITY_STAFF, small.communities[1])
    mine = _figures(community_staff, area=small.communities[0].pk, year=YEAR)
    assert mine["issues_resolved"]["value"] == 2 and mine["petitions"]["value"] == 2
    theirs = _figures(other, area=small.communities[1].pk, year=YEAR)
    assert theirs["issues_resolved"]["value"] == 1 and theirs["petitions"]["value"] == 1
    # Without an area: the reader's own community.
    assert _figures(other)["issues_resolved"]["value"] == 1
    for area in (small.communities[1], small.district):
        assert _api(community_staff, "headline", area=area.pk, year=YEAR).status_code == 404
        assert _api(community_staff, "figures/petitions/records", area=area.pk, year=YEAR).status_code == 404
    assert _api(other, "figures/issues_resolved/records", area=small.communities[0].pk).status_code == 404


def test_a_grid_worker_and_a_resident_read_no_dashboard(small, worker_a, resident):
    for user in (worker_a, resident):
        assert _api(user, "headline", area=small.grids[0].pk).status_code == 404


def test_a_quarter_and_a_month_together_are_refused_and_an_unknown_figure_is_not_found(small, district_admin):
    response = _api(district_admin, "headline", year=YEAR, quarter=1, month=2)
    assert (response.status_code, response.json()["code"]) == (400, "dashboard_period_invalid")
    response = _api(district_admin, "figures/nothing/records", year=YEAR)
    assert (response.status_code, response.json()["code"]) == (404, "figure_unknown")


def test_a_quarter_and_a_month_count_their_own_days(small, records, district_admin):
    month = timezone.localdate().month
    quarter = (month - 1) // 3 + 1
    assert _figures(district_admin, year=YEAR, month=month)["issues_resolved"]["value"] == 3
    assert _figures(district_admin, year=YEAR, quarter=quarter)["issues_resolved"]["value"] == 3
    other_month = month % 12 + 1 if month != 12 else 1
    assert _figures(district_admin, year=YEAR, month=other_month)["issues_resolved"]["value"] == 0
    asked = period(YEAR, quarter=quarter)
    assert asked.first.month == 3 * quarter - 2 and asked.last.month == 3 * quarter


def test_the_headline_and_records_cost_the_same_queries_however_many_records(
    small, catalogue, district_admin, dept_a, worker_a
):
    closed_off(district_admin, dept_a, file_at(worker_a, channel=Channel.PETITION))
    with count_queries() as few:
        _api(district_admin, "headline", year=YEAR)
        _api(district_admin, "figures/issues_resolved/records", year=YEAR)
        _api(district_admin, "figures/satisfaction/records", year=YEAR)
    for _ in range(4):
        closed_off(district_admin, dept_a, file_at(worker_a, point=IN_GRID_0, channel=Channel.PETITION))
    with count_queries() as many:
        _api(district_admin, "headline", year=YEAR)
        _api(district_admin, "figures/issues_resolved/records", year=YEAR)
        _api(district_admin, "figures/satisfaction/records", year=YEAR)
    assert_flat(few, many)
