"""Editing a facility and its photos (`actions.update_facility`, `add_photo`, `remove_photo`) and
`PUT /api/v1/facilities/{id}`: who may edit (the owner unit's account, the community's staff,
the district's administrators; two resident units and two communities), validation, held
bookings never stranded by new hours, photos re-encoded without EXIF, at most `MAX_PHOTOS`."""

import datetime as dt
import io

import pytest
from PIL import Image

from wangge.accounts.models import AuditAction, AuditEvent
from wangge.api.testing import assert_error, bearer_client
from wangge.lib.errors import DomainError
from wangge.resources import actions
from wangge.resources.errors import ResourceError
from wangge.resources.models import MAX_PHOTOS, Closure, Facility, FacilityPhoto, OpeningHours
from wangge.resources.tests.factories import MONDAY, WEEKDAYS_8_TO_20, at, booking, facility

pytestmark = pytest.mark.usefixtures("media")


@pytest.fixture
def ground(small, community_staff, school):
    return facility(community_staff, small.grids[0], owner_unit=school)


@pytest.fixture
def clinic(small, staff_b, hospital):
    return facility(staff_b, small.grids[2], name="医院门诊", owner_unit=hospital)


def edit(user, place, **changes):
    fields = {
        "name": place.name,
        "kind": place.kind,
        "hours": WEEKDAYS_8_TO_20,
        "closures": [],
        "capacity": place.capacity,
        "rules": place.rules,
        "bookable_by": place.bookable_by,
        "needs_approval": place.needs_approval,
        "cancel_hours": place.cancel_hours,
        "closed_on_holidays": place.closed_on_holidays,
    }
    fields.update(changes)
    return actions.update_facility(user, place, **fields)


def jpeg_with_gps() -> io.BytesIO:
    image = Image.new("RGB", (800, 600), (30, 120, 30))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 28.0)}  # GPSInfo
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    out.seek(0)
    return out


def test_the_owner_edits_every_field_hours_and_closures_with_an_audit_row_of_ids(small, ground, school_account):
    short = [actions.Hours(d, dt.time(9), dt.time(12)) for d in range(5)] + [actions.Hours(0, dt.time(14), dt.time(18))]
    edit(
        school_account,
        ground,
        name=" 风雨操场 ",
        kind="activity_room",
        hours=short,
        closures=[actions.ClosureDays(MONDAY + dt.timedelta(days=1), MONDAY + dt.timedelta(days=2), "考试")],
        capacity=40,
        rules="穿运动鞋",
        bookable_by="both",
        needs_approval=True,
        cancel_hours=24,
        closed_on_holidays=False,
    )
    ground.refresh_from_db()
    assert (ground.name, ground.kind, ground.capacity, ground.rules) == ("风雨操场", "activity_room", 40, "穿运动鞋")
    assert (ground.bookable_by, ground.needs_approval, ground.cancel_hours, ground.closed_on_holidays) == (
        "both",
        True,
        24,
        False,
    )
    assert OpeningHours.objects.filter(facility=ground).count() == 6
    assert list(Closure.objects.filter(facility=ground).values_list("reason", flat=True)) == ["考试"]
    event = (
        AuditEvent.objects.filter(action=AuditAction.FACILITY_CHANGED, object_id=str(ground.pk)).order_by("pk").last()
    )
    assert event.actor == school_account and event.detail == {"edited": True}


def test_community_staff_and_district_admin_edit_but_not_another_unit_or_community(
    small, ground, clinic, community_staff, staff_b, district_admin, school_account, hospital_account, resident
):
    edit(community_staff, ground, capacity=5)
    edit(district_admin, clinic, capacity=6)
    for user, place in [(hospital_account, ground), (school_account, clinic), (staff_b, ground), (resident, ground)]:
        with pytest.raises(DomainError) as error:
            edit(user, place, capacity=99)
        assert error.value.code == ResourceError.RESOURCE_FORBIDDEN
    assert sorted(Facility.objects.values_list("capacity", flat=True)) == [5, 6]


