"""Simplified Chinese is complete: every message of the catalogue is translated, none fuzzy,
placeholders consistent (msgfmt --check-format), and the compiled catalogue is up to date."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import translation

PO = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


@pytest.fixture
def msgfmt():
    path = shutil.which("msgfmt")
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("msgfmt (Debian package gettext) is required in CI")
        pytest.skip("msgfmt (Debian package gettext) is not installed")
    return path


def test_every_message_is_translated(msgfmt):
    result = subprocess.run(
        [msgfmt, "--check-format", "--statistics", "-o", os.devnull, str(PO)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr


def test_compiled_catalogue_is_not_older_than_the_source():
    assert PO.with_suffix(".mo").stat().st_mtime >= PO.stat().st_mtime - 1


def test_chinese_is_the_default_language():
    with translation.override("zh-hans"):
        assert translation.gettext("Closed off") == "已销号"
        assert translation.gettext("Grid worker") == "网格员"
