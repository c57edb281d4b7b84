"""The onboarding wizard (/manage/onboarding/): the steps with their state from the records, an
upload → a dry run that writes nothing → commit (all or nothing, the stored file deleted) → the
result; a second run of the same file changes nothing. The district administrator's own district
only: another district's administrator and community staff find nothing (404)."""

import json
import os
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from shapely.geometry import Point, mapping, shape

from wangge.accounts import actions as account_actions
from wangge.accounts.models import AuditAction, AuditEvent, Role
from wangge.areas.actions import create_district, import_grids
from wangge.areas.models import AreaNode, GridBoundary, Level
from wangge.areas.tests.factories import build_small_district
from wangge.conftest import PASSWORD, make_persona
from wangge.lib.errors import DomainError
from wangge.lib.testing import assert_flat, count_queries
from wangge.web.manage.onboarding import SESSION_KEY

pytestmark = pytest.mark.usefixtures("english", "media")

URL = "/manage/onboarding/"
FILES = Path(__file__).resolve().parents[2] / "onboarding" / "tests" / "files" / "xinqu"


@pytest.fixture
def xinqu(db):
    """An empty district, as a superuser creates it, and its administrator."""
    district = create_district(None, name="新区", code="XQ")
    admin = make_persona("admin_xq", Role.DISTRICT_ADMIN, district)
    return district, admin


def _grids_file(name="grids.geojson", content=None):
    data = content if content is not None else (FILES / "grids.geojson").read_bytes()
    return SimpleUploadedFile(name, data, content_type="application/geo+json")


def _upload(client, step, upload, **fields):
    return client.post(reverse("manage_onboarding_send", args=[step]), {"file": upload, **fields})


def _token(response):
    location = response["Location"]
    assert location.startswith("/manage/onboarding/upload/"), location
    return location.rstrip("/").rsplit("/", 1)[-1]


def _snapshot(district):
    return (
        list(AreaNode.objects.filter(district=district).order_by("pk").values_list("pk", "code", "name")),
        list(GridBoundary.objects.filter(district=district).order_by("pk").values_list("pk", "generation")),
    )


def _stored_files(settings):
    folder = Path(settings.MEDIA_ROOT) / "onboarding" / "uploads"
    return sorted(folder.iterdir()) if folder.exists() else []


def test_url_names():
    assert reverse("manage_onboarding") == URL
    assert reverse("manage_onboarding_send", args=["grids"]) == "/manage/onboarding/step/grids/"
    assert reverse("manage_onboarding_upload", args=["ab12"]) == "/manage/onboarding/upload/ab12/"
    assert reverse("manage_checklist") == "/manage/checklist/"


def test_the_steps_are_listed_in_order_with_their_state_from_the_records(client, xinqu, small):
    district, admin = xinqu
    client.force_login(admin)
    response = client.get(URL)
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [r["step"].key for r in rows] == ["grids", "addresses", "staff", "org_units", "resident_units"]
    assert not any(r["state"].done for r in rows)
    assert 'data-step="grids" data-done="false"' in response.content.decode()


def test_the_grid_dry_run_reports_communities_and_grids_and_writes_nothing(client, xinqu, settings):
    district, admin = xinqu
    client.force_login(admin)
    before = _snapshot(district)
    token = _token(_upload(client, "grids", _grids_file()))
    assert len(_stored_files(settings)) == 1
    page = client.get(reverse("manage_onboarding_upload", args=[token]))
    assert page.status_code == 200
    report = page.context["report"]
    assert report.new_communities == ["XQ-C1", "XQ-C2"]
    assert report.new == ["XQ-C1-G1", "XQ-C1-G2", "XQ-C2-G1", "XQ-C2-G2"]
    assert not report.errors and not report.overlaps and not report.gaps
    html = page.content.decode()
    assert 'data-map="preview"' in html and 'data-testid="commit"' in html
    assert "东湖社区 (XQ-C1)、西山社区 (XQ-C2)" in html
    assert [f["properties"]["state"] for f in page.context["preview"]["grids"]["features"]] == ["new"] * 4
    assert _snapshot(district) == before
    assert not AuditEvent.objects.filter(action=AuditAction.GRIDS_IMPORTED).exists()


