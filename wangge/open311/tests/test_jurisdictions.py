"""Each district is a jurisdiction (jurisdiction_id = its code): optional while there is one,
required (400) once there are several, 404 when unknown; nothing crosses between districts."""

import pytest

from wangge.areas.tests.factories import build_small_district
from wangge.cases import actions as case_actions
from wangge.cases.catalogue import install_default_catalogue
from wangge.cases.models import Category
from wangge.open311 import actions
from wangge.open311.tests.conftest import answer, both, call, error, file_case, post_form, post_request

READS = ["services", "services/HJ01", "requests", "servicerequestupdates"]


@pytest.fixture
def two(small, catalogue):
    other = build_small_district("U")
    install_default_catalogue(other.district)
    return other


@pytest.mark.parametrize("path", READS)
def test_with_one_district_the_jurisdiction_may_be_left_out_or_named(small, catalogue, path):
    assert both("get", path) == both("get", path, {"jurisdiction_id": "T"})


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("path", [*READS, "tokens/abc", "requests/T-20260101-0001"])
def test_an_unknown_jurisdiction_is_404(small, catalogue, path, fmt):
    error(call("get", f"{path}.{fmt}", {"jurisdiction_id": "nowhere.gov.cn"}), fmt, 404, "jurisdiction_not_found")


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("path", [*READS, "tokens/abc", "requests/T-20260101-0001"])
def test_with_two_districts_the_jurisdiction_is_required(two, path, fmt):
    error(call("get", f"{path}.{fmt}"), fmt, 400, "jurisdiction_required")
    error(call("get", f"{path}.{fmt}", {"jurisdiction_id": ""}), fmt, 400, "jurisdiction_required")


def test_a_post_needs_the_jurisdiction_too_once_there_are_two(two, key):
    error(post_request(key, description="x"), "json", 400, "jurisdiction_required")
    answer(post_request(key, description="x", jurisdiction_id="T"), "json")


def test_discovery_needs_no_jurisdiction(two):
    assert both("get", "discovery")["endpoints"]


def test_requests_tokens_and_updates_stay_in_their_district(small, catalogue, two):
    mine = file_case(small, catalogue)
    # The test districts lie on the same squares; U's cases are placed by building.
    theirs = case_actions.file_case(
        None,
        district=two.district,
        category=Category.objects.get(district=two.district, code="HJ01"),
        channel="patrol",
        description="x",
        building=two.buildings[0],
    )

    def numbers(path, **params):
        return [r["service_request_id"] for r in both("get", path, params)]

    assert numbers("requests", jurisdiction_id="T") == [mine.number]
    assert numbers("requests", jurisdiction_id="U") == [theirs.number]
    assert numbers("requests", jurisdiction_id="T", service_request_id=f"{mine.number},{theirs.number}") == [
        mine.number
    ]
    assert numbers("servicerequestupdates", jurisdiction_id="U") == [theirs.number]
    error(
        call("get", f"requests/{theirs.number}.json", {"jurisdiction_id": "T"}),
        "json",
        404,
        "service_request_not_found",
    )
    raw = actions.create_api_key(None, name="u-app", district=two.district)[1]
    data = {"api_key": raw, "jurisdiction_id": "U", "service_code": "HJ01", "address_id": str(two.buildings[1].pk)}
    token = answer(post_form("requests.json", data), "json")[0]["token"]
    error(call("get", f"tokens/{token}.json", {"jurisdiction_id": "T"}), "json", 404, "token_not_found")
    assert answer(call("get", f"tokens/{token}.json", {"jurisdiction_id": "U"}), "json")[0]["token"] == token
    # A building of the other district is no address_id here.
    data = {"api_key": raw, "jurisdiction_id": "U", "service_code": "HJ01", "address_id": str(small.buildings[0].pk)}
    error(post_form("requests.json", data), "json", 400, "address_id_unknown")
