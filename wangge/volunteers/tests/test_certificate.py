"""The certificate of hours: a PDF with the volunteer's name, masked ID number, the total hours and
the services, the Chinese font embedded; its issue is recorded and audited."""

import datetime as dt
import io

import pytest
import time_machine
from pypdf import PdfReader

from wangge.accounts.models import AuditAction, AuditEvent
from wangge.lib.errors import DomainError
from wangge.volunteers import actions
from wangge.volunteers.certificate import render_pdf
from wangge.volunteers.tests.factories import DAY, at


def fonts_of(reader: PdfReader) -> list[tuple[str, bool]]:
    """(font name, embedded) of every font the pages use, descendant fonts included."""
    found = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for each in [font, *[d.get_object() for d in font.get("/DescendantFonts", [])]]:
                descriptor = each.get("/FontDescriptor")
                if descriptor is not None:
                    descriptor = descriptor.get_object()
                    embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                    found.append((str(each["/BaseFont"]), embedded))
    return found


@pytest.fixture
def served(visit, community_staff, zhang):
    volunteer, user = zhang
    actions.sign_up(user, visit)
    with time_machine.travel(at(DAY, 9), tick=False):
        actions.check_in(community_staff, visit, volunteer)
    with time_machine.travel(at(DAY, 10, 45), tick=False):
        actions.check_out(community_staff, visit, volunteer)
    log = actions.log_hours(user, day=DAY - dt.timedelta(days=10), hours="2.25", what="助老送餐")
    actions.decide_hours(community_staff, log, approve=True)
    return volunteer, user


def test_the_certificate_shows_the_name_the_masked_id_and_the_total_with_the_font_embedded(served):
    volunteer, user = served
    certificate = actions.issue_certificate(user, volunteer, DAY - dt.timedelta(days=30), DAY)
    reader = PdfReader(io.BytesIO(render_pdf(certificate)))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "张志愿" in text
    assert str(certificate.hours) == "4.00" and "4.00" in text
    assert volunteer.person.id_number_masked in text and "11010519491231002X" not in text
    assert "助老送餐" in text and "探访独居老人" in text
    assert certificate.code in text
    assert "志愿服务记录证明" in text
    fonts = fonts_of(reader)
    assert fonts and all(embedded for _name, embedded in fonts)
    assert any("CJK" in name for name, _embedded in fonts)


def test_issuing_a_certificate_is_audited_and_open_to_the_volunteer_and_their_stations_staff(
    served, community_staff, staff_b, li
):
    volunteer, _user = served
    certificate = actions.issue_certificate(community_staff, volunteer, DAY, DAY)
    event = AuditEvent.objects.get(action=AuditAction.CERTIFICATE_ISSUED)
    assert event.object_id == str(certificate.pk) and event.detail["volunteer"] == volunteer.pk
    for outsider in (staff_b, li[1]):
        with pytest.raises(DomainError) as error:
            actions.issue_certificate(outsider, volunteer, DAY, DAY)
        assert error.value.code == "volunteer_forbidden"
