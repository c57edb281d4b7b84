"""The apps that keep data about persons register a holder with the people app: the access
report shows what each holds, anonymisation asks each to forget."""

import datetime as dt
import io
import json

import openpyxl
import pytest

from wangge.people import actions, holders, report
from wangge.people.models import Person, PersonStatus
from wangge.people.tests.factories import PHONE, resident

REASON = "居民本人书面申请"


@pytest.fixture
def notebook():
    """A holder registered by the test: what it holds about a person, and whom it was asked to
    forget (by whom)."""
    kept: dict[int, list[dict]] = {}
    forgotten: list[tuple[object, list[int]]] = []

    def forget(acting_user, person_ids):
        forgotten.append((acting_user, list(person_ids)))
        for pk in person_ids:
            kept.pop(pk, None)

    holder = holders.Holder(
        key="notebook",
        title="笔记本",
        columns=[("written_on", "记录日期"), ("note", "内容")],
        held=lambda person: kept.get(person.pk, []),
        forget=forget,
    )
    holders.register(holder)
    yield kept, forgotten
    holders.unregister("notebook")


def test_the_apps_of_the_platform_are_registered():
    keys = [holder.key for holder in holders.registered()]
    assert keys[:8] == [
        "cases_reported",
        "fieldwork_visits",
        "assistance",
        "resources_projects",
        "volunteers",
        "team_members",
        "imported_ledger_rows",
        "ledger_row_merges",
    ]


def test_a_key_is_registered_once():
    (first, *_rest) = holders.registered()
    holders.register(first)  # the same holder again: nothing changes
    with pytest.raises(ValueError, match=first.key):
        holders.register(holders.Holder(key=first.key, title="另一个"))


def test_the_access_report_walks_every_holder(small, notebook, community_staff):
    kept, _forgotten = notebook
    person = resident(small, 0, name="张三", phone=PHONE)
    kept[person.pk] = [{"written_on": dt.date(2025, 3, 1), "note": "上门走访"}]

    data = actions.access_report(community_staff, person, reason=REASON)
    (records,) = [r for r in data["other_records"] if r["key"] == "notebook"]
    assert records == {
        "key": "notebook",
        "title": "笔记本",
        "columns": [{"key": "written_on", "title": "记录日期"}, {"key": "note", "title": "内容"}],
        "rows": [{"written_on": "2025-03-01", "note": "上门走访"}],
    }
    assert json.loads(report.report_json(data))["other_records"] == data["other_records"]
    book = openpyxl.load_workbook(io.BytesIO(report.report_xlsx(data)))
    assert list(book["笔记本"].iter_rows(values_only=True)) == [("记录日期", "内容"), ("2025-03-01", "上门走访")]


def test_anonymisation_walks_every_holder(small, notebook, community_staff, settings):
    kept, forgotten = notebook
    person = resident(small, 0, name="张三", phone=PHONE)
    stays = resident(small, 1, name="李四")
    kept[person.pk] = [{"note": "上门走访"}]
    kept[stays.pk] = [{"note": "电话回访"}]
    Person.objects.filter(pk=person.pk).update(status=PersonStatus.MOVED_AWAY, status_changed_on=dt.date(2020, 1, 5))
    settings.RETENTION_DAYS = 365

    actions.anonymise_person(community_staff, Person.objects.get(pk=person.pk))
    assert forgotten == [(community_staff, [person.pk])]
    assert person.pk not in kept and stays.pk in kept

    assert actions.anonymise_persons(None, commit=True).anonymised == 0
    assert len(forgotten) == 1  # nobody is due any more: no holder is asked again
