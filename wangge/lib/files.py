"""The platform's own files are private to the account it runs as.

`var/` holds the SQLite database, uploads, import reports and the personal-data key file:
it is created (or tightened to) mode 0700, and the SQLite database file to 0600 when a
connection opens it. SQLite creates its `-wal` and `-shm` files with the database file's
mode, so they follow.
"""

import os
import stat
from pathlib import Path
from typing import Any

from django.db.backends.signals import connection_created
from django.dispatch import receiver

PRIVATE_DIRECTORY = 0o700
PRIVATE_FILE = 0o600


def private_directory(path: Path) -> None:
    """Create `path` (and its parents) for this account only, or take the others' access away
    from an existing one that this account owns."""
    path.mkdir(mode=PRIVATE_DIRECTORY, parents=True, exist_ok=True)
    _tighten(path, PRIVATE_DIRECTORY)


def private_file(path: Path) -> None:
    """Take the group's and the others' access away from an existing file this account owns."""
    _tighten(path, PRIVATE_FILE)


def _tighten(path: Path, mode: int) -> None:
    try:
        found = path.stat()
    except FileNotFoundError:
        return
    if found.st_uid == os.geteuid() and stat.S_IMODE(found.st_mode) & 0o077:
        path.chmod(mode)


_secured: set[str] = set()


@receiver(connection_created)
def _sqlite_database_private(sender: Any, connection: Any, **kwargs: Any) -> None:
    """Once per process and database file: 0600 (an in-memory test database has no file)."""
    if connection.vendor != "sqlite":
        return
    name = str(connection.settings_dict.get("NAME") or "")
    if name in _secured or not name or name == ":memory:" or name.startswith("file:"):
        return
    private_file(Path(name))
    _secured.add(name)
