"""On PostgreSQL, no two held bookings of one facility overlap: an exclusion constraint over the
time range (with btree_gist for the facility's equality). SQLite has no exclusion constraints:
there the guarantee is `actions.book`'s check under the write lock (see `models`)."""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE resources_booking ADD CONSTRAINT booking_no_overlap EXCLUDE USING gist (
    facility_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&
) WHERE (status IN ('requested', 'approved', 'checked_in', 'no_show'));
"""
DROP = "ALTER TABLE resources_booking DROP CONSTRAINT IF EXISTS booking_no_overlap;"


def create(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("resources", "0001_facilities_and_bookings")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
