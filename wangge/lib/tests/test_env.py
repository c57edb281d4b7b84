"""Settings from the environment fail loudly, naming the variable, when a value is malformed or
out of its bounds."""

import re
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from wangge.lib.env import env_int


def test_an_integer_setting_outside_its_bounds_names_the_variable_and_the_bounds(monkeypatch):
    monkeypatch.setenv("WANGGE_TEST_LIMIT", "100")
    assert env_int("WANGGE_TEST_LIMIT", 5, minimum=1, maximum=100) == 100
    with pytest.raises(ImproperlyConfigured, match="WANGGE_TEST_LIMIT='100' is out of bounds: it must be at least 256"):
        env_int("WANGGE_TEST_LIMIT", 512, minimum=256)
    with pytest.raises(ImproperlyConfigured, match="between 1 and 10"):
        env_int("WANGGE_TEST_LIMIT", 5, minimum=1, maximum=10)
    with pytest.raises(ImproperlyConfigured, match="at most 99"):
        env_int("WANGGE_TEST_LIMIT", 5, maximum=99)
    monkeypatch.setenv("WANGGE_TEST_LIMIT", "")
    assert env_int("WANGGE_TEST_LIMIT", 512, minimum=256) == 512  # the default is not checked


def test_every_setting_read_from_the_environment_is_in_the_readme():
    """An administrator answers for the deployment: every WANGGE_* variable the settings read is
    documented in README's settings table."""
    root = Path(__file__).resolve().parents[3]
    read = set(re.findall(r'"(WANGGE_[A-Z0-9_]+)"', (root / "wangge" / "settings.py").read_text()))
    readme = (root / "README.md").read_text()
    assert read and not {name for name in read if f"`{name}`" not in readme}
