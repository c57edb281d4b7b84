"""The API's interactive page (/api/v1/docs): Swagger UI from our own static files, nothing from
elsewhere (it was loaded from a CDN); a deployment turns it off with `WANGGE_API_DOCS=off`."""

import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from wangge.api.testing import assert_error


def test_the_docs_page_loads_nothing_from_elsewhere(db):
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert any(src.endswith("swagger-ui-bundle.js") for src in sources), sources
    assert all(src.startswith("/static/") for src in sources), sources
    assert "cdn" not in html.lower()


def test_the_docs_page_sends_the_document_to_no_validator(db):
    html = Client().get("/api/v1/docs").content.decode()
    found = re.search(r'<script type="application/json" id="swagger-settings">(.*?)</script>', html, re.S)
    assert found is not None
    swagger = json.loads(found.group(1))
    assert swagger["validatorUrl"] is None and swagger["url"] == "/api/v1/openapi.json"


@pytest.mark.parametrize(
    "path", ["ninja/swagger-ui-bundle.js", "ninja/swagger-ui-init.js", "ninja/swagger-ui.css", "ninja/favicon.svg"]
)
def test_the_swagger_files_are_our_static_files(path):
    assert finders.find(path) is not None


def test_a_deployment_can_switch_the_docs_page_off(db, settings):
    settings.API_DOCS = False
    assert_error(Client().get("/api/v1/docs"), 404, "not_found")
    assert Client().get("/api/v1/openapi.json").status_code == 200  # the document stays
