"""`wangge demo`: builds once, prints the accounts and counts, serves; refuses bad input clearly.

These tests build a tiny district of the same shape (38 communities, 181 grids, about 1,500
households) in place of the small scale, and never start a real server.
"""

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from wangge.accounts.actions import create_user
from wangge.areas.actions import create_district
from wangge.areas.models import AreaNode, Level
from wangge.demo import blueprint, generator
from wangge.demo.management.commands import demo as demo_command

TINY = blueprint.ScaleSpec(
    households=1_500, groups_per_grid=(1, 1), buildings_per_group=(2, 2), units=(1, 1), floors=(2, 3)
)
PASSWORD = "another-demo-pass-2026"


@pytest.fixture
def served(monkeypatch, settings) -> list[tuple[tuple, dict]]:
    """The small scale made tiny, and runserver recorded instead of run."""
    monkeypatch.setitem(blueprint.SCALES, "small", TINY)
    calls: list[tuple[tuple, dict]] = []
    real = demo_command.call_command

    def call(name, *args, **kwargs):
        if name == "runserver":
            calls.append((args, kwargs))
            return None
        return real(name, *args, **kwargs)

    monkeypatch.setattr(demo_command, "call_command", call)
    return calls


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_demo_builds_once_prints_accounts_and_serves(served):
    text = run("--no-serve", "--password", PASSWORD)
    assert served == []
    for username in blueprint.DEMO_USERNAMES:
        assert f"\n{username} " in text
    assert text.count(PASSWORD) == len(blueprint.DEMO_USERNAMES)
    assert "181" in text and "泉华区 / " in text
    district = generator.demo_district()
    assert district is not None

    # Run again (as `make demo` twice would): nothing is rebuilt, the accounts are printed, the site served.
    again = run("--port", "8765", "--password", PASSWORD)
    assert AreaNode.objects.filter(level=Level.DISTRICT).get() == district
    assert text.count(PASSWORD) == again.count(PASSWORD)
    assert served == [(("127.0.0.1:8765",), {"use_reloader": False})]

    # With another password than the one the accounts have, none is shown as theirs.
    other = run("--no-serve", "--password", "yet-another-pass-99")
    assert "yet-another-pass-99" not in other


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scale", "huge"], "Unknown scale"),
        (["--port", "abc"], "port"),
        (["--port", "0"], "port"),
        (["--port", "70000"], "port"),
        (["--seed", "-1"], "seed"),
        (["--password", "short"], "password"),
    ],
)
def test_bad_input_is_a_clear_error(args, message):
    with translation.override("en"), pytest.raises(CommandError, match=message):
        run("--no-serve", *args)


def test_refuses_to_run_in_production(settings):
    settings.PRODUCTION = True
    with translation.override("en"), pytest.raises(CommandError, match="WANGGE_PRODUCTION"):
        run("--no-serve")


@pytest.mark.django_db
def test_refuses_a_database_holding_another_district(served):
    create_district(None, name="另一个区", code="OTHER")
    with pytest.raises(CommandError, match="另一个区"):
        run("--no-serve")
    assert generator.demo_district() is None


@pytest.mark.django_db
def test_refuses_when_a_demo_user_name_is_taken(served):
    create_user(None, username="grid_worker", password=None)
    with pytest.raises(CommandError, match="grid_worker"):
        run("--no-serve")
    assert generator.demo_district() is None
