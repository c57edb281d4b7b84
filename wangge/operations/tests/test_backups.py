"""`wangge backup` and `wangge restore`: a district backed up, then changed, restored into an
empty database has every row of every table and every encrypted value as it was at backup
time, and its media files; a damaged backup or a target that is not empty is refused before
anything is written.

The suite's own database is backed up; the restore goes into a second, empty database (an
SQLite file, or on PostgreSQL a database this test creates and drops), reached through a
connection alias added for the test. On PostgreSQL this needs `pg_dump` and `pg_restore`."""

import io
import json
import stat

import pytest
from django.core.management import CommandError, call_command
from django.db import DEFAULT_DB_ALIAS, connections

from wangge.lib import crypto
from wangge.operations.backups import DATABASE_FILES, KEY_FILE, MANIFEST, MEDIA, README
from wangge.people import actions
from wangge.people.models import Person
from wangge.people.queries import encrypted_columns
from wangge.people.tests.factories import id_number, resident

pytestmark = pytest.mark.django_db(transaction=True)
TARGET = "restored"


def table_rows(connection) -> dict[str, list[tuple]]:
    """Every row of every table, read alike from either database."""
    found = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 (table names)
            rows = [tuple(bytes(v) if isinstance(v, memoryview) else v for v in row) for row in cursor.fetchall()]
            found[table] = sorted(rows, key=repr)
    return found


def plaintexts(using: str) -> dict[tuple[str, int], str]:
    """Every encrypted value of every column, decrypted where it is stored."""
    values = {}
    for column in encrypted_columns():
        rows = column.model._default_manager.using(using).exclude(**{f"{column.field}__isnull": True})
        for pk, token in rows.values_list("pk", column.field):
            values[column.label, pk] = crypto.decrypt(bytes(token), crypto.bound_to(column.model, column.field, pk))
    return values


@pytest.fixture
def empty_database(tmp_path):
    """A second, empty database of the suite's engine, as the connection alias `restored`."""
    default = connections[DEFAULT_DB_ALIAS]
    settings_dict = dict(default.settings_dict)
    postgresql = default.vendor == "postgresql"
    if postgresql:
        name = f"{settings_dict['NAME']}_restored"
        with default.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute(f'CREATE DATABASE "{name}"')
        settings_dict["NAME"] = name
    else:
        settings_dict["NAME"] = str(tmp_path / "restored.sqlite3")
    target = default.__class__(settings_dict, alias=TARGET)
    connections[TARGET] = target
    yield target
    target.close()
    del connections[TARGET]
    if postgresql:
        with default.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{settings_dict["NAME"]}"')


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def tables(connection) -> list[str]:
    with connection.cursor() as cursor:
        return connection.introspection.table_names(cursor)


@pytest.fixture
def district(small, community_staff, media):
    """The small district with three residents whose ID numbers, phones and sensitive facts are
    encrypted, and a photo among the media files."""
    people = [
        resident(
            small,
            n,
            name=f"居民{n}",
            id_number=id_number(n),
            phone=f"1380000000{n}",
            sensitive={"support": "low_income", "chronic_illness": "高血压"},
        )
        for n in range(3)
    ]
    (media / "photos").mkdir(parents=True)
    (media / "photos" / "a.jpg").write_bytes(b"\xff\xd8 a photo \xff\xd9")
    return small, community_staff, people


def test_a_backup_restores_every_row_and_every_encrypted_value_as_it_was(district, empty_database, tmp_path, settings):
    small, staff, people = district
    engine = connections[DEFAULT_DB_ALIAS].vendor
    rows, values = table_rows(connections[DEFAULT_DB_ALIAS]), plaintexts(DEFAULT_DB_ALIAS)
    assert len(rows["people_person"]) == 3 and len(rows["areas_areanode"]) > 30 and len(rows) > 40
    assert {label for label, _pk in values} >= {"people.Person.phone_encrypted", "people.Person.id_number_encrypted"}

    out = tmp_path / "backup"
    manifest = json.loads(run("backup", "--out", str(out), "--json"))
    assert manifest["engine"] == engine
    assert set(manifest["files"]) == {DATABASE_FILES[engine], MEDIA, README}
    assert manifest["migrations"]["people"] and manifest["migrations"]["cases"]
    assert manifest["keys"]["file"] == KEY_FILE

    # After the backup: a person added, one deleted, a phone corrected.
    resident(small, 4, name="新居民", phone="13900000009")
    Person.objects.filter(pk=people[2].pk).delete()
    actions.correct_person(staff, people[0], {"phone": "13611112222"}, "居民来电更正")
    assert table_rows(connections[DEFAULT_DB_ALIAS]) != rows and plaintexts(DEFAULT_DB_ALIAS) != values

    settings.MEDIA_ROOT = tmp_path / "restored-media"
    dry = run("restore", str(out), "--database", TARGET)
    assert "--commit" in dry and tables(empty_database) == [] and not settings.MEDIA_ROOT.exists()

    restored = json.loads(run("restore", str(out), "--database", TARGET, "--commit", "--json"))
    assert restored["committed"] is True and restored["keys"] == "same"
    assert restored["migrations_after"] == manifest["migrations"]
    assert table_rows(empty_database) == rows
    assert plaintexts(TARGET) == values
    assert Person.objects.using(TARGET).get(pk=people[0].pk).phone_encrypted is not None
    assert crypto.decrypt_field(Person.objects.using(TARGET).get(pk=people[0].pk), "phone_encrypted") == "13800000000"
    assert (settings.MEDIA_ROOT / "photos" / "a.jpg").read_bytes() == b"\xff\xd8 a photo \xff\xd9"


