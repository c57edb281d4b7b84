"""Open311 test helpers: a key for the small district, calls in either format, and readers that
check an answer's HTTP framing (status, content type, XML declaration) before parsing it."""

import io
import json
from typing import Any
from urllib.parse import urlencode
from xml.etree import ElementTree as ET

import pytest
from django.test import Client
from PIL import Image

from wangge.areas.tests.factories import ORIGIN
from wangge.cases import actions as case_actions
from wangge.cases.tests.factories import IN_GRID_0
from wangge.open311.errors import ERROR_CODE_HEADER

BASE = "/open311/v2"
OUTSIDE = (ORIGIN[0] - 1, ORIGIN[1])
CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
# Containers and their repeated child, as the specification names them.
CONTAINERS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "service_request_updates": "request_update",
    "notes": "note",
}


@pytest.fixture(autouse=True)
def media(media):
    """Every Open311 test stores its uploads in its own directory (the root conftest's `media`)."""
    return media


@pytest.fixture
def addressed(small):
    """The first two buildings with street addresses (the factory gives none)."""
    for number, building in enumerate(small.buildings[:2], start=1):
        building.address = f"测试路{number}号"
        building.save(update_fields=["address"])
    return small.buildings[:2]


def png(size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 30, 200)).save(out, format="PNG")
    return out.getvalue()


def call(method: str, path: str, data: Any = None, **extra: Any):
    client = Client()
    return getattr(client, method)(f"{BASE}/{path}", data, **extra)


def answer(response, fmt: str, status: int = 200) -> Any:
    """The parsed answer after checking status, content type and (XML) the declaration."""
    assert response.status_code == status, (response.status_code, response.content[:800])
    assert response["Content-Type"] == CONTENT_TYPES[fmt]
    if fmt == "json":
        return json.loads(response.content.decode("utf-8"))
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(response.content)  # noqa: S314 (our own server's answer)


def spark(element: ET.Element) -> Any:
    """The Spark convention applied to XML (JSON_and_XML_Conversion): containers become lists,
    other elements with children records, leaves their text (None when empty)."""
    if element.tag in CONTAINERS:
        assert all(child.tag == CONTAINERS[element.tag] for child in element), element.tag
        return [spark(child) for child in element]
    if len(element):
        tags = [child.tag for child in element]
        assert len(tags) == len(set(tags)), tags
        return {child.tag: spark(child) for child in element}
    return element.text


def as_xml_text(value: Any) -> Any:
    """A JSON value as the XML carries it: every scalar a string, null absent text."""
    if isinstance(value, dict):
        return {k: as_xml_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_xml_text(v) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return None if value is None else str(value)


def both(method: str, path: str, data: Any = None, status: int = 200, **extra: Any) -> Any:
    """Call in JSON and in XML; check the XML says exactly what the JSON says; return the JSON."""
    as_json = answer(call(method, f"{path}.json", data, **extra), "json", status)
    as_xml = answer(call(method, f"{path}.xml", data, **extra), "xml", status)
    assert spark(as_xml) == as_xml_text(as_json)
    return as_json


def error(response, fmt: str, status: int, code: str) -> str:
    """The specification's error answer with this status; our code in the header; its description."""
    body = answer(response, fmt, status)
    assert code in [c.strip() for c in response[ERROR_CODE_HEADER].split(",")], response[ERROR_CODE_HEADER]
    if fmt == "xml":
        assert body.tag == "errors" and [child.tag for child in body] == ["error"] * len(body)
        body = spark(body)
        assert all(item["code"] == str(status) for item in body)
    else:
        assert isinstance(body, list) and all(item["code"] == status for item in body)
    assert all(set(item) == {"code", "description"} and item["description"] for item in body)
    return body[0]["description"]


def file_case(small, catalogue, code="HJ01", point=IN_GRID_0, **kwargs):
    """A case filed by a grid patrol (not through Open311)."""
    return case_actions.file_case(
        None,
        district=small.district,
        category=catalogue[code],
        channel="patrol",
        description=kwargs.pop("description", "张三 13800001111 反映楼下垃圾堆放"),
        lng=point[0],
        lat=point[1],
        **kwargs,
    )


def post_form(
    path: str, data: Any, content_type: str = "application/x-www-form-urlencoded; charset=utf-8", **extra: Any
):
    """A POST as the specification sends it: application/x-www-form-urlencoded (`data` a dict,
    a list of pairs for repeated names, or the body as bytes)."""
    body = data if isinstance(data, bytes | str) else urlencode(data, doseq=True)
    return Client().post(f"{BASE}/{path}", body, content_type=content_type, **extra)


def post_request(key: str, fmt: str = "json", **fields: Any):
    data = {"api_key": key, "service_code": "HJ01", "lat": IN_GRID_0[1], "long": IN_GRID_0[0], **fields}
    return post_form(f"requests.{fmt}", data)
