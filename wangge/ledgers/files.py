"""The files an import keeps under MEDIA_ROOT/ledgers/ (never under a public URL): uploads stored
for their background run, a commit's progress file, and the SHA-256 that names a file's content.
"""

import hashlib
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from wangge.ledgers.errors import LedgerError
from wangge.ledgers.models import ImportRun
from wangge.lib.errors import DomainError

MAX_UPLOAD_BYTES = 200 * 2**20
BLOCK = 1 << 20


def media_path(relative: str) -> Path:
    """Where a path relative to MEDIA_ROOT (as runs store them) is."""
    return Path(settings.MEDIA_ROOT) / relative


def progress_file(run: ImportRun) -> Path:
    """Where a commit run writes its progress (`actions.runs.RunProgress`, `queries.progress`)."""
    return media_path(f"ledgers/progress/{run.pk}.json")


def file_sha256(path: str | Path) -> str:
    """The SHA-256 of the file's content, read a block at a time."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


def save_upload(uploaded_file: UploadedFile, suffix: str, folder: str = "ledgers/uploads") -> tuple[str, str, int]:
    """Store the upload under MEDIA_ROOT/`folder` (default ledgers/uploads) with a random name;
    (relative path, SHA-256, size). A file over `MAX_UPLOAD_BYTES` is refused and nothing of it
    is kept."""
    relative = f"{folder}/{uuid.uuid4().hex}{suffix}"
    target = media_path(relative)
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with open(target, "wb") as handle:
        for block in uploaded_file.chunks():
            size += len(block)
            if size > MAX_UPLOAD_BYTES:
                handle.close()
                target.unlink(missing_ok=True)
                raise DomainError(
                    LedgerError.FILE_TOO_LARGE,
                    _("The file is larger than %(limit)d MB.") % {"limit": MAX_UPLOAD_BYTES // 2**20},
                )
            digest.update(block)
            handle.write(block)
    return relative, digest.hexdigest(), size