def test_the_key_file_is_copied_apart_for_this_account_only_with_a_readme(district, tmp_path, settings):
    out = tmp_path / "backup"
    run("backup", "--out", str(out))
    copy = out / KEY_FILE
    assert copy.read_bytes() == settings.KEY_FILE.read_bytes()
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    assert "KEYS-KEEP-SEPARATELY" in (out / README).read_text(encoding="utf-8")


def test_a_restore_installs_the_key_file_where_none_is_and_works_without_the_copy(
    district, empty_database, tmp_path, settings
):
    out = tmp_path / "backup"
    run("backup", "--out", str(out))
    original = settings.KEY_FILE.read_bytes()
    settings.MEDIA_ROOT = tmp_path / "restored-media"
    settings.KEY_FILE = tmp_path / "new-machine" / "keys.json"
    result = json.loads(run("restore", str(out), "--database", TARGET, "--commit", "--json"))
    assert result["keys"] == "installed"
    assert settings.KEY_FILE.read_bytes() == original and stat.S_IMODE(settings.KEY_FILE.stat().st_mode) == 0o600


def test_a_backup_whose_key_file_was_moved_away_still_restores(district, empty_database, tmp_path, settings):
    out = tmp_path / "backup"
    run("backup", "--out", str(out))
    (out / KEY_FILE).rename(tmp_path / "kept-elsewhere.json")
    settings.MEDIA_ROOT = tmp_path / "restored-media"
    result = json.loads(run("restore", str(out), "--database", TARGET, "--commit", "--json"))
    assert result["keys"] == "not in backup" and tables(empty_database)


def test_a_damaged_backup_is_refused_before_anything_is_written(district, empty_database, tmp_path, settings):
    out = tmp_path / "backup"
    manifest = json.loads(run("backup", "--out", str(out), "--json"))
    database = out / DATABASE_FILES[manifest["engine"]]
    data = bytearray(database.read_bytes())
    data[len(data) // 2] ^= 0xFF
    database.write_bytes(bytes(data))
    settings.MEDIA_ROOT = tmp_path / "restored-media"
    with pytest.raises(CommandError, match="backup_damaged"):
        run("restore", str(out), "--database", TARGET, "--commit")
    assert tables(empty_database) == [] and not settings.MEDIA_ROOT.exists()

    (out / MEDIA).unlink()
    with pytest.raises(CommandError, match="backup_damaged"):
        run("restore", str(out), "--database", TARGET)


def test_a_target_that_is_not_empty_is_refused(district, empty_database, tmp_path, settings):
    out = tmp_path / "backup"
    run("backup", "--out", str(out))
    before = table_rows(connections[DEFAULT_DB_ALIAS])
    settings.MEDIA_ROOT = tmp_path / "restored-media"
    with pytest.raises(CommandError, match="restore_target_not_empty"):
        run("restore", str(out), "--commit")  # the suite's own database holds the district
    assert table_rows(connections[DEFAULT_DB_ALIAS]) == before

    (settings.MEDIA_ROOT / "old").mkdir(parents=True)
    with pytest.raises(CommandError, match="restore_target_not_empty"):
        run("restore", str(out), "--database", TARGET, "--commit")
    assert tables(empty_database) == []


def test_a_directory_without_a_backup_or_of_another_engine_is_refused(district, empty_database, tmp_path):
    with pytest.raises(CommandError, match="backup_not_found"):
        run("restore", str(tmp_path), "--database", TARGET)
    out = tmp_path / "backup"
    manifest = json.loads(run("backup", "--out", str(out), "--json"))
    other = "postgresql" if manifest["engine"] == "sqlite" else "sqlite"
    del manifest["directory"]
    manifest["files"][DATABASE_FILES[other]] = manifest["files"].pop(DATABASE_FILES[manifest["engine"]])
    (out / DATABASE_FILES[manifest["engine"]]).rename(out / DATABASE_FILES[other])
    manifest["engine"] = other
    (out / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(CommandError, match="engine_mismatch"):
        run("restore", str(out), "--database", TARGET)


def test_a_backup_is_written_only_into_a_new_or_empty_directory(district, tmp_path):
    (tmp_path / "full" / "something").mkdir(parents=True)
    with pytest.raises(CommandError, match="backup_directory_not_empty"):
        run("backup", "--out", str(tmp_path / "full"))