@pytest.mark.parametrize(
    "changes",
    [
        {"name": "  "},
        {"kind": "castle"},
        {"bookable_by": "everyone"},
        {"capacity": 0},
        {"cancel_hours": 169},
        {"rules": "x" * 2001},
        {"hours": [actions.Hours(0, dt.time(12), dt.time(9))]},
        {"hours": [actions.Hours(7, dt.time(9), dt.time(12))]},
        {"hours": [actions.Hours(0, dt.time(9), dt.time(12)), actions.Hours(0, dt.time(11), dt.time(14))]},
        {"closures": [actions.ClosureDays(MONDAY, MONDAY - dt.timedelta(days=1))]},
        {"closures": [actions.ClosureDays(MONDAY, MONDAY, "x" * 201)]},
    ],
)
def test_invalid_fields_are_refused_and_nothing_changes(small, ground, school_account, changes):
    with pytest.raises(DomainError) as error:
        edit(school_account, ground, **changes)
    assert error.value.code == ResourceError.FACILITY_INVALID
    ground.refresh_from_db()
    assert ground.name == "学校运动场" and ground.hours.count() == 7


def test_a_building_of_another_community_is_refused(small, ground, school_account):
    other = small.buildings[-1]
    assert other.community_id != ground.community_id
    with pytest.raises(DomainError) as error:
        edit(school_account, ground, building=other)
    assert error.value.code == ResourceError.FACILITY_INVALID


@pytest.mark.parametrize(
    "changes",
    [
        {"hours": [actions.Hours(d, dt.time(10), dt.time(20)) for d in range(7)]},  # opens after the 9:00 booking
        {"hours": [actions.Hours(d, dt.time(8), dt.time(20)) for d in range(1, 7)]},  # closed on Mondays
        {"closures": [actions.ClosureDays(MONDAY, MONDAY, "维修")]},
    ],
)
def test_new_hours_that_strand_a_held_booking_are_refused_until_it_is_cancelled(
    small, ground, school_account, resident, changes
):
    held = booking(resident, ground)  # Monday 9:00–10:00
    with pytest.raises(DomainError) as error:
        edit(school_account, ground, **changes)
    assert error.value.code == ResourceError.HOURS_STRAND_BOOKINGS
    assert ground.hours.count() == 7 and not ground.closures.exists()
    actions.cancel(school_account, held)
    edit(school_account, ground, **changes)


def test_hours_that_keep_held_bookings_inside_are_saved(small, ground, school_account, resident):
    booking(resident, ground)  # Monday 9:00–10:00
    edit(school_account, ground, hours=[actions.Hours(d, dt.time(9), dt.time(10)) for d in range(7)])
    assert ground.hours.count() == 7
    assert {(h.opens, h.closes) for h in ground.hours.all()} == {(dt.time(9), dt.time(10))}


def test_a_photo_is_stored_without_exif_and_removed_with_its_file(
    small, ground, school_account, django_capture_on_commit_callbacks
):
    original = jpeg_with_gps()
    assert b"PhoneMaker" in original.getvalue()
    photo = actions.add_photo(school_account, ground, original)
    stored = photo.file.read()
    photo.file.close()
    assert b"PhoneMaker" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG" and not image.getexif()
    name, storage, photo_id = photo.file.name, photo.file.storage, photo.pk
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        actions.remove_photo(school_account, photo)
    assert not FacilityPhoto.objects.exists() and not storage.exists(name)
    details = AuditEvent.objects.filter(action=AuditAction.FACILITY_CHANGED, object_id=str(ground.pk))
    assert {"photo_added": photo_id} in [e.detail for e in details]
    assert {"photo_removed": photo_id} in [e.detail for e in details]


