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
from wangge.demo import blueprint, generator, processes

TINY = blueprint.ScaleSpec(
    households=1_500, groups_per_grid=(1, 1), buildings_per_group=(2, 2), units=(1, 1), floors=(2, 3)
)
PASSWORD = "another-demo-pass-2026"


@pytest.fixture
def served(monkeypatch, settings) -> list[list[str]]:
    """The small scale made tiny, and the processes the demo starts beside it (the server, the
    worker) recorded instead of started: each "ends" at once with status 0."""
    monkeypatch.setitem(blueprint.SCALES, "small", TINY)
    calls: list[list[str]] = []

    class Recorded:
        def __init__(self, args, *rest, **options):
            calls.append(list(args))
            self.returncode = 0

        def poll(self):
            return 0

        def wait(self, timeout=None):
            return 0

    monkeypatch.setattr(processes.subprocess, "Popen", Recorded)
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
    # gunicorn through `wangge serve`, with the background worker beside it.
    assert [command[1:] for command in served] == [
        ["-m", "wangge.cli", "worker"],
        ["-m", "wangge.cli", "serve", "--port", "8765", "--workers", served[1][-1]],
    ]
    assert 1 <= int(served[1][-1]) <= 4

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
