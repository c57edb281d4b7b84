"""A round trip through a real server with a GeoReport v2 client library from PyPI (`georeport`,
a thin wrapper over requests + xmltodict): it reads what a plain HTTP client filed, in JSON and
in XML. (The library cannot file requests itself; `requests` posts the form as apps do.)"""

import pytest
import requests
from georeport import GeoReport

from wangge.cases.tests.factories import IN_GRID_0
from wangge.open311 import actions


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_client_library_reads_what_was_filed(live_server, small, catalogue, fmt):
    key = actions.create_api_key(None, name="app", district=small.district)[1]
    root = f"{live_server.url}/open311/v2"
    filed = requests.post(
        f"{root}/requests.json",
        data={
            "api_key": key,
            "jurisdiction_id": "T",
            "service_code": "SZ01",
            "lat": IN_GRID_0[1],
            "long": IN_GRID_0[0],
            "description": "3号楼前路灯不亮",
            "attribute[since]": "week",
            "attribute[lamp_count]": "2",
        },
        timeout=10,
    )
    assert filed.status_code == 200, filed.text
    number = filed.json()[0]["service_request_id"]

    client = GeoReport(root, jurisdiction="T", output_format=fmt)
    services = client.get_service_list()
    streetlight = next(s for s in services if s["service_code"] == "SZ01")
    assert streetlight["service_name"] == "路灯不亮"
    definition = client.get_service_definition("SZ01")
    attributes = definition["attributes"] if fmt == "json" else definition["attributes"]["attribute"]
    assert [a["code"] for a in attributes] == ["lamp_count", "since"]
    request = client.get_service_request(number)
    assert request["service_request_id"] == number and request["status"] == "open"
    listed = client.get_service_requests(service_code="SZ01", status="open")
    listed = listed if isinstance(listed, list) else [listed]  # xmltodict: one element is no list
    assert [r["service_request_id"] for r in listed] == [number]
    assert client.get_service_requests(service_request_id=number)
