"""GET discovery, GET services, GET services/{code}: every field, its type, both formats."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from wangge.cases.models import Category, CategoryQuestion, QuestionType
from wangge.lib.testing import assert_flat, count_queries
from wangge.open311.tests.conftest import answer, both, call, error


def test_discovery_names_the_endpoint_its_formats_and_how_to_get_a_key(db):
    body = both("get", "discovery")
    assert list(body) == ["changeset", "contact", "key_service", "endpoints"]
    assert all(isinstance(body[field], str) and body[field] for field in ("changeset", "contact", "key_service"))
    [endpoint] = body["endpoints"]
    assert endpoint == {
        "specification": "http://wiki.open311.org/GeoReport_v2",
        "url": "http://testserver/open311/v2",
        "changeset": body["changeset"],
        "type": "test",
        "formats": ["text/xml", "application/json"],
    }


def test_discovery_xml_has_the_specification_structure(db):
    root = answer(call("get", "discovery.xml"), "xml")
    assert [child.tag for child in root] == ["changeset", "contact", "key_service", "endpoints"]
    endpoint = root.find("endpoints/endpoint")
    assert [child.tag for child in endpoint] == ["specification", "url", "changeset", "type", "formats"]
    assert [f.text for f in endpoint.findall("formats/format")] == ["text/xml", "application/json"]


def test_discovery_changeset_moves_when_a_service_changes(small, catalogue):
    before = both("get", "discovery")["changeset"]
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=5)):
        catalogue["HJ01"].save()
    assert both("get", "discovery")["changeset"] > before


def test_discovery_type_is_production_in_production(db, settings):
    settings.PRODUCTION = True
    assert both("get", "discovery")["endpoints"][0]["type"] == "production"


def test_services_are_the_active_public_categories_with_their_group(small, catalogue):
    Category.objects.filter(code="MS03").update(public=False)
    Category.objects.filter(code="MS02").update(active=False)
    services = both("get", "services")
    codes = [s["service_code"] for s in services]
    assert "MS03" not in codes and "MS02" not in codes
    assert not {"CG", "HJ", "SZ"} & set(codes)  # groups are not services
    assert codes[:3] == ["CG01", "CG02", "CG03"]
    streetlight = next(s for s in services if s["service_code"] == "SZ01")
    assert streetlight == {
        "service_code": "SZ01",
        "service_name": "路灯不亮",
        "description": None,
        "metadata": True,
        "type": "realtime",
        "keywords": "市政设施,路灯不亮",
        "group": "市政设施",
    }
    assert next(s for s in services if s["service_code"] == "HJ01")["metadata"] is False
    assert all(isinstance(s["service_code"], str) for s in services)


def test_services_xml_elements(small, catalogue):
    root = answer(call("get", "services.xml"), "xml")
    assert root.tag == "services" and {child.tag for child in root} == {"service"}
    first = root.find("service")
    assert [c.tag for c in first] == [
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    ]
    assert root.find("service[service_code='SZ01']/metadata").text == "true"


def test_services_cost_the_same_queries_however_many_there_are(small, catalogue):
    with count_queries() as few:
        call("get", "services.json")
    group = catalogue["SZ01"].parent
    for n in range(20):
        Category.objects.create(district=small.district, parent=group, code=f"X{n:02d}", name=f"新类{n}")
    with count_queries() as many:
        assert len(answer(call("get", "services.json"), "json")) == len(catalogue) - 6 + 20
    assert_flat(few, many)


def test_an_empty_list_is_an_empty_array_and_an_empty_element(small):
    assert both("get", "services") == []
    root = answer(call("get", "services.xml"), "xml")
    assert root.tag == "services" and len(root) == 0


def test_the_service_definition_maps_every_question_type(small, catalogue):
    category = catalogue["HJ01"]
    for order, (code, datatype, required, choices) in enumerate(
        [
            ("kind", QuestionType.SINGLE, True, [{"key": "a", "name": "生活垃圾"}, {"key": "b", "name": "建筑垃圾"}]),
            ("bags", QuestionType.NUMBER, False, []),
            ("since", QuestionType.DATE, False, []),
            ("where", QuestionType.TEXT, False, []),
            ("smell", QuestionType.MULTIPLE, False, [{"key": "1", "name": "有异味"}, {"key": "2", "name": "招蚊蝇"}]),
        ]
    ):
        # Our order starts at 0 and may repeat; the answer numbers 1, 2, 3 …
        CategoryQuestion.objects.create(
            category=category,
            code=code,
            label=f"问题{code}",
            datatype=datatype,
            required=required,
            choices=choices,
            order=order // 2,
        )
    body = both("get", "services/HJ01")
    assert body["service_code"] == "HJ01"
    assert [a["code"] for a in body["attributes"]] == ["kind", "bags", "since", "where", "smell"]
    assert [a["order"] for a in body["attributes"]] == [1, 2, 3, 4, 5]
    assert [a["datatype"] for a in body["attributes"]] == [
        "singlevaluelist",
        "number",
        "datetime",
        "string",
        "multivaluelist",
    ]
    kind = body["attributes"][0]
    assert kind == {
        "variable": True,
        "code": "kind",
        "datatype": "singlevaluelist",
        "required": True,
        "datatype_description": None,
        "order": 1,
        "description": "问题kind",
        "values": [{"key": "a", "name": "生活垃圾"}, {"key": "b", "name": "建筑垃圾"}],
    }
    assert "values" not in body["attributes"][1] and body["attributes"][1]["datatype_description"]
    assert body["attributes"][4]["values"][0] == {"key": "1", "name": "有异味"}


def test_service_definition_xml_structure(small, catalogue):
    root = answer(call("get", "services/SZ01.xml"), "xml")
    assert root.tag == "service_definition"
    assert [c.tag for c in root] == ["service_code", "attributes"]
    attribute = root.find("attributes/attribute[code='since']")
    assert [v.find("key").text for v in attribute.findall("values/value")] == ["today", "week", "longer"]
    assert attribute.find("required").text == "true" and attribute.find("variable").text == "true"


def test_a_service_without_questions_has_an_empty_attribute_list(small, catalogue):
    assert both("get", "services/HJ01") == {"service_code": "HJ01", "attributes": []}


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("code", ["NOPE", "SZ", "MS03"])
def test_an_unknown_group_or_private_service_is_404(small, catalogue, fmt, code):
    Category.objects.filter(code="MS03").update(public=False)
    error(call("get", f"services/{code}.{fmt}"), fmt, 404, "service_code_not_found")


def test_services_of_another_district_are_not_served(small, catalogue):
    from wangge.areas.tests.factories import build_small_district
    from wangge.cases.catalogue import install_default_catalogue

    other = build_small_district("U")
    install_default_catalogue(other.district)
    Category.objects.filter(district=other.district, code="HJ01").update(name="别区的垃圾")
    names = {s["service_name"] for s in both("get", "services", {"jurisdiction_id": "T"})}
    assert "别区的垃圾" not in names and "垃圾堆放" in names
    names = {s["service_name"] for s in both("get", "services", {"jurisdiction_id": "U"})}
    assert "别区的垃圾" in names
