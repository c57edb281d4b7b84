"""A committed import binds every value it writes to its row, on SQLite and PostgreSQL: through
the helper process (which seals a row's values before the row exists, bound to an id the
importing process reserved for it) and in process alike; the values read back where they
are stored (reveal, export), and the helper is sent ids ahead, never far ahead."""

import datetime as dt
import io

import openpyxl
import pytest

from wangge.ledgers import pipeline
from wangge.ledgers.actions import import_people, importing
from wangge.ledgers.exporting import export_ledger
from wangge.ledgers.matching import CHUNK
from wangge.ledgers.models import ReviewItem
from wangge.ledgers.tests.factories import first_generation, grid_row, id_number, register_two, write_csv
from wangge.lib.crypto import decrypt_field
from wangge.lib.rowids import reserve_ids
from wangge.people import actions as people_actions
from wangge.people.models import Person
from wangge.people.queries import key_usage

ID_A = id_number(dt.date(1980, 5, 17), 101)
ID_C = id_number(dt.date(1948, 10, 1), 303)
ENCRYPTED = ("id_number_encrypted", "phone_encrypted", "sensitive_encrypted")


def ledger(tmp_path):
    return write_csv(
        tmp_path / "台账.csv",
        [
            grid_row(name="王小明", id_number=ID_A, phone="13900000000"),  # a conflict: another phone
            grid_row(
                room="301",
                name="孙大爷",
                id_number=first_generation(dt.date(1948, 10, 1), 303),
                phone="13812345678",
                disability="肢体二级",
                illness="高血压",
                support="低保",
                elderly_alone="是",
            ),
            # a possible match of 赵丽 (registered without an ID number), with a phone
            grid_row(room="201", name="赵丽", birth="1975-03-01", current_address="泉华路1号", phone="13911112222"),
            grid_row(grid="第2网格", room="201", name="钱多多", birth="2001-09-09", phone="13700001234"),
        ],
    )


@pytest.mark.parametrize("through_the_helper", [True, False])
def test_an_import_binds_every_value_to_the_row_it_writes(
    small, community_staff, tmp_path, monkeypatch, through_the_helper
):
    register_two(small, ID_A)
    if through_the_helper:
        monkeypatch.setattr(pipeline, "MIN_BYTES", 0)
    outcome = import_people(None, district=small.district, path=ledger(tmp_path), layout="grid", commit=True)
    assert (outcome.check.helper_peak_kb > 0) == through_the_helper
    assert outcome.check.counts()["new"] == 2 and outcome.queued == 2
    assert not any(u.unbound for u in key_usage())
    for person in Person.objects.filter(name__in=["孙大爷", "钱多多"]):
        for field in ENCRYPTED:
            if getattr(person, field):
                assert decrypt_field(person, field)  # read where it is stored
    sun = Person.objects.get(name="孙大爷")
    revealed = people_actions.reveal_personal_data(community_staff, person=sun, reason="核实低保信息")
    assert revealed["id_number"] == ID_C and revealed["phone"] == "13812345678"
    assert revealed["sensitive"]["support"] == "low_income"
    for item in ReviewItem.objects.all():
        assert decrypt_field(item, "incoming_encrypted")
    assert "13900000000" in decrypt_field(ReviewItem.objects.get(candidate__name="王小明"), "incoming_encrypted")
    export = export_ledger(
        community_staff, ledger="residents", area=small.communities[0], reveal=True, reason="上报低保复核"
    )
    cells = {
        str(cell)
        for row in openpyxl.load_workbook(io.BytesIO(export.content), read_only=True)
        .worksheets[0]
        .iter_rows(values_only=True)
        for cell in row
    }
    assert ID_C in cells and "13812345678" in cells


def test_the_helper_is_sent_ids_ahead_over_many_chunks_and_never_far_ahead(small, tmp_path, monkeypatch):
    """Chunks of invalid rows use no ids: the importing process sends more only as the helper
    uses them (a pipe filled with unused ids would block both processes)."""
    monkeypatch.setattr(pipeline, "MIN_BYTES", 0)
    reserved: list[int] = []

    def recording(model, count):
        ids = reserve_ids(model, count)
        reserved.extend(ids)
        return ids

    monkeypatch.setattr(importing, "reserve_ids", recording)
    invalid = [grid_row(name="", id_number=id_number(dt.date(1990, 1, 1), 11))] * (2 * CHUNK + 100)
    born = dt.date(1950, 1, 1)
    new = [
        grid_row(
            room=("101", "201", "301")[i % 3],
            name=f"居民{i}",
            id_number=id_number(born + dt.timedelta(days=i), 100 + i % 800),
            phone=f"139{i:08d}",
        )
        for i in range(CHUNK + 300)
    ]
    path = write_csv(tmp_path / "大台账.csv", [*invalid, *new])
    outcome = import_people(None, district=small.district, path=path, layout="grid", commit=True)
    assert outcome.check.counts()["new"] == len(new)
    persons = Person.objects.filter(name__startswith="居民")
    assert persons.count() == len(new)
    assert {p.pk for p in persons} <= set(reserved)  # written with the ids reserved for them
    assert len(reserved) <= len(new) + 2 * CHUNK
    for person in persons.order_by("pk")[:: CHUNK // 4]:
        assert decrypt_field(person, "phone_encrypted").startswith("139")
