"""Simplified Chinese is complete: every message of the catalogue is translated, none fuzzy,
placeholders consistent (msgfmt --check-format), and the compiled catalogue is up to date."""

import os
import shutil
import subprocess
import sys
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


def test_the_catalogue_holds_every_message_of_the_source(msgfmt, tmp_path):
    """A string marked for translation but never extracted is not in the catalogue, so the test
    above cannot see it untranslated: extract the source afresh (as `make messages` does, into a
    copy) and compare the messages."""
    import polib

    source = PO.parents[3]
    copy = tmp_path / "wangge"
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns("__pycache__", "static", "*.mo"))
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "zh_Hans", "--no-obsolete", "-i", "*/tests/*"],
        cwd=copy,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "wangge.settings"},
        capture_output=True,
        check=True,
    )
    extracted = {(e.msgctxt, e.msgid) for e in polib.pofile(str(copy / PO.relative_to(source)))}
    committed = {(e.msgctxt, e.msgid) for e in polib.pofile(str(PO))}
    assert not extracted - committed, f"run `make messages` and translate: {sorted(extracted - committed)}"


def test_the_admin_names_the_third_party_apps_in_chinese(admin_client):
    page = admin_client.get("/admin/", headers={"Accept-Language": "zh-hans"}).content.decode()
    assert "登录保护" in page and "后台任务" in page and "登录尝试" in page
    assert "Axes" not in page and "AXES" not in page and "Tasks Database Backend" not in page
    assert "Task Results" not in page and "Access attempts" not in page
