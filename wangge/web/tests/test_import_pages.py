"""The ledger-import wizard and the review queue on the web: upload → dry run in the background
(run synchronously here, as the ledgers tests do) → progress and report → commit → the same file
again changes nothing; review items decided per field and undone; scope with personas of two
grids; query counts of the lists."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from wangge.accounts.models import AuditAction, AuditEvent, Role
from wangge.conftest import make_persona
from wangge.ledgers.actions import import_people
from wangge.ledgers.models import ImportRun, Merge, ReviewItem, ReviewState, RunMode, RunState
from wangge.ledgers.tasks import run_import
from wangge.ledgers.tests.factories import grid_row, id_number, write_csv
from wangge.lib.testing import assert_flat, count_queries
from wangge.people.actions import PersonInput, create_persons
from wangge.people.models import Person
from wangge.web.tests.conftest import zh

ID_SUN = id_number(dt.date(1950, 1, 2), 11)
ID_QIAN = id_number(dt.date(1988, 3, 4), 21)


pytestmark = pytest.mark.usefixtures("media")


def ledger(tmp_path, rows=None, name="台账.csv") -> SimpleUploadedFile:
    rows = rows or [
        grid_row(name="孙大爷", id_number=ID_SUN, phone="13700001111"),
        grid_row(room="201", name="钱多多", id_number=ID_QIAN),
        grid_row(room="301", name=""),  # invalid: no name
    ]
    path = write_csv(tmp_path / "source.csv", rows)
    return SimpleUploadedFile(name, path.read_bytes(), content_type="text/csv")


def upload(client, tmp_path, rows=None, layout="grid") -> ImportRun:
    before = set(ImportRun.objects.values_list("pk", flat=True))
    response = client.post(reverse("import_new"), {"layout": layout, "file": ledger(tmp_path, rows)})
    assert response.status_code == 302, response.content.decode()[:2000]
    (run,) = ImportRun.objects.exclude(pk__in=before)
    assert response["Location"] == reverse("import_run", args=[run.pk])
    return run


def run_url(run: ImportRun, name: str = "import_run") -> str:
    return reverse(name, args=[run.pk])


# --- the wizard ----------------------------------------------------------------------------------


def test_wizard_end_to_end_and_reimport_changes_nothing(client, district_admin, small, tmp_path, media):
    client.force_login(district_admin)
    page = client.get(reverse("import_new")).content.decode()
    assert 'enctype="multipart/form-data"' in page and zh("Grid-system ledger") in page

    run = upload(client, tmp_path)
    assert (run.mode, run.state, run.created_by) == (RunMode.DRY_RUN, RunState.QUEUED, district_admin)
    # Before the worker has run: the page polls every second.
    response = client.get(run_url(run))
    assert 'hx-trigger="every 1s"' in response.content.decode()
    partial = client.get(run_url(run), headers={"HX-Request": "true"}).content.decode()
    assert partial.lstrip().startswith('<section id="run-status"') and 'hx-trigger="every 1s"' in partial
    assert "<html" not in partial

    run_import.call(run.pk)  # what `wangge worker` does
    partial = client.get(run_url(run), headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in partial  # finished: the polling stops
    response = client.get(run_url(run))
    counts = {name: value for name, _label, value in response.context["counts"]}
    assert counts == {"rows": 3, "new": 2, "matched": 0, "review": 0, "conflicts": 0, "invalid": 1, "held": 0}
    page = response.content.decode()
    report = response.context["report"]
    assert [(r.row, r.codes) for r in report.invalid] == [(4, ["name_missing"])]
    assert zh("Commit this import") in page and zh("Discard") in page
    assert run_url(run, "import_report") in page
    assert ID_SUN not in page and "13700001111" not in page
    assert not Person.objects.exists()

    # The error report: a download, audited.
    response = client.get(run_url(run, "import_report"))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    assert response.content[:2] == b"PK"
    assert AuditEvent.objects.filter(action=AuditAction.EXPORTED, detail__export="import_report").count() == 1

    # Commit: a new run of the same file.
    response = client.post(run_url(run, "import_commit"))
    committed = ImportRun.objects.get(mode=RunMode.COMMIT)
    assert response.status_code == 302 and response["Location"] == run_url(committed)
    run_import.call(committed.pk)
    assert sorted(Person.objects.values_list("name", flat=True)) == ["孙大爷", "钱多多"]
    response = client.get(run_url(committed))
    assert {n: v for n, _l, v in response.context["counts"]}["new"] == 2
    assert not response.context["committable"]
    # A dry run is committed once.
    assert client.post(run_url(run, "import_commit")).status_code == 302
    assert ImportRun.objects.filter(mode=RunMode.COMMIT).count() == 1

    # The same file again: everything matches, nothing changes.
    persons = list(Person.objects.order_by("pk").values())
    again = upload(client, tmp_path)
    run_import.call(again.pk)
    counts = {n: v for n, _l, v in client.get(run_url(again)).context["counts"]}
    assert (counts["new"], counts["matched"], counts["invalid"]) == (0, 2, 1)
    client.post(run_url(again, "import_commit"))
    second = ImportRun.objects.filter(mode=RunMode.COMMIT).latest("pk")
    run_import.call(second.pk)
    assert list(Person.objects.order_by("pk").values()) == persons
    assert not ReviewItem.objects.exists()

    # The list shows all four runs.
    response = client.get(reverse("imports"))
    assert [r.pk for r in response.context["page"].object_list] == sorted(
        ImportRun.objects.values_list("pk", flat=True), reverse=True
    )


def test_discard_deletes_the_upload(client, district_admin, small, tmp_path, media):
    client.force_login(district_admin)
    run = upload(client, tmp_path)
    run_import.call(run.pk)
    stored = media / ImportRun.objects.get(pk=run.pk).stored_file
    assert stored.exists()
    response = client.post(run_url(run, "import_discard"))
    assert response.status_code == 302 and response["Location"] == reverse("imports")
    assert not stored.exists()
    assert client.post(run_url(run, "import_commit")).status_code == 302
    assert not ImportRun.objects.filter(mode=RunMode.COMMIT).exists()


def test_bad_uploads_get_translated_errors(client, district_admin, small, tmp_path):
    client.force_login(district_admin)
    response = client.post(reverse("import_new"), {"layout": "grid"})
    assert response.status_code == 400 and zh("Choose the ledger file to upload.") in response.content.decode()
    bad = SimpleUploadedFile("台账.pdf", b"%PDF-1.4")
    response = client.post(reverse("import_new"), {"layout": "grid", "file": bad})
    assert response.status_code == 400 and 'data-code="file_type"' in response.content.decode()
    response = client.post(reverse("import_new"), {"layout": "nope", "file": ledger(tmp_path)})
    assert response.status_code == 400 and 'data-code="unknown_layout"' in response.content.decode()
    assert not ImportRun.objects.exists()


def test_a_failed_run_shows_its_error(client, district_admin, small, tmp_path):
    client.force_login(district_admin)
    raw = SimpleUploadedFile("台账.csv", "甲,乙\n丙,丁\n".encode())  # no header the layout knows
    client.post(reverse("import_new"), {"layout": "grid", "file": raw})
    run = ImportRun.objects.get()
    run_import.call(run.pk)
    response = client.get(run_url(run))
    assert response.context["progress"]["state"] == RunState.FAILED
    assert 'role="alert"' in response.content.decode() and not response.context["committable"]


def test_grid_worker_imports_only_their_grid_and_runs_are_scoped(client, small, worker_a, worker_b, tmp_path):
    client.force_login(worker_a)
    rows = [grid_row(name="孙大爷", id_number=ID_SUN), grid_row(community="社区2", name="钱多多", id_number=ID_QIAN)]
    run = upload(client, tmp_path, rows)
    run_import.call(run.pk)
    response = client.get(run_url(run))
    counts = {n: v for n, _l, v in response.context["counts"]}
    assert (counts["new"], counts["invalid"]) == (1, 1)
    assert response.context["report"].invalid[0].codes == ["out_of_scope"]

    client.force_login(worker_b)
    for name in ("import_run", "import_report"):
        assert client.get(run_url(run, name)).status_code == 404
    for name in ("import_commit", "import_discard"):
        assert client.post(run_url(run, name)).status_code == 404
    assert list(client.get(reverse("imports")).context["page"].object_list) == []
    assert ImportRun.objects.get(pk=run.pk).stored_file  # untouched


def test_roles_without_personal_data_cannot_import(client, small, tmp_path):
    client.force_login(make_persona("member_a", Role.MEMBER, small.grids[0]))
    for url in (reverse("imports"), reverse("import_new"), reverse("review_queue")):
        assert client.get(url).status_code == 404, url
    response = client.post(reverse("import_new"), {"layout": "grid", "file": ledger(tmp_path)})
    assert response.status_code == 404 and not ImportRun.objects.exists()


def test_import_list_query_count_does_not_grow(client, district_admin, small, tmp_path):
    client.force_login(district_admin)
    upload(client, tmp_path)
    client.get(reverse("imports"))
    with count_queries() as before:
        client.get(reverse("imports"))
    for _ in range(5):
        upload(client, tmp_path)
    with count_queries() as after:
        client.get(reverse("imports"))
    assert len(client.get(reverse("imports")).context["page"].object_list) == 6
    assert_flat(before, after)


# --- the review queue ----------------------------------------------------------------------------


def registered(small, n: int, grid_households: list[int]) -> list[Person]:
    """Persons with ID number and phone in the given households (王0, 王1, …), read back."""
    create_persons(
        None,
        district=small.district,
        people=[
            PersonInput(
                name=f"王{i}",
                id_number=id_number(dt.date(1970, 1, 1 + i), 31 + 2 * i),
                phone=f"1390000{i:04d}",
                household=small.households[h],
                relation="head",
            )
            for i, h in enumerate(grid_households[:n])
        ],
    )
    return list(Person.objects.filter(name__startswith="王").order_by("name"))


def conflicts(small, tmp_path, persons: list[Person], tag: str = "") -> None:
    """Import a file naming the persons by ID number with another phone: one conflict each."""
    rows = []
    for i, p in enumerate(persons):
        household = p.households.get().household
        building = household.parent
        rows.append(
            grid_row(
                community=household.community.name,
                grid=building.grid.name.removeprefix(household.community.name),
                building=building.name.removeprefix(building.grid.name),
                room=household.name.removeprefix(building.name).removesuffix("室"),
                name=p.name,
                id_number=id_number(dt.date(1970, 1, 1 + int(p.name[1:])), 31 + 2 * int(p.name[1:])),
                phone=f"1361111{i:03d}{tag or '0'}",
            )
        )
    path = write_csv(tmp_path / f"conflicts{tag}.csv", rows)
    outcome = import_people(None, district=small.district, path=path, layout="grid", commit=True)
    assert outcome.check.counts()["conflicts"] == len(persons), outcome.summary()


def test_review_item_decided_per_field_and_undone(client, small, worker_a, worker_b, tmp_path):
    wang, zhao = registered(small, 2, [0, 12])  # grid 0 and grid 2
    conflicts(small, tmp_path, [wang, zhao])
    item_a = ReviewItem.objects.get(candidate=wang)
    item_b = ReviewItem.objects.get(candidate=zhao)

    client.force_login(worker_b)
    assert [i.pk for i in client.get(reverse("review_queue")).context["page"].object_list] == [item_b.pk]
    assert client.get(reverse("review_item", args=[item_a.pk])).status_code == 404
    response = client.post(reverse("review_decide", args=[item_a.pk]), {"choice_phone": "incoming"})
    assert response.status_code == 404

    client.force_login(worker_a)
    response = client.get(reverse("review_queue"))
    assert [i.pk for i in response.context["page"].object_list] == [item_a.pk]
    assert zh("phone") in response.content.decode()
    response = client.get(reverse("review_item", args=[item_a.pk]))
    page = response.content.decode()
    assert wang.phone_masked in page and "136****0000" in page
    assert "13900000000" not in page and "13611110000" not in page
    assert 'name="choice_phone" value="incoming"' in page
    viewed = AuditEvent.objects.filter(action=AuditAction.PERSONAL_DATA_VIEWED, detail__review_item=item_a.pk)
    assert viewed.count() == 1

    # Nothing chosen from the file: a translated error, nothing merged.
    response = client.post(reverse("review_decide", args=[item_a.pk]), {"choice_phone": "registry"})
    assert response.status_code == 400 and 'data-code="merge_nothing_chosen"' in response.content.decode()
    assert not Merge.objects.exists()

    response = client.post(reverse("review_decide", args=[item_a.pk]), {"choice_phone": "incoming"})
    assert response.status_code == 302
    item_a.refresh_from_db()
    wang.refresh_from_db()
    assert item_a.state == ReviewState.MERGED and wang.phone_masked == "136****0000"
    page = client.get(reverse("review_item", args=[item_a.pk])).content.decode()
    (merge,) = Merge.objects.all()
    undo = reverse("review_undo", args=[item_a.pk, merge.pk])
    assert undo in page and 'name="decision"' not in page
    assert client.get(reverse("review_queue"), {"state": "merged"}).context["page"].object_list[0] == item_a

    client.force_login(worker_b)
    assert client.post(undo).status_code == 404
    client.force_login(worker_a)
    assert client.post(undo).status_code == 302
    item_a.refresh_from_db()
    wang.refresh_from_db()
    assert item_a.state == ReviewState.OPEN and wang.phone_masked == "139****0000"
    # Undone once only.
    client.post(undo)
    assert Merge.objects.get().undone_by == worker_a


def test_dismiss(client, small, worker_a, tmp_path):
    (wang,) = registered(small, 1, [0])
    conflicts(small, tmp_path, [wang])
    item = ReviewItem.objects.get()
    client.force_login(worker_a)
    assert client.post(reverse("review_decide", args=[item.pk]), {"decision": "dismiss"}).status_code == 302
    item.refresh_from_db()
    assert item.state == ReviewState.DISMISSED and not Merge.objects.exists()


def test_review_queue_query_count_does_not_grow(client, small, district_admin, tmp_path):
    persons = registered(small, 6, [0, 1, 2, 6, 12, 18])
    conflicts(small, tmp_path, persons[:2], tag="1")
    client.force_login(district_admin)
    client.get(reverse("review_queue"))
    with count_queries() as before:
        client.get(reverse("review_queue"))
    conflicts(small, tmp_path, persons[2:], tag="2")
    with count_queries() as after:
        client.get(reverse("review_queue"))
    assert len(client.get(reverse("review_queue")).context["page"].object_list) == 6
    assert_flat(before, after)
