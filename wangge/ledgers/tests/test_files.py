"""The SHA-256 an import records for a file is the digest of the file's bytes, each byte once:
when the upload is stored and when the background run reads the stored file again, over files
of many blocks and of none."""

import hashlib
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from wangge.ledgers import files
from wangge.ledgers.files import BLOCK, file_sha256, media_path, save_upload
from wangge.lib.errors import DomainError

SIZES = [0, 1, BLOCK - 1, BLOCK, BLOCK + 1, 2 * BLOCK + BLOCK // 2]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.mark.parametrize("size", SIZES)
def test_a_files_digest_is_the_sha256_of_its_whole_content(tmp_path, size):
    content = os.urandom(size)
    path = tmp_path / "台账.csv"
    path.write_bytes(content)
    assert file_sha256(path) == hashlib.sha256(content).hexdigest()


@pytest.mark.parametrize("size", SIZES)
def test_a_stored_upload_has_the_sha256_and_size_of_its_whole_content(size):
    content = os.urandom(size)
    upload = SimpleUploadedFile("台账.xlsx", content)
    relative, sha, stored_size = save_upload(upload, ".xlsx")
    assert sha == hashlib.sha256(content).hexdigest()
    assert stored_size == size
    assert media_path(relative).read_bytes() == content
    assert file_sha256(media_path(relative)) == sha


def test_an_upload_over_the_limit_is_refused_and_nothing_of_it_kept(media, monkeypatch):
    monkeypatch.setattr(files, "MAX_UPLOAD_BYTES", 1000)
    with pytest.raises(DomainError) as refused:
        save_upload(SimpleUploadedFile("台账.xlsx", b"x" * 1001), ".xlsx")
    assert refused.value.code == "file_too_large"
    assert list((media / "ledgers" / "uploads").iterdir()) == []