def test_commit_writes_the_grids_deletes_the_file_and_a_second_run_changes_nothing(client, xinqu, settings):
    district, admin = xinqu
    client.force_login(admin)
    token = _token(_upload(client, "grids", _grids_file()))
    result = client.post(reverse("manage_onboarding_commit", args=[token]))
    assert result.status_code == 200 and result.context["report"].committed
    assert 'data-testid="committed"' in result.content.decode()
    assert _stored_files(settings) == []
    assert token not in client.session.get(SESSION_KEY, {})
    assert client.get(reverse("manage_onboarding_upload", args=[token])).status_code == 404
    communities = AreaNode.objects.filter(district=district, level=Level.COMMUNITY).order_by("code")
    assert [(c.code, c.name) for c in communities] == [("XQ-C1", "东湖社区"), ("XQ-C2", "西山社区")]
    assert GridBoundary.objects.filter(district=district, valid_to__isnull=True).count() == 4
    event = AuditEvent.objects.get(action=AuditAction.GRIDS_IMPORTED)
    assert event.actor == admin and event.detail["new_communities"] == 2

    steps = client.get(URL).context["rows"]
    assert steps[0]["state"].done and steps[0]["state"].count == 4

    before = _snapshot(district)
    again = _token(_upload(client, "grids", _grids_file()))
    report = client.get(reverse("manage_onboarding_upload", args=[again])).context["report"]
    assert report.new == [] and report.new_communities == [] and len(report.unchanged) == 4
    assert client.post(reverse("manage_onboarding_commit", args=[again])).status_code == 200
    assert _snapshot(district)[0] == before[0]


def test_overlaps_are_shown_on_the_map_and_the_file_cannot_be_committed(client, xinqu, settings):
    district, admin = xinqu
    data = json.loads((FILES / "grids.geojson").read_text(encoding="utf-8"))
    ring = data["features"][1]["geometry"]["coordinates"][0]
    for point in ring:  # the second grid reaches 0.001° into the first
        if point[0] == 117.105:
            point[0] = 117.104
    client.force_login(admin)
    token = _token(_upload(client, "grids", _grids_file(content=json.dumps(data).encode())))
    page = client.get(reverse("manage_onboarding_upload", args=[token]))
    html = page.content.decode()
    assert [p.feature for p in page.context["report"].overlaps] == ["XQ-C1-G1 / XQ-C1-G2"]
    assert 'data-testid="overlaps"' in html and 'data-testid="commit"' not in html
    preview = page.context["preview"]
    assert [p["kind"] for p in preview["places"]] == ["overlap"]
    assert {f["properties"]["code"] for f in preview["grids"]["features"] if f["properties"]["overlaps"]} == {
        "XQ-C1-G1",
        "XQ-C1-G2",
    }
    before = _snapshot(district)
    refused = client.post(reverse("manage_onboarding_commit", args=[token]))
    assert refused.status_code == 409 and 'data-code="not_committed"' in refused.content.decode()
    assert _snapshot(district) == before
    assert len(_stored_files(settings)) == 1  # kept until discarded
    client.post(reverse("manage_onboarding_discard", args=[token]))
    assert _stored_files(settings) == []


def test_a_gap_needs_the_administrators_consent_to_commit(client, xinqu):
    district, admin = xinqu
    data = json.loads((FILES / "grids.geojson").read_text(encoding="utf-8"))
    # Each grid's corner at the middle of the four is cut off: a hole no grid covers.
    hole = Point(117.105, 36.655).buffer(0.0005, quad_segs=1)
    for feature in data["features"]:
        feature["geometry"] = mapping(shape(feature["geometry"]).difference(hole))
    client.force_login(admin)
    token = _token(_upload(client, "grids", _grids_file(content=json.dumps(data).encode())))
    page = client.get(reverse("manage_onboarding_upload", args=[token]))
    assert page.context["report"].gaps and 'data-testid="allow-gaps"' in page.content.decode()
    refused = client.post(reverse("manage_onboarding_commit", args=[token]))
    assert refused.status_code == 409 and not GridBoundary.objects.filter(district=district).exists()
    done = client.post(reverse("manage_onboarding_commit", args=[token]), {"allow_gaps": "1"})
    assert done.status_code == 200 and GridBoundary.objects.filter(district=district).count() == 4


