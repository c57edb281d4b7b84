"""The facility edit page (made for a phone) and its photos: the owner unit's account and the
community's staff edit, another unit's account, another community's staff and residents get 404;
errors are shown with their code; residents see the photos on the facility page, whose queries
stay flat as photos grow."""

import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from wangge.accounts.models import Role
from wangge.conftest import make_persona
from wangge.lib.testing import assert_flat, count_queries
from wangge.orgs.actions import create_resident_unit
from wangge.resources import actions
from wangge.resources.models import FacilityPhoto
from wangge.resources.tests.factories import MONDAY, NOW, booking, facility

pytestmark = pytest.mark.usefixtures("media")


@pytest.fixture(autouse=True)
def friday_morning():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def staff_b(small):
    return make_persona("staff_2", Role.COMMUNITY_STAFF, small.communities[1])


def unit_with_account(small, staff, area, name, username):
    unit = create_resident_unit(None, area=area, name=name, kind="学校")
    account = make_persona(username, Role.RESIDENT_UNIT, area)
    actions.add_unit_account(staff, unit, account)
    return unit, account


@pytest.fixture
def school(small, community_staff):
    return unit_with_account(small, community_staff, small.grids[0], "第一中学", "school")


@pytest.fixture
def library_unit(small, community_staff):
    """A second resident unit of the same community."""
    return unit_with_account(small, community_staff, small.grids[1], "图书馆", "library")


@pytest.fixture
def ground(small, community_staff, school):
    return facility(community_staff, small.grids[0], owner_unit=school[0])


def jpeg(colour=(10, 20, 200)) -> SimpleUploadedFile:
    image = Image.new("RGB", (640, 480), colour)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return SimpleUploadedFile("a.jpg", out.getvalue(), content_type="image/jpeg")


def form(**changes):
    data = {
        "name": "学校运动场",
        "kind": "sports_ground",
        "building": "",
        "capacity": "20",
        "rules": "",
        "bookable_by": "residents",
        "cancel_hours": "2",
        "closed_on_holidays": "1",
        **{f"hours_{d}": "08:00-20:00" for d in range(7)},
    }
    data.update(changes)
    return data


def test_who_may_open_the_edit_page_and_post_its_forms(
    client, small, ground, school, library_unit, community_staff, staff_b, resident, district_admin
):
    edit = reverse("resources_facility_edit", args=[ground.pk])
    for user in (school[1], community_staff, district_admin):
        client.force_login(user)
        assert client.get(edit).status_code == 200
        assert edit in client.get(reverse("resources_facility", args=[ground.pk])).content.decode()
    client.force_login(school[1])
    photo = actions.add_photo(school[1], ground, jpeg())
    for user in (library_unit[1], staff_b, resident):
        client.force_login(user)
        assert client.get(edit).status_code == 404
        assert client.post(edit, form(name="别人的")).status_code == 404
        add = reverse("resources_facility_photo_add", args=[ground.pk])
        assert client.post(add, {"photo": jpeg()}).status_code == 404
        remove = reverse("resources_facility_photo_remove", args=[ground.pk, photo.pk])
        assert client.post(remove).status_code == 404
    client.force_login(resident)
    assert edit not in client.get(reverse("resources_facility", args=[ground.pk])).content.decode()
    ground.refresh_from_db()
    assert ground.name == "学校运动场" and FacilityPhoto.objects.count() == 1


def test_the_owner_saves_hours_and_a_closure_from_the_page(client, small, ground, school):
    client.force_login(school[1])
    edit = reverse("resources_facility_edit", args=[ground.pk])
    data = form(name="风雨操场", hours_0="08:00-12:00, 14:00-18:00", hours_6="", new_from="2026-11-10")
    data["new_reason"] = "运动会"
    response = client.post(edit, data, follow=True)
    assert response.status_code == 200
    ground.refresh_from_db()
    assert ground.name == "风雨操场" and ground.capacity == 20 and not ground.needs_approval
    assert ground.hours.filter(weekday=0).count() == 2 and not ground.hours.filter(weekday=6).exists()
    closure = ground.closures.get()
    assert (str(closure.starts_on), str(closure.ends_on), closure.reason) == ("2026-11-10", "2026-11-10", "运动会")
    page = response.content.decode()
    assert "08:00-12:00, 14:00-18:00" in page and "运动会" in page
    # Unticking the closure removes it.
    client.post(edit, form(name="风雨操场"))
    assert not ground.closures.exists()


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"hours_2": "8点到12点"}, "facility_invalid"),
        ({"capacity": "many"}, "facility_invalid"),
        ({"name": ""}, "facility_invalid"),
        ({"new_from": "tomorrow"}, "facility_invalid"),
        ({"hours_0": "10:00-20:00"}, "hours_strand_bookings"),
    ],
)
def test_errors_are_shown_with_their_code_and_the_posted_values_kept(
    client, small, ground, school, resident, changes, code
):
    booking(resident, ground, MONDAY, 9)
    client.force_login(school[1])
    response = client.post(reverse("resources_facility_edit", args=[ground.pk]), form(**changes))
    assert response.status_code == 200
    page = response.content.decode()
    assert code in page
    assert all(value in page for value in changes.values() if value)
    ground.refresh_from_db()
    assert ground.capacity == 1


def test_photos_are_uploaded_shown_to_residents_and_removed(client, small, ground, school, resident, staff_b):
    client.force_login(school[1])
    client.post(reverse("resources_facility_photo_add", args=[ground.pk]), {"photo": jpeg()})
    photo = FacilityPhoto.objects.get()
    bad = SimpleUploadedFile("a.pdf", b"%PDF-1.4", content_type="application/pdf")
    response = client.post(reverse("resources_facility_photo_add", args=[ground.pk]), {"photo": bad}, follow=True)
    assert "not_an_image" in response.content.decode() and FacilityPhoto.objects.count() == 1
    url = reverse("resources_facility_photo", args=[ground.pk, photo.pk])
    client.force_login(resident)
    assert url in client.get(reverse("resources_facility", args=[ground.pk])).content.decode()
    served = client.get(url)
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    content = b"".join(served.streaming_content)
    assert content.startswith(b"\xff\xd8") and b"PhoneMaker" not in content
    client.force_login(staff_b)  # another community's staff does not see the facility
    assert client.get(url).status_code == 404
    client.force_login(school[1])
    client.post(reverse("resources_facility_photo_remove", args=[ground.pk, photo.pk]))
    assert not FacilityPhoto.objects.exists()


def test_the_facility_page_takes_the_same_queries_however_many_photos(client, small, ground, school, resident):
    client.force_login(resident)
    url = reverse("resources_facility", args=[ground.pk])
    client.get(url)  # the district's work calendar is cached per process from the first page on
    runs = []
    for _ in range(3):
        with count_queries() as run:
            assert client.get(url).status_code == 200
        runs.append(run)
        for colour in ((1, 2, 3), (4, 5, 6)):
            actions.add_photo(school[1], ground, jpeg(colour))
    assert_flat(*runs)
