"""The worker beside the demo's server stops with it, on SIGTERM and on Ctrl-C: real processes."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
# A stand-in for `wangge demo` serving: the worker beside it is a sleeping child; it prints the
# child's process id, then "serves" (sleeps) until a signal ends it.
SERVER = """
import sys, time
from wangge.demo.processes import running_beside
with running_beside([sys.executable, "-c", "import time; time.sleep(120)"], grace=5) as worker:
    print(worker.pid, flush=True)
    time.sleep(120)
"""

# The same without `running_beside`: the worker started and stopped by hand in a `finally`.
UNGUARDED = """
import subprocess, sys, time
worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
try:
    print(worker.pid, flush=True)
    time.sleep(120)
finally:
    worker.terminate()
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_stopping_the_server_with_a_signal_stops_the_worker_too(signum):
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        worker = int(server.stdout.readline())
        assert alive(worker)
        server.send_signal(signum)
        server.wait(timeout=10)
        deadline = time.monotonic() + 5
        while alive(worker) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive(worker)
        # SIGTERM ends it as an exit with 143; Ctrl-C, after the cleanup, by the signal again.
        assert server.returncode == (128 + signal.SIGTERM if signum == signal.SIGTERM else -signal.SIGINT)
    finally:
        server.kill()
        server.wait()


def test_the_old_way_left_the_worker_running():
    """Without the handler, SIGTERM ends the server at once and the worker is left behind (the
    defect this module fixes; the test shows it is real)."""
    server = subprocess.Popen([sys.executable, "-c", UNGUARDED], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    worker = int(server.stdout.readline())
    try:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)
        time.sleep(0.3)
        assert alive(worker)
    finally:
        os.kill(worker, signal.SIGKILL)
