"""`wangge serve`: gunicorn with several worker processes answering, an access log without query
strings, a graceful reload on SIGHUP and a clean stop on SIGTERM — a real server in a
subprocess on its own SQLite database; and the refusals before anything starts."""

import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from wangge.operations.management.commands import serve

ROOT = Path(__file__).resolve().parents[3]
ACCESS_LINE = re.compile(r'<(\d+)> "GET (\S+) HTTP/1\.1" (\d{3}) ')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_env(var_dir: Path) -> dict[str, str]:
    """This process's environment with the server's own SQLite database under `var_dir` (also
    when the suite runs on PostgreSQL) and no gunicorn options from outside."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "GUNICORN_CMD_ARGS"}}
    env["WANGGE_VAR_DIR"] = str(var_dir)
    return env


def wangge(*args: str) -> list[str]:
    return [sys.executable, "-m", "wangge.cli", *args]


def children(pid: int) -> set[int]:
    """Process ids whose parent is `pid`, read from /proc."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"Timed out waiting for {what}.")


def healthz(port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:  # noqa: S310
            return answer.status
    except OSError:
        return 0


@pytest.fixture(scope="module")
def migrated_var(tmp_path_factory) -> Path:
    var_dir = tmp_path_factory.mktemp("served")
    subprocess.run(wangge("migrate", "-v0"), cwd=ROOT, env=server_env(var_dir), check=True, timeout=600)
    return var_dir


class Output:
    """A process's output, read line by line in a thread (so its pipe never fills)."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self._thread.start()

    def _read(self, process: subprocess.Popen) -> None:
        for line in process.stdout:
            self.lines.append(line)

    def access(self) -> list[tuple[int, str, str]]:
        return [(int(m[1]), m[2], m[3]) for m in map(ACCESS_LINE.search, list(self.lines)) if m]


def test_two_gunicorn_workers_answer_reload_on_sighup_and_stop_cleanly_on_sigterm(migrated_var):
    port = free_port()
    server = subprocess.Popen(
        wangge("serve", "--port", str(port), "--workers", "2"),
        cwd=ROOT,
        env=server_env(migrated_var),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = Output(server)
    try:
        wait_for(lambda: healthz(port) == 200, 120, "the server to answer")
        workers = wait_for(lambda: (found := children(server.pid)) and len(found) == 2 and found, 30, "two workers")

        # One worker is kept busy by a request whose headers have not ended (a sync worker reads
        # it until they do); the next request must be answered by the other worker.
        held = socket.create_connection(("127.0.0.1", port))
        held.sendall(b"GET /healthz?q=%E5%BC%A0%E4%BC%9F HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        time.sleep(0.5)
        assert healthz(port) == 200
        held.sendall(b"Connection: close\r\n\r\n")
        assert held.recv(4096).startswith(b"HTTP/1.1 200")
        held.close()
        wait_for(lambda: len(output.access()) >= 3, 10, "the access log")
        pids = {pid for pid, _path, _status in output.access()}
        assert len(pids) == 2 and pids == workers

        # The access log holds paths without their query strings.
        assert {path for _pid, path, _status in output.access()} == {"/healthz"}
        text = "".join(output.lines)
        assert "q=" not in text and "%E5" not in text and "张伟" not in text

        # SIGHUP: new workers replace the old ones, and the site keeps answering.
        server.send_signal(signal.SIGHUP)
        renewed = wait_for(
            lambda: (found := children(server.pid)) and len(found) == 2 and not found & workers and found,
            30,
            "new workers after SIGHUP",
        )
        wait_for(lambda: healthz(port) == 200, 30, "the reloaded server to answer")

        # SIGTERM: a graceful stop, status 0, no worker left.
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=15) == 0
        assert not any(alive(pid) for pid in renewed | workers)
        assert healthz(port) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def test_serve_refuses_a_database_with_unapplied_migrations(tmp_path):
    result = subprocess.run(
        wangge("serve", "--port", str(free_port())),
        cwd=ROOT,
        env=server_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "wangge migrate" in result.stderr


@pytest.mark.parametrize(("option", "value"), [("--port", "0"), ("--port", "70000"), ("--workers", "0")])
def test_serve_refuses_a_bad_port_or_number_of_workers(db, option, value):
    with pytest.raises(CommandError):
        call_command("serve", option, value, stdout=io.StringIO())


def test_the_gunicorn_command_line_binds_the_address_and_logs_no_query_string():
    argv = serve.gunicorn_argv("127.0.0.1", 8123, 5)
    assert argv[:4] == [sys.executable, "-m", "gunicorn", "wangge.wsgi:application"]
    assert argv[argv.index("--bind") + 1] == "127.0.0.1:8123"
    assert argv[argv.index("--workers") + 1] == "5"
    log_format = argv[argv.index("--access-logformat") + 1]
    # No request line (it holds the query string), query, referrer, user, header or cookie atoms.
    assert not re.search(r"%\((r|q|f|u|a|h|\{[^}]+\}[ioe])\)s", log_format)
    assert serve.gunicorn_argv("::1", 80, 1)[5] == "[::1]:80"


def test_workers_default_to_twice_the_cores_plus_one():
    assert serve.default_workers() == 2 * len(os.sched_getaffinity(0)) + 1


def test_dev_runs_the_development_server_on_the_address(db, monkeypatch):
    calls = []
    monkeypatch.setattr(serve, "call_command", lambda *args, **kwargs: calls.append((args, kwargs)))
    out = io.StringIO()
    call_command("serve", "--dev", "--port", "8124", stdout=out)
    assert calls == [
        (("runserver", "127.0.0.1:8124"), {"use_reloader": False, "use_static_handler": False, "skip_checks": True})
    ]
    assert "http://127.0.0.1:8124/" in out.getvalue()


def test_metrics_add_up_every_workers_requests_and_the_request_log_is_json(migrated_var):
    """With metrics on, `wangge serve` gives gunicorn's workers one multiprocess directory (the
    files of an earlier run removed): a scrape answered by one worker counts the other's requests
    too. With the JSON request log on, it replaces gunicorn's access log."""
    metrics_dir = migrated_var / "metrics"
    metrics_dir.mkdir(exist_ok=True)
    (metrics_dir / "counter_1.db").write_bytes(b"left by an earlier run")
    port = free_port()
    env = server_env(migrated_var) | {"WANGGE_METRICS": "true", "WANGGE_REQUEST_LOG": "true"}
    server = subprocess.Popen(
        wangge("serve", "--port", str(port), "--workers", "2"),
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = Output(server)
    try:
        wait_for(lambda: healthz(port) == 200, 120, "the server to answer")
        wait_for(lambda: len(children(server.pid)) == 2, 30, "two workers")
        # One worker held by a request whose headers have not ended; ten more go to the other.
        held = socket.create_connection(("127.0.0.1", port))
        held.sendall(b"GET /healthz?q=%E5%BC%A0%E4%BC%9F HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        time.sleep(0.5)
        for _ in range(10):
            assert healthz(port) == 200
        held.sendall(b"Connection: close\r\n\r\n")
        assert held.recv(4096).startswith(b"HTTP/1.1 200")
        held.close()

        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as answer:  # noqa: S310
            text = answer.read().decode()
        counted = re.search(r'wangge_http_requests_total\{method="GET",status="200",view="healthz"\} (\S+)', text)
        assert counted is not None
        # At least the first probe, ten, and the held one: as many as the workers logged (a probe
        # that timed out on a busy machine was still answered, and counted, once).
        answered = float(counted[1])
        assert answered >= 12
        assert "wangge_tasks_ready 0.0" in text
        pids_with_files = {path.stem.rsplit("_", 1)[1] for path in metrics_dir.glob("*.db")}
        assert "1" not in pids_with_files and len(pids_with_files) >= 2

        lines = wait_for(
            lambda: (
                (found := [json.loads(line) for line in list(output.lines) if line.startswith("{")])
                and len([line for line in found if line["view"] == "healthz"]) == answered
                and found
            ),
            10,
            "a request line for every request counted",
        )
        assert {line["path"] for line in lines} <= {"/healthz", "/metrics"}
        assert len({line["pid"] for line in lines if line["view"] == "healthz"}) == 2
        assert output.access() == []  # gunicorn's access log is left out
        assert "q=" not in "".join(output.lines) and "%E5" not in "".join(output.lines)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
