"""Backups that restore: the database, the media files and, apart, the personal-data key file.

A backup is a directory:

- `database.sqlite3` (SQLite, copied through SQLite's online backup API while the platform
  runs) or `database.pgdump` (PostgreSQL, `pg_dump --format=custom`: one consistent snapshot);
- `media.tar`: every file under `MEDIA_ROOT` (uploads, photos, reports);
- `KEYS-KEEP-SEPARATELY/keys.json` (mode 0600): a copy of the key file, when the keys come from
  one; without it the personal data in the database cannot be read. Keep it apart from the
  rest (another medium, another place), as `README.txt` in the backup says;
- `manifest.json`: when it was made, the engine, the last applied migration of each app, and
  the size and SHA-256 of every file (the key file's separately: it may have been moved away).

`restore_backup` checks every size and checksum before writing anything, refuses a target
database that holds any table (or a media directory that holds any file), then restores with
SQLite's backup API or `pg_restore` (one transaction, objects owned by the restoring user) and
unpacks the media; it installs the backup's key file only where the settings expect a key file
and there is none. Without `commit` it only checks and says what it would do.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.lib.errors import DomainError
from wangge.lib.files import PRIVATE_DIRECTORY, PRIVATE_FILE
from wangge.operations.errors import OperationsError

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
MEDIA = "media.tar"
KEYS_DIRECTORY = "KEYS-KEEP-SEPARATELY"
KEY_FILE = f"{KEYS_DIRECTORY}/keys.json"
README = "README.txt"
CHUNK = 1 << 20


@dataclass
class Restore:
    """What a restore did (or, as a dry run, would do)."""

    manifest: dict[str, Any]
    committed: bool
    # The key file: "installed" (there was none where the settings expect it), "same", "different"
    # (the one in place is not the backup's), "environment" (keys come from the environment),
    # "not in backup" (kept separately, or the backup's keys came from the environment).
    keys: str
    migrations_after: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "committed": self.committed,
            "engine": self.manifest["engine"],
            "created_at": self.manifest["created_at"],
            "migrations": self.manifest["migrations"],
            "migrations_after": self.migrations_after,
            "files": self.manifest["files"],
            "keys": self.keys,
        }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _described(path: Path) -> dict[str, Any]:
    return {"size": path.stat().st_size, "sha256": _sha256(path)}


def last_migrations(connection: BaseDatabaseWrapper) -> dict[str, str]:
    """The last applied migration of each app (by name: migrations are numbered)."""
    last: dict[str, str] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        if name > last.get(app, ""):
            last[app] = name
    return dict(sorted(last.items()))


def _engine(connection: BaseDatabaseWrapper) -> str:
    if connection.vendor not in DATABASE_FILES:
        raise DomainError(
            OperationsError.ENGINE_UNSUPPORTED,
            _("Backups are made of SQLite and PostgreSQL databases, not of %(vendor)s.")
            % {"vendor": connection.vendor},
        )
    return connection.vendor


def _pg_environment(connection: BaseDatabaseWrapper) -> dict[str, str]:
    """pg_dump's and pg_restore's connection, from the database's settings (the password in the
    environment, never on a command line)."""
    found = connection.settings_dict
    env = dict(os.environ)
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if found.get(key):
            env[variable] = str(found[key])
    if (found.get("OPTIONS") or {}).get("sslmode"):
        env["PGSSLMODE"] = str(found["OPTIONS"]["sslmode"])
    return env


def _run_tool(command: list[str], connection: BaseDatabaseWrapper) -> None:
    tool = command[0]
    if shutil.which(tool) is None:
        raise DomainError(
            OperationsError.DATABASE_TOOL_FAILED,
            _("%(tool)s is not on PATH: install the PostgreSQL client of the server's version (postgresql-client).")
            % {"tool": tool},
        )
    result = subprocess.run(  # noqa: S603 (fixed tool, arguments from the settings)
        command, env=_pg_environment(connection), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise DomainError(
            OperationsError.DATABASE_TOOL_FAILED,
            _("%(tool)s failed: %(error)s") % {"tool": tool, "error": result.stderr.strip()[-2000:]},
        )


def _dump_database(connection: BaseDatabaseWrapper, engine: str, path: Path) -> None:
    if engine == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(path)
        try:
            connection.connection.backup(target)
            # A file that stands alone (not waiting for a write-ahead log beside it).
            target.execute("PRAGMA journal_mode=DELETE")
        finally:
            target.close()
    else:
        _run_tool(["pg_dump", "--format=custom", f"--file={path}", str(connection.settings_dict["NAME"])], connection)


def _readme(key_source: str, copied: bool) -> str:
    lines = [
        _("A backup of the wangge platform."),
        "",
        _(
            "The personal data in this backup (ID numbers, phone numbers, sensitive facts) is encrypted. "
            "Without the keys it cannot be read, by anyone: keep the keys as carefully as the backup, "
            "and apart from it (another medium, another place)."
        ),
    ]
    if copied:
        lines.append(
            _(
                "The directory %(directory)s holds a copy of the key file (mode 0600). Move it away from "
                "the rest of the backup; `wangge restore` does not need it in this directory."
            )
            % {"directory": KEYS_DIRECTORY}
        )
    elif key_source == "env":
        lines.append(
            _(
                "The keys come from the environment (WANGGE_DATA_KEYS, WANGGE_INDEX_KEYS and their "
                "*_CURRENT settings): this backup holds no copy of them. Keep those values safe yourself."
            )
        )
    else:
        lines.append(_("There was no key file yet when this backup was made: nothing was encrypted with one."))
    lines.append(
        _(
            "Values written before the key file existed are read with the legacy keys (WANGGE_DATA_KEY and "
            "WANGGE_INDEX_KEY, which outside production are derived from WANGGE_SECRET_KEY): keep those too."
        )
    )
    lines += ["", _("Restore with: wangge restore DIRECTORY --commit (into an empty database).")]
    return "\n".join(lines) + "\n"


def create_backup(out: Path, *, using: str = "default") -> dict[str, Any]:
    """Back up the database `using`, the media files and the key file into `out` (new or empty);
    the manifest is written last and returned."""
    connection = connections[using]
    engine = _engine(connection)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise DomainError(
            OperationsError.BACKUP_DIRECTORY_NOT_EMPTY,
            _("%(directory)s is not an empty directory: a backup is written into a new or empty one.")
            % {"directory": out},
        )
    out.mkdir(mode=PRIVATE_DIRECTORY, parents=True, exist_ok=True)
    out.chmod(PRIVATE_DIRECTORY)
    created_at = timezone.now()
    migrations = last_migrations(connection)
    database = out / DATABASE_FILES[engine]
    _dump_database(connection, engine, database)
    media_root = Path(settings.MEDIA_ROOT)
    with tarfile.open(out / MEDIA, "w") as archive:
        if media_root.is_dir():
            archive.add(media_root, arcname=".")
    keys: dict[str, Any] = {"source": settings.KEY_SOURCE}
    key_file = Path(settings.KEY_FILE)
    if settings.KEY_SOURCE == "file" and key_file.is_file():
        (out / KEYS_DIRECTORY).mkdir(mode=PRIVATE_DIRECTORY)
        copy = out / KEY_FILE
        fd = os.open(copy, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
        with os.fdopen(fd, "wb") as handle:
            handle.write(key_file.read_bytes())
        keys.update(file=KEY_FILE, **_described(copy))
    (out / README).write_text(_readme(settings.KEY_SOURCE, "file" in keys), encoding="utf-8")
    names = (DATABASE_FILES[engine], MEDIA, README)
    for name in names:
        (out / name).chmod(PRIVATE_FILE)
    files = {name: _described(out / name) for name in names}
    manifest = {
        "format": FORMAT,
        "created_at": created_at.isoformat(),
        "engine": engine,
        "migrations": migrations,
        "files": files,
        "keys": keys,
    }
    written = out / f".{MANIFEST}.tmp"
    written.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    written.chmod(PRIVATE_FILE)
    written.replace(out / MANIFEST)
    return manifest


def read_backup(directory: Path) -> dict[str, Any]:
    """The backup's manifest, once every file it lists has its size and checksum (and the key
    file its own, when it is still there)."""
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
        files = manifest["files"]
        engine = manifest["engine"]
    except (OSError, ValueError, KeyError, TypeError):
        raise DomainError(
            OperationsError.BACKUP_NOT_FOUND,
            _("%(directory)s holds no backup: its manifest.json is missing or unreadable.") % {"directory": directory},
        ) from None
    if manifest.get("format") != FORMAT or engine not in DATABASE_FILES or DATABASE_FILES[engine] not in files:
        raise DomainError(
            OperationsError.BACKUP_NOT_FOUND,
            _("%(directory)s holds no backup of this version (format %(format)s).")
            % {"directory": directory, "format": FORMAT},
        )
    listed = dict(files)
    key_copy = manifest.get("keys", {}).get("file")
    if key_copy and (directory / key_copy).exists():
        listed[key_copy] = manifest["keys"]
    for name, expected in listed.items():
        path = directory / name
        if directory.resolve() not in path.resolve().parents:
            raise DomainError(OperationsError.BACKUP_DAMAGED, _("The manifest names a file outside the backup."))
        if not path.is_file():
            raise DomainError(
                OperationsError.BACKUP_DAMAGED, _("The backup's file %(name)s is missing.") % {"name": name}
            )
        if _described(path) != {"size": expected.get("size"), "sha256": expected.get("sha256")}:
            raise DomainError(
                OperationsError.BACKUP_DAMAGED,
                _("The backup's file %(name)s has changed since the backup was made (size or checksum).")
                % {"name": name},
            )
    return manifest


def _refuse_unless_empty(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    if tables:
        raise DomainError(
            OperationsError.RESTORE_TARGET_NOT_EMPTY,
            _(
                "The target database %(name)s is not empty (%(count)d tables). A backup is restored only into an "
                "empty database: create a new one and point DATABASE_URL at it."
            )
            % {"name": connection.settings_dict["NAME"], "count": len(tables)},
        )
    media_root = Path(settings.MEDIA_ROOT)
    if media_root.is_dir() and any(media_root.iterdir()):
        raise DomainError(
            OperationsError.RESTORE_TARGET_NOT_EMPTY,
            _("The media directory %(directory)s is not empty: restore into an empty one (WANGGE_MEDIA_ROOT).")
            % {"directory": media_root},
        )


def _keys_state(directory: Path, manifest: dict[str, Any]) -> str:
    key_copy = manifest.get("keys", {}).get("file")
    if settings.KEY_SOURCE == "env":
        return "environment"
    if not key_copy or not (directory / key_copy).is_file():
        return "not in backup"
    key_file = Path(settings.KEY_FILE)
    if not key_file.exists():
        return "installed"
    return "same" if key_file.read_bytes() == (directory / key_copy).read_bytes() else "different"


def _restore_database(connection: BaseDatabaseWrapper, engine: str, path: Path) -> None:
    if engine == "sqlite":
        connection.ensure_connection()
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
    else:
        _run_tool(
            [
                "pg_restore",
                "--exit-on-error",
                "--single-transaction",
                "--no-owner",
                "--no-privileges",
                f"--dbname={connection.settings_dict['NAME']}",
                str(path),
            ],
            connection,
        )


def restore_backup(directory: Path, *, commit: bool, using: str = "default") -> Restore:
    """Check the backup and the target; with `commit`, restore the database, the media files and
    (where none is in place) the key file."""
    manifest = read_backup(directory)
    connection = connections[using]
    engine = _engine(connection)
    if manifest["engine"] != engine:
        raise DomainError(
            OperationsError.ENGINE_MISMATCH,
            _("The backup is of a %(backup)s database; the target is %(target)s.")
            % {"backup": manifest["engine"], "target": engine},
        )
    _refuse_unless_empty(connection)
    keys = _keys_state(directory, manifest)
    restore = Restore(manifest=manifest, committed=commit, keys=keys)
    if not commit:
        return restore
    _restore_database(connection, engine, directory / DATABASE_FILES[engine])
    media_root = Path(settings.MEDIA_ROOT)
    media_root.mkdir(mode=PRIVATE_DIRECTORY, parents=True, exist_ok=True)
    with tarfile.open(directory / MEDIA) as archive:
        archive.extractall(media_root, filter="data")
    if keys == "installed":
        key_file = Path(settings.KEY_FILE)
        key_file.parent.mkdir(mode=PRIVATE_DIRECTORY, parents=True, exist_ok=True)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
        with os.fdopen(fd, "wb") as handle:
            handle.write((directory / manifest["keys"]["file"]).read_bytes())
    restore.migrations_after = last_migrations(connection)
    return restore
