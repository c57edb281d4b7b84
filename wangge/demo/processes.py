"""A helper process run beside the demo's server (the background worker) and stopped with it:
when the server ends, on Ctrl-C (SIGINT) and on SIGTERM (what `kill`, systemd or a container's
stop sends), which would otherwise end the server at once and leave the worker running.

Standard library only: no Django needed to use it.
"""

import signal
import subprocess
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import FrameType


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    """SIGTERM as a normal exit (128 + 15), so that every `finally` on the way out runs."""
    raise SystemExit(128 + signum)


def stop(child: "subprocess.Popen[bytes]", grace: float = 30) -> None:
    """Ask the child to end (SIGTERM), wait up to `grace` seconds, then kill it; always reaped."""
    if child.poll() is None:
        child.terminate()
        try:
            child.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


@contextmanager
def running_beside(command: Sequence[str], *, grace: float = 30) -> Iterator["subprocess.Popen[bytes]"]:
    """Run `command` while the block runs; stop it (`stop`) however the block ends, SIGTERM to
    this process included (turned into `SystemExit` while the block runs, in the main thread)."""
    child = subprocess.Popen(list(command))  # noqa: S603 (the command is the caller's, fixed in code)
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm) if main else None
    try:
        yield child
    finally:
        if main:
            signal.signal(signal.SIGTERM, previous)
        stop(child, grace)
