"""The platform's files are private: var/ 0700, the SQLite database 0600 (and its WAL with it)."""

import stat

from django.conf import settings
from django.db.utils import ConnectionHandler

from wangge.lib.files import private_directory


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_var_directory_is_for_this_account_only():
    assert mode(settings.VAR_DIR) == 0o700


def test_a_new_directory_is_made_private_and_an_open_one_is_tightened(tmp_path):
    fresh = tmp_path / "a" / "var"
    private_directory(fresh)
    assert mode(fresh) == 0o700
    opened = tmp_path / "open"
    opened.mkdir(mode=0o755)
    opened.chmod(0o755)
    private_directory(opened)
    assert mode(opened) == 0o700


def test_a_sqlite_database_and_its_wal_are_readable_by_this_account_only(tmp_path, django_db_blocker):
    path = tmp_path / "wangge.sqlite3"
    handler = ConnectionHandler({"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)}})
    database = handler["default"]
    with django_db_blocker.unblock():
        try:
            with database.cursor() as cursor:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("CREATE TABLE t (x)")
                cursor.execute("INSERT INTO t VALUES (1)")
            assert mode(path) == 0o600
            wal = tmp_path / "wangge.sqlite3-wal"
            assert wal.exists() and mode(wal) == 0o600
        finally:
            database.close()