def test_photos_are_limited_and_only_images_are_taken(small, ground, clinic, school_account, hospital_account):
    for _ in range(MAX_PHOTOS):
        actions.add_photo(school_account, ground, jpeg_with_gps())
    with pytest.raises(DomainError) as error:
        actions.add_photo(school_account, ground, jpeg_with_gps())
    assert error.value.code == ResourceError.TOO_MANY_PHOTOS
    with pytest.raises(DomainError) as error:
        actions.add_photo(school_account, clinic, io.BytesIO(b"%PDF-1.4 not an image"))
    assert error.value.code == ResourceError.RESOURCE_FORBIDDEN
    with pytest.raises(DomainError) as error:
        actions.add_photo(hospital_account, clinic, io.BytesIO(b"%PDF-1.4 not an image"))
    assert error.value.code == "not_an_image"
    with pytest.raises(DomainError) as error:
        actions.remove_photo(hospital_account, FacilityPhoto.objects.filter(facility=ground).first())
    assert error.value.code == ResourceError.RESOURCE_FORBIDDEN
    assert FacilityPhoto.objects.count() == MAX_PHOTOS


def body(place, **changes):
    payload = {
        "name": place.name,
        "kind": place.kind,
        "capacity": 30,
        "rules": "",
        "bookable_by": "residents",
        "needs_approval": False,
        "cancel_hours": 2,
        "closed_on_holidays": True,
        "hours": [{"weekday": d, "opens": "08:00", "closes": "20:00"} for d in range(7)],
        "closures": [],
    }
    payload.update(changes)
    return payload


def test_the_api_edits_a_facility_one_manages_and_404s_others(
    small, ground, clinic, school_account, hospital_account, staff_b, resident
):
    response = bearer_client(school_account).put(
        f"/api/v1/facilities/{ground.pk}",
        body(ground, name="新操场", closures=[{"starts_on": "2026-11-10", "ends_on": "2026-11-11", "reason": "修"}]),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "新操场" and response.json()["capacity"] == 30
    assert ground.closures.count() == 1
    for user in (hospital_account, staff_b, resident):
        response = bearer_client(user).put(
            f"/api/v1/facilities/{ground.pk}", body(ground), content_type="application/json"
        )
        assert_error(response, 404, "not_found")
    response = bearer_client(hospital_account).put(
        f"/api/v1/facilities/{clinic.pk}", body(clinic, kind="castle"), content_type="application/json"
    )
    assert_error(response, 400, "facility_invalid")


def test_the_api_refuses_hours_that_strand_a_booking(small, ground, school_account, resident):
    actions.book(resident, ground, at(MONDAY, 18), at(MONDAY, 19))
    hours = [{"weekday": d, "opens": "08:00", "closes": "17:00"} for d in range(7)]
    response = bearer_client(school_account).put(
        f"/api/v1/facilities/{ground.pk}", body(ground, hours=hours), content_type="application/json"
    )
    assert_error(response, 409, "hours_strand_bookings")


def test_the_api_adds_and_removes_photos_of_a_facility_one_manages(small, ground, school_account, hospital_account):
    url = f"/api/v1/facilities/{ground.pk}/photos"
    response = bearer_client(school_account).post(url, {"file": jpeg_with_gps()})
    assert response.status_code == 201, response.content
    photo = FacilityPhoto.objects.get()
    assert response.json()["id"] == photo.pk and b"PhoneMaker" not in photo.file.read()
    photo.file.close()
    assert_error(bearer_client(school_account).post(url, {"file": io.BytesIO(b"%PDF-1.4")}), 400, "not_an_image")
    assert_error(bearer_client(hospital_account).post(url, {"file": jpeg_with_gps()}), 404, "not_found")
    assert_error(bearer_client(hospital_account).delete(f"{url}/{photo.pk}"), 404, "not_found")
    assert bearer_client(school_account).delete(f"{url}/{photo.pk}").status_code == 204
    assert not FacilityPhoto.objects.exists()
