"""The resident who raised a problem on a patrol, a visit or a phone call is recorded with the
case (name, and contact encrypted and masked), so the return visit has someone to call."""

import pytest

from wangge.api.testing import session_client
from wangge.cases import actions
from wangge.cases.models import Case, Category, Channel
from wangge.cases.tests.factories import IN_GRID_0
from wangge.lib.crypto import decrypt_field
from wangge.web.tests.conftest import zh

pytestmark = pytest.mark.usefixtures("media")


@pytest.fixture(autouse=True)
def tiles(settings):
    settings.MAP_TILE_CRS = "wgs84"


@pytest.mark.parametrize("channel", [Channel.PATROL, Channel.VISIT, Channel.PHONE])
def test_every_staff_channel_stores_the_reporter_encrypted_and_masked(small, catalogue, worker_a, channel):
    category = Category.objects.get(code="SZ02")
    case = actions.file_case(
        worker_a,
        district=small.district,
        category=category,
        channel=channel,
        description="楼道堆物",
        building=small.buildings[0],
        reporter_name="李大妈",
        reporter_contact="13812345678",
    )
    case.refresh_from_db()
    assert case.reporter_name == "李大妈" and case.reporter_contact_masked == "138****5678"
    assert b"13812345678" not in bytes(case.reporter_contact_encrypted)
    assert decrypt_field(case, "reporter_contact_encrypted") == "13812345678"


@pytest.mark.parametrize("channel", ["patrol", "visit"])
def test_a_patrol_or_visit_filed_on_the_page_shows_the_reporter_masked_to_staff(
    small, catalogue, worker_a, community_staff, channel
):
    client = session_client(worker_a)
    form = client.get("/cases/new/").content.decode()
    assert zh("Name of the resident who reported it") in form
    assert zh("Their phone (stored encrypted, shown masked)") in form
    response = client.post(
        "/cases/new/",
        {
            "category": str(Category.objects.get(code="SZ02").pk),
            "description": "楼道堆物",
            "lng": str(IN_GRID_0[0]),
            "lat": str(IN_GRID_0[1]),
            "channel": channel,
            "reporter_name": "李大妈",
            "reporter_contact": "13812345678",
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302 and case.channel == channel
    detail = session_client(community_staff).get(f"/cases/{case.pk}/").content.decode()
    assert zh("Reported by") in detail and "李大妈" in detail and "138****5678" in detail
    assert "13812345678" not in detail
