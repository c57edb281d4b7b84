"""Photos on cases: content-checked, re-encoded, location metadata stripped, size-limited."""

import io

import pytest
from PIL import Image

from wangge.cases import actions
from wangge.cases.models import Attachment
from wangge.cases.tests.factories import file
from wangge.lib.errors import DomainError

pytestmark = pytest.mark.usefixtures("media")


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (4000, 3000), (200, 30, 30))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 28.0)}  # GPSInfo
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_a_photo_is_re_encoded_without_metadata_and_scaled(small, catalogue):
    original = _jpeg_with_gps()
    assert b"PhoneMaker" in original
    case = file(small, catalogue)
    attachment = actions.attach_photo(None, case, upload=io.BytesIO(original))
    stored = attachment.file.read()
    assert b"PhoneMaker" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG"
        assert not image.getexif()
        assert max(image.size) == 2560 == attachment.width


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (b"%PDF-1.4 not an image", "not_an_image"),
        (b"<script>alert(1)</script>", "not_an_image"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "not_an_image"),
        (b"\xff\xd8" + b"0" * (10 * 1024 * 1024 + 10), "image_too_large"),
    ],
)
def test_anything_but_a_real_image_is_refused(small, catalogue, payload, code):
    case = file(small, catalogue)
    with pytest.raises(DomainError) as error:
        actions.attach_photo(None, case, upload=io.BytesIO(payload))
    assert error.value.code == code
    assert not Attachment.objects.exists()
