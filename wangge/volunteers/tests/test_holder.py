"""What the volunteers' records hold about a person reaches their access report, and
anonymisation clears the descriptions they wrote themselves (the hours stay)."""

import time_machine

from wangge.people import holders
from wangge.volunteers import actions
from wangge.volunteers.models import HoursLog
from wangge.volunteers.tests.factories import DAY, at


def test_the_access_report_holds_the_registration_activities_and_logged_hours(visit, community_staff, zhang):
    volunteer, user = zhang
    actions.sign_up(user, visit)
    with time_machine.travel(at(DAY, 9), tick=False):
        actions.check_in(community_staff, visit, volunteer)
    with time_machine.travel(at(DAY, 10), tick=False):
        actions.check_out(community_staff, visit, volunteer)
    actions.log_hours(user, day=DAY, hours=1, what="陪王奶奶看病")
    (section,) = [s for s in holders.held_about(volunteer.person) if s["key"] == "volunteers"]
    details = [row["detail"] for row in section["rows"]]
    assert volunteer.station.name in details[0]
    assert any("探访独居老人" in d for d in details) and any("陪王奶奶看病" in d for d in details)


def test_anonymisation_clears_what_the_volunteer_wrote_and_keeps_the_hours(zhang):
    volunteer, user = zhang
    log = actions.log_hours(user, day=DAY, hours=2, what="陪王奶奶看病")
    holders.forget(None, [volunteer.person_id])
    log = HoursLog.objects.get(pk=log.pk)
    assert log.what == "" and str(log.hours) == "2.00"
