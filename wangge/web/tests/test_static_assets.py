"""Vendored front-end files are served from our own static files: no CDN, nothing from the internet."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse


@pytest.mark.parametrize(
    "path",
    [
        "wangge/site.css",
        "wangge/map.js",
        "vendor/leaflet/leaflet.js",
        "vendor/leaflet/leaflet.css",
        "vendor/leaflet/images/marker-icon.png",
        "vendor/leaflet/images/layers.png",
        "vendor/htmx/htmx.min.js",
        "wangge/fieldqueue.js",
        "wangge/icon-192.png",
        "wangge/icon-512.png",
    ],
)
def test_static_file_is_found(path):
    assert finders.find(path) is not None


@pytest.mark.parametrize("name", ["home", "coverage"])
def test_pages_load_nothing_from_elsewhere(client, district_admin, name):
    client.force_login(district_admin)
    html = client.get(reverse(name)).content.decode()
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert sources, "expected stylesheets and scripts"
    # Our static files, and the web app manifest (served by the app itself).
    assert all(src.startswith("/static/") or src == reverse("manifest") for src in sources), sources
    assert "leaflet.js" in html or name != "home"
    assert "htmx.min.js" in html