def test_a_file_that_is_not_json_is_reported_not_a_server_error(client, xinqu):
    _district, admin = xinqu
    client.force_login(admin)
    token = _token(_upload(client, "grids", _grids_file(content=b"{not json")))
    page = client.get(reverse("manage_onboarding_upload", args=[token]))
    assert page.status_code == 200
    assert [e.code for e in page.context["report"].errors] == ["not_json"]
    assert 'data-testid="commit"' not in page.content.decode()


def test_a_file_of_the_wrong_type_is_refused_with_a_message(client, xinqu, settings):
    _district, admin = xinqu
    client.force_login(admin)
    response = client.post(
        reverse("manage_onboarding_send", args=["grids"]), {"file": _grids_file(name="grids.xlsx")}, follow=True
    )
    assert [m.tags for m in response.context["messages"]] == ["file_type error"]
    assert _stored_files(settings) == []


def test_another_districts_admin_and_community_staff_find_nothing(client, xinqu, community_staff, settings):
    district, admin = xinqu
    other = build_small_district("U")
    other_admin = make_persona("admin_u", Role.DISTRICT_ADMIN, other.district)
    client.force_login(admin)
    token = _token(_upload(client, "grids", _grids_file()))
    for persona in (other_admin, community_staff):
        intruder = client.__class__()
        intruder.force_login(persona)
        assert intruder.get(f"{URL}?district={district.pk}").status_code == 404
        assert intruder.get(reverse("manage_onboarding_upload", args=[token])).status_code == 404
        assert intruder.post(reverse("manage_onboarding_commit", args=[token])).status_code == 404
        assert intruder.post(reverse("manage_onboarding_discard", args=[token])).status_code == 404
        sent = intruder.post(
            reverse("manage_onboarding_send", args=["grids"]), {"file": _grids_file(), "district": district.pk}
        )
        assert sent.status_code == 404
        assert intruder.get(f"/manage/checklist/?district={district.pk}").status_code == 404
    assert not AreaNode.objects.filter(district=district, level=Level.GRID).exists()
    assert len(_stored_files(settings)) == 1
    # The other district's admin sees their own district's steps, not this one's.
    own = client.__class__()
    own.force_login(other_admin)
    assert own.get(URL).context["district"] == other.district


def test_the_import_refuses_a_user_who_does_not_administer_the_district(xinqu, small):
    district, _admin = xinqu
    outsider = make_persona("admin_t", Role.DISTRICT_ADMIN, small.district)
    data = json.loads((FILES / "grids.geojson").read_text(encoding="utf-8"))
    with pytest.raises(DomainError) as refused:
        import_grids(outsider, district=district, data=data, commit=True)
    assert refused.value.status == 404
    assert not AreaNode.objects.filter(district=district, level=Level.COMMUNITY).exists()


def test_the_steps_page_costs_the_same_queries_with_more_records(client, district_admin, small):
    client.force_login(district_admin)
    client.get(URL)
    with count_queries() as few:
        assert client.get(URL).status_code == 200
    for n in range(3):
        make_persona(f"worker_x{n}", Role.GRID_WORKER, small.grids[n])
    with count_queries() as many:
        assert client.get(URL).status_code == 200
    assert_flat(few, many, at_most=15)


def test_the_superuser_chooses_the_district(client, xinqu, small):
    district, _admin = xinqu
    root = account_actions.create_user(None, username="root", password=PASSWORD)
    root.is_superuser = True
    root.save()
    client.force_login(root)
    assert client.get(f"{URL}?district={district.pk}").context["district"] == district
    assert client.get(f"{URL}?district={small.district.pk}").context["district"] == small.district
    assert client.get(f"{URL}?district=999999").status_code == 404


def test_an_upload_left_for_a_day_is_deleted_at_the_next_upload(client, xinqu, settings):
    _district, admin = xinqu
    client.force_login(admin)
    _token(_upload(client, "grids", _grids_file()))
    [old] = _stored_files(settings)
    day_ago = time.time() - 25 * 3600
    os.utime(old, (day_ago, day_ago))
    _token(_upload(client, "grids", _grids_file()))
    assert old not in _stored_files(settings) and len(_stored_files(settings)) == 1
