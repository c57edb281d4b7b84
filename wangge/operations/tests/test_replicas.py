"""Read replicas: the router's rule everywhere, and on PostgreSQL a real streaming standby of the
test server, started on the loopback with `pg_basebackup -R`, that marked reads go to, writes
never do, and that a browser which just wrote does not read from.

The standby test runs where the tests run on PostgreSQL on this machine; with CI=true it may not
be skipped (it needs `pg_basebackup`, the server binaries, and root or the `postgres` account to
start a server as `postgres`).
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from wangge.api.testing import session_client
from wangge.areas.models import AreaNode
from wangge.cases.models import Case
from wangge.cases.tests.factories import file
from wangge.lib.replicas import PIN_COOKIE, REPLICA, ReplicaRouter, reading_from_replica

ROUTER = ReplicaRouter()


@pytest.fixture
def replica_alias(settings):
    """The alias `replica` declared (pointing at the primary: the router's rule only)."""
    settings.DATABASES[REPLICA] = {**settings.DATABASES["default"]}
    yield
    del settings.DATABASES[REPLICA]


# --- the rule, on any database ------------------------------------------------------------------


def test_without_a_replica_every_read_is_left_to_the_default(db):
    with reading_from_replica():
        assert ROUTER.db_for_read(Case) is None
    assert ROUTER.db_for_write(Case) == "default"


@pytest.mark.django_db(transaction=True)
def test_reads_go_to_the_replica_only_inside_a_marked_block(replica_alias):
    assert ROUTER.db_for_read(Case) == "default"
    with reading_from_replica():
        assert ROUTER.db_for_read(Case) == REPLICA
        assert ROUTER.db_for_write(Case) == "default"
        # Once the block wrote, the rest of it reads what it wrote: from the primary.
        assert ROUTER.db_for_read(Case) == "default"
    with reading_from_replica():
        assert ROUTER.db_for_read(Case) == REPLICA
    assert ROUTER.db_for_read(Case) == "default"


def test_a_read_inside_a_transaction_on_the_primary_stays_there(db, replica_alias):
    # The test itself runs in a transaction: that alone keeps every read on the primary.
    assert connection.in_atomic_block
    with reading_from_replica():
        assert ROUTER.db_for_read(Case) == "default"


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_marked_block_reads_from_the_replica(replica_alias):
    with reading_from_replica():
        assert ROUTER.db_for_read(Case) == REPLICA
        with transaction.atomic():
            assert ROUTER.db_for_read(Case) == "default"


def test_the_replica_is_never_migrated():
    assert ROUTER.allow_migrate(REPLICA, "cases") is False
    assert ROUTER.allow_migrate("default", "cases") is None


def test_a_browser_that_posts_is_pinned_to_the_primary_for_a_while(small, catalogue, district_admin, replica_alias):
    case = file(small, catalogue)
    client = session_client(district_admin)
    assert PIN_COOKIE not in client.get("/board/").cookies
    response = client.post(f"/cases/{case.pk}/steps/accept/", {"version": "1"})
    pin = response.cookies[PIN_COOKIE]
    assert pin["max-age"] == settings.REPLICA_PIN_SECONDS and pin["httponly"] and pin.value != "1"  # signed


def _settings_in_a_clean_process(tmp_path, **env: str) -> subprocess.CompletedProcess[str]:
    code = "import django; django.setup(); from django.conf import settings; print(settings.DATABASES['replica'])"
    base = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).resolve().parents[3]), "LANG": "C.UTF-8"}
    return subprocess.run(
        [sys.executable, "-c", code],
        env=base | {"DJANGO_SETTINGS_MODULE": "wangge.settings", "WANGGE_VAR_DIR": str(tmp_path)} | env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_replica_url_declares_the_alias_mirrored_in_tests(tmp_path):
    result = _settings_in_a_clean_process(
        tmp_path,
        DATABASE_URL="postgres://wangge@db1.internal:5432/wangge",
        DATABASE_REPLICA_URL="postgres://wangge@db2.internal:5432/wangge",
    )
    assert result.returncode == 0, result.stderr
    assert "'HOST': 'db2.internal'" in result.stdout and "'MIRROR': 'default'" in result.stdout


def test_a_replica_of_anything_but_a_postgresql_primary_stops_the_start(tmp_path):
    result = _settings_in_a_clean_process(tmp_path, DATABASE_REPLICA_URL="postgres://wangge@db2.internal:5432/wangge")
    assert result.returncode != 0
    assert "DATABASE_REPLICA_URL must name a standby of DATABASE_URL's PostgreSQL server." in result.stderr


# --- a real standby -------------------------------------------------------------------------------


def _on_ci_postgres() -> bool:
    return os.environ.get("CI") == "true" and os.environ.get("DATABASE_URL", "").startswith("postgres")


def _unavailable(reason: str) -> None:
    if _on_ci_postgres():
        pytest.fail(f"the standby test must run under CI on PostgreSQL: {reason}")
    pytest.skip(reason)


def _as_postgres(*command: str) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return list(command)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def standby(settings) -> Iterator[dict]:
    """A streaming standby of the test's PostgreSQL server on a free loopback port, declared as
    the alias `replica` for the test's database; stopped and removed afterwards."""
    if connection.vendor != "postgresql":
        pytest.skip("a streaming standby needs PostgreSQL")
    primary = settings.DATABASES["default"]
    if primary.get("HOST") not in ("127.0.0.1", "localhost"):
        _unavailable("the standby is made from a server on the loopback")
    if os.geteuid() != 0 and os.environ.get("USER") != "postgres":
        _unavailable("starting a PostgreSQL server needs root (to run it as postgres) or the postgres account")
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('server_version_num')::int / 10000")
        major = cursor.fetchone()[0]
        # A hot standby needs at least the primary's values of these.
        needed = {}
        for name in (
            "max_connections",
            "max_worker_processes",
            "max_wal_senders",
            "max_prepared_transactions",
            "max_locks_per_transaction",
        ):
            cursor.execute(f"SHOW {name}")
            needed[name] = cursor.fetchone()[0]
    bindir = Path(f"/usr/lib/postgresql/{major}/bin")
    if not (bindir / "pg_ctl").exists() or not shutil.which("pg_basebackup"):
        _unavailable(f"the PostgreSQL {major} server binaries and pg_basebackup are needed")

    top = Path(tempfile.mkdtemp(prefix="wangge-standby-"))
    data = top / "data"
    port = _free_port()
    shutil.chown(top, "postgres", "postgres") if os.geteuid() == 0 else None
    top.chmod(0o700)
    started = False
    try:
        done = subprocess.run(
            _as_postgres(
                "pg_basebackup",
                "-h",
                str(primary["HOST"]),
                "-p",
                str(primary.get("PORT") or 5432),
                "-U",
                str(primary.get("USER") or "postgres"),
                "-D",
                str(data),
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
            ),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode:
            _unavailable(f"pg_basebackup failed (replication allowed in pg_hba.conf?): {done.stderr.strip()}")
        # Debian keeps the configuration in /etc: the copy gets its own.
        conf = "\n".join(
            [
                f"port = {port}",
                "listen_addresses = '127.0.0.1'",
                f"unix_socket_directories = '{top}'",
                "hot_standby = on",
                "shared_buffers = 32MB",
                "fsync = off",
                *(f"{name} = {value}" for name, value in needed.items()),
                "",
            ]
        )
        for name, text in {
            "postgresql.conf": conf,
            "pg_hba.conf": "local all all trust\nhost all all 127.0.0.1/32 trust\n",
            "pg_ident.conf": "",
        }.items():
            path = data / name
            path.write_text(text)
            if os.geteuid() == 0:
                shutil.chown(path, "postgres", "postgres")
        done = subprocess.run(
            _as_postgres(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(top / "log"), "-w", "-t", "60", "start"),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        started = done.returncode == 0
        if not started:
            log = (top / "log").read_text() if (top / "log").exists() else ""
            pytest.fail(f"the standby did not start: {done.stdout}{done.stderr}{log}")
        # Kept open for the test (a test may not open connections to an alias it did not declare, and
        # this one exists only from here on): opened once, never closed by a request's end.
        settings.DATABASES[REPLICA] = {
            **primary,
            "PORT": str(port),
            "CONN_MAX_AGE": None,
            "TEST": {"MIRROR": "default"},
        }
        connections[REPLICA].connect()
        try:
            yield {"port": port}
        finally:
            connections[REPLICA].close()
            del connections[REPLICA]
            del settings.DATABASES[REPLICA]
    finally:
        if started:
            subprocess.run(
                _as_postgres(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"),
                capture_output=True,
                timeout=60,
                check=False,
            )
        shutil.rmtree(top, ignore_errors=True)


def _on_replica(sql: str, *params: object) -> tuple:
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()  # type: ignore[no-any-return]


def _wait_for(condition, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("the standby did not catch up within 30 s")
        time.sleep(0.1)


@pytest.mark.django_db(transaction=True)
def test_marked_reads_go_to_the_standby_and_writes_never_do(small, catalogue, standby):
    # The alias answers from a server in recovery: the standby, not the primary.
    assert _on_replica("SELECT pg_is_in_recovery(), inet_server_port()") == (True, standby["port"])
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        assert cursor.fetchone() == (False,)

    # A row written on the primary reaches the standby by replication, and a marked read finds it there.
    district = small.district
    AreaNode.objects.filter(pk=district.pk).update(name="复制区")
    _wait_for(lambda: _on_replica("SELECT name FROM areas_areanode WHERE id = %s", district.pk) == ("复制区",))
    with CaptureQueriesContext(connections[REPLICA]) as on_replica, reading_from_replica():
        assert AreaNode.objects.get(pk=district.pk).name == "复制区"
    assert len(on_replica) == 1 and "areas_areanode" in on_replica[0]["sql"]

    # Writes inside a marked block go to the primary; the standby sees none of them.
    with CaptureQueriesContext(connections[REPLICA]) as on_replica, reading_from_replica():
        case = file(small, catalogue)
    assert not any(q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")) for q in on_replica)
    assert Case.objects.using("default").filter(pk=case.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_a_browser_reads_its_own_write_while_the_standby_lags(small, catalogue, district_admin, standby):
    case = file(small, catalogue)
    _wait_for(lambda: _on_replica("SELECT count(*) FROM cases_case WHERE id = %s", case.pk) == (1,))
    # From now on the standby lags behind the primary: it replays nothing until resumed.
    _on_replica("SELECT pg_wal_replay_pause()")
    try:
        admin = session_client(district_admin)
        response = admin.post(f"/cases/{case.pk}/steps/accept/", {"version": "1"})
        assert response.status_code == 302
        case.refresh_from_db()
        assert case.accepted_at is not None

        # The admin who accepted it sees it on the public board at once (read from the primary) …
        assert PIN_COOKIE in admin.cookies
        with CaptureQueriesContext(connections[REPLICA]) as on_replica:
            assert case.number in admin.get("/board/").content.decode()
        assert len(on_replica) == 0
        # … while any other visitor's board is read from the lagging standby, which has not got it.
        visitor = session_client(district_admin)
        with CaptureQueriesContext(connections[REPLICA]) as on_replica:
            assert case.number not in visitor.get("/board/").content.decode()
        assert any("cases_case" in q["sql"] for q in on_replica)
        # A pin cookie written by hand is not signed: it pins nothing.
        forger = session_client(district_admin)
        forger.cookies[PIN_COOKIE] = "1"
        with CaptureQueriesContext(connections[REPLICA]) as on_replica:
            assert case.number not in forger.get("/board/").content.decode()
        assert any("cases_case" in q["sql"] for q in on_replica)
    finally:
        _on_replica("SELECT pg_wal_replay_resume()")
    # Once the standby has replayed the write, the visitor sees it too, still from the standby.
    _wait_for(lambda: _on_replica("SELECT accepted_at IS NOT NULL FROM cases_case WHERE id = %s", case.pk) == (True,))
    visitor = session_client(district_admin)
    assert case.number in visitor.get("/board/").content.decode()
