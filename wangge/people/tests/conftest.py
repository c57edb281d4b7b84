"""Fixtures of the people tests."""

import pytest


@pytest.fixture
def key_file(settings, tmp_path):
    """A key file of the test's own (rotations never touch var/keys.json)."""
    settings.KEY_FILE = tmp_path / "keys.json"
    settings.KEY_SOURCE = "file"
    return settings.KEY_FILE
