"""REST: POST /api/v1/cases/{id}/photos — a multipart photo, checked by content, re-encoded;
anything else refused with nothing written; only on cases the caller sees."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from wangge.api.testing import (
    assert_error,
    bearer_client,
)
from wangge.cases.models import Attachment
from wangge.cases.tests.factories import IN_GRID_2, filed, ok, read

pytestmark = pytest.mark.usefixtures("media")


def _upload(content: bytes, name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/png")


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 30, 200)).save(out, format="PNG")
    return out.getvalue()


def test_a_photo_is_attached_and_listed(small, catalogue, worker_a):
    client = bearer_client(worker_a)
    case = filed(client)
    body = ok(client.post(f"/api/v1/cases/{case['id']}/photos", {"file": _upload(_png())}), 201)
    stored = Attachment.objects.get()
    assert body == {
        "id": stored.pk,
        "width": 64,
        "height": 48,
        "size": stored.size,
        "public": True,
        "created_at": body["created_at"],
    }
    assert stored.file.name.endswith(".jpg") and stored.uploaded_by == worker_a
    assert [p["id"] for p in read(client, case)["photos"]] == [stored.pk]


def test_a_photo_can_be_kept_from_the_reporter(small, catalogue, worker_a):
    client = bearer_client(worker_a)
    case = filed(client)
    body = ok(client.post(f"/api/v1/cases/{case['id']}/photos", {"file": _upload(_png()), "public": "false"}), 201)
    assert body["public"] is False


@pytest.mark.parametrize(
    "content",
    [b"%PDF-1.4 not an image", b"<svg xmlns='http://www.w3.org/2000/svg'/>", b"\x89PNG\r\n\x1a\n" + b"\0" * 50],
)
def test_anything_but_an_image_is_refused(small, catalogue, worker_a, content):
    client = bearer_client(worker_a)
    case = filed(client)
    response = client.post(f"/api/v1/cases/{case['id']}/photos", {"file": _upload(content, "x.png")})
    assert_error(response, 400, "not_an_image")
    assert not Attachment.objects.exists()


def test_the_file_is_required(small, catalogue, worker_a):
    client = bearer_client(worker_a)
    case = filed(client)
    assert_error(client.post(f"/api/v1/cases/{case['id']}/photos", {}), 422, "invalid_input")


def test_not_on_a_case_out_of_scope(small, catalogue, worker_a, worker_b):
    case = filed(bearer_client(worker_b), point=IN_GRID_2)
    response = bearer_client(worker_a).post(f"/api/v1/cases/{case['id']}/photos", {"file": _upload(_png())})
    assert_error(response, 404, "not_found")
    assert not Attachment.objects.exists()


def test_a_photo_is_downloaded_only_in_scope(small, catalogue, worker_a, worker_b):
    client = bearer_client(worker_a)
    case = filed(client)
    photo = ok(client.post(f"/api/v1/cases/{case['id']}/photos", {"file": _upload(_png())}), 201)
    url = f"/api/v1/cases/{case['id']}/photos/{photo['id']}"
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content).startswith(b"\xff\xd8")
    assert_error(bearer_client(worker_b).get(url), 404, "not_found")


def test_the_reporter_downloads_public_photos_only(small, catalogue, worker_a):
    from wangge.accounts.models import Role
    from wangge.conftest import make_persona

    resident = make_persona("resident", Role.RESIDENT, small.households[0])
    reporter = bearer_client(resident)
    case = filed(reporter)
    staff = bearer_client(worker_a)
    public = ok(staff.post(f"/api/v1/cases/{case['id']}/photos", {"file": _upload(_png())}), 201)
    hidden = ok(staff.post(f"/api/v1/cases/{case['id']}/photos", {"file": _upload(_png()), "public": "false"}), 201)
    assert reporter.get(f"/api/v1/cases/{case['id']}/photos/{public['id']}").status_code == 200
    assert_error(reporter.get(f"/api/v1/cases/{case['id']}/photos/{hidden['id']}"), 404, "not_found")
    assert staff.get(f"/api/v1/cases/{case['id']}/photos/{hidden['id']}").status_code == 200
