"""Uploaded photos: accept only real images (checked by content, not by name), re-encode them
as JPEG, drop all metadata (EXIF with GPS position, comments), bound their size."""

import io
from typing import BinaryIO

from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from wangge.lib.errors import DomainError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_SIDE = 2560
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "BMP"}
Image.MAX_IMAGE_PIXELS = 60_000_000  # refuse decompression bombs


def clean_image(upload: BinaryIO) -> tuple[bytes, int, int]:
    """The re-encoded JPEG bytes and their width and height, or a DomainError."""
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise DomainError(
            "image_too_large", _("The photo is larger than %(mb)d MB.") % {"mb": MAX_UPLOAD_BYTES // 1024 // 1024}
        )
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        with Image.open(io.BytesIO(data)) as opened:
            if opened.format not in ACCEPTED_FORMATS:
                raise UnidentifiedImageError
            # Keep the orientation, then drop every piece of metadata by re-encoding.
            image = ImageOps.exif_transpose(opened).convert("RGB")
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            image.save(out, format="JPEG", quality=85, optimize=True)
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError, ValueError):
        raise DomainError("not_an_image", _("Only photos can be attached (JPEG, PNG, WebP, GIF).")) from None
    return out.getvalue(), image.width, image.height
