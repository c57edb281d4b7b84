"""Every change to volunteers' records, each in one transaction with its audit row: opening a
station, adding a team, registering a volunteer (a person of the registry) and adding them to a
team; creating an activity; signing up (with the waiting list) and cancelling (promoting the
first waiter); checking in and out (by the organiser or by scanning the activity's QR code);
recording the households an activity served; logging one's own hours and deciding them;
issuing a certificate of hours.

**Capacity holds under concurrency.** `sign_up` and `cancel_signup` lock the activity's row
(`SELECT … FOR UPDATE`) before counting its confirmed sign-ups, so two sign-ups for its last
place are taken one after the other: the second finds it full and waits in the queue. On SQLite
every transaction begins `IMMEDIATE` (settings), which serialises them the same way.

Who may do what: `queries`. A row the user does not see is not found (404); one they see but
may not change is 403 `volunteer_forbidden`.
"""

import datetime as dt
import secrets
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts import audit
from wangge.accounts.models import AuditAction, Role, User
from wangge.accounts.scope import assignments_of, has_role_over
from wangge.areas.models import AreaNode, Level
from wangge.lib.errors import DomainError
from wangge.people.models import HouseholdMember, Person
from wangge.volunteers import figures, qr, queries
from wangge.volunteers.errors import VolunteerError
from wangge.volunteers.models import (
    Activity,
    Attendee,
    Certificate,
    HoursLog,
    HoursStatus,
    ServiceTeam,
    SignUp,
    SignUpStatus,
    Station,
    TeamKind,
    Volunteer,
)

# Check-in opens this long before the activity starts and closes at its end.
CHECKIN_EARLY = dt.timedelta(minutes=30)
MAX_ACTIVITY = dt.timedelta(hours=24)
MAX_CAPACITY = 10_000
# Self-logged hours: at most this many a day, dated at most this long ago.
MAX_LOGGED_HOURS = Decimal(24)
MAX_LOG_AGE = dt.timedelta(days=366)
MAX_PERIOD = dt.timedelta(days=3660)


def _forbidden(message: str | None = None) -> DomainError:
    return DomainError(VolunteerError.VOLUNTEER_FORBIDDEN, message or _("Keeping this station is not your role."))


def _station_invalid(message: str) -> DomainError:
    return DomainError(VolunteerError.STATION_INVALID, message)


def _name(value: str, what: str) -> str:
    value = value.strip()
    if not value or len(value) > 200:
        raise _station_invalid(_("The %(what)s is 1 to 200 characters.") % {"what": what})
    return value


# --- stations, teams, volunteers ---------------------------------------------------------------


def open_station(acting_user: User, community: AreaNode, *, name: str, place: str = "") -> Station:
    """The community's volunteer service station (one per community)."""
    if community.level != Level.COMMUNITY:
        raise _station_invalid(_("A station belongs to a community."))
    if not has_role_over(acting_user, community, *queries.MANAGING_ROLES):
        raise _forbidden()
    name = _name(name, _("station's name"))
    if len(place) > 200:
        raise _station_invalid(_("The place is at most 200 characters."))
    with transaction.atomic():
        if Station.objects.filter(community=community).exists():
            raise _station_invalid(_("The community has its station already."))
        station = Station.objects.create(district_id=community.district_id, community=community, name=name, place=place)
        audit.record(
            acting_user,
            AuditAction.VOLUNTEER_CHANGED,
            obj=station,
            district_id=station.district_id,
            detail={"name": name},
        )
    return station


def add_team(acting_user: User, station: Station, *, name: str, kind: str) -> ServiceTeam:
    if not queries.can_manage(acting_user, station):
        raise _forbidden()
    name = _name(name, _("team's name"))
    if kind not in TeamKind.values:
        raise _station_invalid(_("Choose the team's kind from the list."))
    with transaction.atomic():
        team = ServiceTeam.objects.create(
            district_id=station.district_id, community_id=station.community_id, station=station, name=name, kind=kind
        )
        audit.record(
            acting_user, AuditAction.VOLUNTEER_CHANGED, obj=team, district_id=team.district_id, detail={"kind": kind}
        )
    return team


def register_volunteer(
    acting_user: User, station: Station, person: Person, *, joined_on: dt.date | None = None
) -> Volunteer:
    """Register a person of the district's registry as a volunteer with the station."""
    if not queries.can_manage(acting_user, station):
        raise _forbidden()
    if person.district_id != station.district_id or person.anonymised_at is not None:
        raise _station_invalid(_("A volunteer is a person of the station's district in the registry."))
    with transaction.atomic():
        if Volunteer.objects.filter(district_id=station.district_id, person=person).exists():
            raise _station_invalid(_("The person is registered as a volunteer already."))
        volunteer = Volunteer.objects.create(
            district_id=station.district_id,
            community_id=station.community_id,
            station=station,
            person=person,
            joined_on=joined_on or timezone.localdate(),
        )
        audit.record(acting_user, AuditAction.VOLUNTEER_CHANGED, obj=volunteer, district_id=volunteer.district_id)
    return volunteer


def edit_team(acting_user: User, team: ServiceTeam, *, name: str, kind: str) -> ServiceTeam:
    """Rename a team or change its kind."""
    if not has_role_over(acting_user, team.community, *queries.MANAGING_ROLES):
        raise _forbidden()
    name = _name(name, _("team's name"))
    if kind not in TeamKind.values:
        raise _station_invalid(_("Choose the team's kind from the list."))
    with transaction.atomic():
        team = ServiceTeam.objects.select_for_update().get(pk=team.pk)
        team.name, team.kind = name, kind
        team.save(update_fields=["name", "kind", "updated_at"])
        audit.record(
            acting_user,
            AuditAction.VOLUNTEER_CHANGED,
            obj=team,
            district_id=team.district_id,
            detail={"kind": kind, "edited": True},
        )
    return team


def remove_from_team(acting_user: User, team: ServiceTeam, volunteer: Volunteer) -> None:
    """Take a volunteer off a team (their registration, sign-ups and hours stay)."""
    if not has_role_over(acting_user, team.community, *queries.MANAGING_ROLES):
        raise _forbidden()
    with transaction.atomic():
        team.members.remove(volunteer)
        audit.record(
            acting_user,
            AuditAction.VOLUNTEER_CHANGED,
            obj=team,
            district_id=team.district_id,
            detail={"member": volunteer.pk, "removed": True},
        )


def add_to_team(acting_user: User, team: ServiceTeam, volunteer: Volunteer) -> None:
    if not has_role_over(acting_user, team.community, *queries.MANAGING_ROLES):
        raise _forbidden()
    if volunteer.district_id != team.district_id:
        raise _station_invalid(_("A team's members are volunteers of its district."))
    with transaction.atomic():
        team.members.add(volunteer)
        audit.record(
            acting_user,
            AuditAction.VOLUNTEER_CHANGED,
            obj=team,
            district_id=team.district_id,
            detail={"member": volunteer.pk},
        )


# --- activities and sign-ups --------------------------------------------------------------------


def _activity_invalid(message: str) -> DomainError:
    return DomainError(VolunteerError.ACTIVITY_INVALID, message)


def create_activity(
    acting_user: User,
    station: Station,
    *,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    capacity: int,
    team: ServiceTeam | None = None,
    place: str = "",
    place_area: AreaNode | None = None,
) -> Activity:
    """An activity of the station (of one of its teams), organised by the acting user."""
    if not queries.can_manage(acting_user, station):
        raise _forbidden()
    title = title.strip()
    _check_activity(station, title, place, starts_at, ends_at, capacity, team, place_area)
    with transaction.atomic():
        activity = Activity.objects.create(
            district_id=station.district_id,
            community_id=station.community_id,
            station=station,
            team=team,
            title=title,
            place=place.strip(),
            place_area=place_area,
            starts_at=starts_at,
            ends_at=ends_at,
            capacity=capacity,
            organiser=acting_user,
        )
        audit.record(
            acting_user, AuditAction.ACTIVITY_CHANGED, obj=activity, district_id=activity.district_id, detail={}
        )
    return activity


def _check_activity(
    station: Station,
    title: str,
    place: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    capacity: int,
    team: ServiceTeam | None,
    place_area: AreaNode | None,
) -> None:
    if not title or len(title) > 200 or len(place) > 200:
        raise _activity_invalid(_("The title is 1 to 200 characters, the place at most 200."))
    if ends_at <= starts_at or ends_at - starts_at > MAX_ACTIVITY:
        raise _activity_invalid(_("An activity ends after it starts and lasts 24 hours at most."))
    if not 1 <= capacity <= MAX_CAPACITY:
        raise _activity_invalid(_("The capacity is 1 to 10,000 volunteers."))
    if team is not None and team.station_id != station.pk:
        raise _activity_invalid(_("The team is one of the station's."))
    if place_area is not None and place_area.district_id != station.district_id:
        raise _activity_invalid(_("The place is an area of the station's district."))


def edit_activity(
    acting_user: User,
    activity: Activity,
    *,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    capacity: int,
    team: ServiceTeam | None = None,
    place: str = "",
) -> Activity:
    """Change an activity that has not started and is not cancelled. The capacity may not fall
    below the places already confirmed; a larger one confirms the first waiting sign-ups."""
    if not queries.can_manage(acting_user, activity):
        raise _forbidden()
    title = title.strip()
    with transaction.atomic():
        activity = _locked_activity(activity)
        if activity.cancelled_at is not None or activity.starts_at <= timezone.now():
            raise _signup_state(_("Only an activity that has not started and is not cancelled is changed."))
        _check_activity(activity.station, title, place, starts_at, ends_at, capacity, team, None)
        holding = SignUp.objects.filter(activity=activity)
        confirmed = holding.filter(status=SignUpStatus.CONFIRMED).count()
        if capacity < confirmed:
            raise _activity_invalid(
                _("%(n)s volunteers hold a place: the capacity is at least that.") % {"n": confirmed}
            )
        activity.title, activity.place, activity.team = title, place.strip(), team
        activity.starts_at, activity.ends_at, activity.capacity = starts_at, ends_at, capacity
        activity.save(update_fields=["title", "place", "team", "starts_at", "ends_at", "capacity", "updated_at"])
        promoted = list(
            holding.filter(status=SignUpStatus.WAITING)
            .order_by("created_at", "id")
            .values_list("pk", flat=True)[: capacity - confirmed]
        )
        if promoted:
            SignUp.objects.filter(pk__in=promoted).update(status=SignUpStatus.CONFIRMED, updated_at=timezone.now())
        audit.record(
            acting_user,
            AuditAction.ACTIVITY_CHANGED,
            obj=activity,
            district_id=activity.district_id,
            detail={"edited": True, "promoted": promoted},
        )
    return activity


def cancel_activity(acting_user: User, activity: Activity) -> Activity:
    """The station's staff cancel an activity before it starts; its sign-ups are cancelled."""
    if not queries.can_manage(acting_user, activity):
        raise _forbidden()
    with transaction.atomic():
        activity = _locked_activity(activity)
        if activity.cancelled_at is not None:
            raise _signup_state(_("The activity is cancelled already."))
        if activity.starts_at <= timezone.now():
            raise _signup_state(_("The activity has started: it is too late to cancel."))
        activity.cancelled_at = timezone.now()
        activity.save(update_fields=["cancelled_at", "updated_at"])
        cancelled = SignUp.objects.filter(
            activity=activity, status__in=(SignUpStatus.CONFIRMED, SignUpStatus.WAITING)
        ).update(status=SignUpStatus.CANCELLED, updated_at=timezone.now())
        audit.record(
            acting_user,
            AuditAction.ACTIVITY_CHANGED,
            obj=activity,
            district_id=activity.district_id,
            detail={"cancelled": True, "signups": cancelled},
        )
    return activity


def _locked_activity(activity: Activity) -> Activity:
    return Activity.objects.select_for_update().select_related("community", "station").get(pk=activity.pk)


def _signup_state(message: str) -> DomainError:
    return DomainError(VolunteerError.SIGNUP_STATE, message)


def _acting_for(acting_user: User, activity: Activity, volunteer: Volunteer | None) -> Volunteer:
    """The volunteer a step is taken for: the acting user's own registration, or (for one who
    keeps the activity's station) the volunteer named."""
    own = queries.volunteer_of(acting_user)
    if volunteer is None or (own is not None and volunteer.pk == own.pk):
        if own is None or own.district_id != activity.district_id:
            raise DomainError(
                VolunteerError.NOT_A_VOLUNTEER, _("Only volunteers registered with a station of the district sign up.")
            )
        return own
    if not queries.can_manage(acting_user, activity):
        raise _forbidden()
    if volunteer.district_id != activity.district_id:
        raise DomainError(VolunteerError.NOT_A_VOLUNTEER, _("The volunteer is not registered in this district."))
    return volunteer


def sign_up(acting_user: User, activity: Activity, volunteer: Volunteer | None = None) -> SignUp:
    """Sign up (the acting volunteer, or one named by the station's keeper) for an activity that
    has not ended: confirmed while a place is free, else waiting in the queue."""
    volunteer = _acting_for(acting_user, activity, volunteer)
    with transaction.atomic():
        activity = _locked_activity(activity)
        if activity.cancelled_at is not None:
            raise _signup_state(_("The activity is cancelled."))
        if activity.ends_at <= timezone.now():
            raise _signup_state(_("The activity has ended."))
        holding = SignUp.objects.filter(activity=activity, status__in=(SignUpStatus.CONFIRMED, SignUpStatus.WAITING))
        if holding.filter(volunteer=volunteer).exists():
            raise DomainError(VolunteerError.ALREADY_SIGNED_UP, _("You are signed up for this activity already."))
        confirmed = holding.filter(status=SignUpStatus.CONFIRMED).count()
        status = SignUpStatus.CONFIRMED if confirmed < activity.capacity else SignUpStatus.WAITING
        signup = SignUp.objects.create(
            district_id=activity.district_id, activity=activity, volunteer=volunteer, status=status
        )
        audit.record(
            acting_user,
            AuditAction.ACTIVITY_SIGNUP,
            obj=signup,
            district_id=signup.district_id,
            detail={"status": status},
        )
    return signup


def cancel_signup(acting_user: User, signup: SignUp) -> SignUp:
    """The volunteer (or the station's keeper) cancels a sign-up before the activity starts; a
    place freed goes to the first volunteer waiting, in the same transaction."""
    with transaction.atomic():
        activity = _locked_activity(signup.activity)
        signup = SignUp.objects.select_related("volunteer__person").get(pk=signup.pk)
        if signup.volunteer.person.user_id != acting_user.pk and not queries.can_manage(acting_user, activity):
            raise _forbidden(_("This sign-up is not yours."))
        if signup.status not in (SignUpStatus.CONFIRMED, SignUpStatus.WAITING):
            raise _signup_state(_("The sign-up is cancelled already."))
        if activity.starts_at <= timezone.now():
            raise _signup_state(_("The activity has started: it is too late to cancel."))
        freed = signup.status == SignUpStatus.CONFIRMED
        signup.status = SignUpStatus.CANCELLED
        signup.save(update_fields=["status", "updated_at"])
        audit.record(
            acting_user,
            AuditAction.ACTIVITY_SIGNUP,
            obj=signup,
            district_id=signup.district_id,
            detail={"status": signup.status},
        )
        if freed:
            first = (
                SignUp.objects.filter(activity=activity, status=SignUpStatus.WAITING)
                .order_by("created_at", "id")
                .first()
            )
            if first is not None:
                first.status = SignUpStatus.CONFIRMED
                first.save(update_fields=["status", "updated_at"])
                audit.record(
                    acting_user,
                    AuditAction.ACTIVITY_SIGNUP,
                    obj=first,
                    district_id=first.district_id,
                    detail={"status": first.status, "promoted": True},
                )
    return signup


def _confirmed(activity: Activity, volunteer: Volunteer) -> SignUp:
    signup = (
        SignUp.objects.select_for_update()
        .filter(activity=activity, volunteer=volunteer, status=SignUpStatus.CONFIRMED)
        .first()
    )
    if signup is None:
        raise _signup_state(_("The volunteer holds no place in this activity."))
    return signup


def _check_in(acting_user: User, activity: Activity, signup: SignUp, now: dt.datetime) -> SignUp:
    if signup.checked_in_at is not None:
        raise _signup_state(_("The volunteer is checked in already."))
    if not activity.starts_at - CHECKIN_EARLY <= now < activity.ends_at:
        raise _signup_state(_("Check-in opens 30 minutes before the activity starts and closes at its end."))
    signup.checked_in_at = now
    signup.save(update_fields=["checked_in_at", "updated_at"])
    audit.record(
        acting_user, AuditAction.ACTIVITY_ATTENDANCE, obj=signup, district_id=signup.district_id, detail={"in": True}
    )
    return signup


def _check_out(acting_user: User, activity: Activity, signup: SignUp, now: dt.datetime) -> SignUp:
    if signup.checked_in_at is None or signup.checked_out_at is not None:
        raise _signup_state(_("Check-out follows a check-in, once."))
    signup.checked_out_at = now
    signup.hours = figures.credited_hours(activity, signup.checked_in_at, now)
    signup.save(update_fields=["checked_out_at", "hours", "updated_at"])
    audit.record(
        acting_user,
        AuditAction.ACTIVITY_ATTENDANCE,
        obj=signup,
        district_id=signup.district_id,
        detail={"out": True, "hours": str(signup.hours)},
    )
    return signup


def check_in(acting_user: User, activity: Activity, volunteer: Volunteer) -> SignUp:
    """The organiser (or the station's keeper) checks a signed-up volunteer in, from 30 minutes
    before the start until the end."""
    if not queries.can_run(acting_user, activity):
        raise _forbidden(_("Only the organiser or the station's staff check volunteers in and out."))
    with transaction.atomic():
        activity = _locked_activity(activity)
        return _check_in(acting_user, activity, _confirmed(activity, volunteer), timezone.now())


def check_out(acting_user: User, activity: Activity, volunteer: Volunteer) -> SignUp:
    """The organiser checks a checked-in volunteer out; the hours are credited
    (`figures.credited_hours`)."""
    if not queries.can_run(acting_user, activity):
        raise _forbidden(_("Only the organiser or the station's staff check volunteers in and out."))
    with transaction.atomic():
        activity = _locked_activity(activity)
        return _check_out(acting_user, activity, _confirmed(activity, volunteer), timezone.now())


def scan(acting_user: User, activity: Activity, token: str) -> SignUp:
    """The volunteer scanned the activity's QR code: checked in, or out when already in. The token
    must be the activity's and not expired (`qr`); the volunteer must hold a place."""
    if qr.read_token(token) != activity.pk:
        raise DomainError(VolunteerError.QR_INVALID, _("This QR code has expired or is not valid: scan it again."))
    own = queries.volunteer_of(acting_user)
    if own is None or own.district_id != activity.district_id:
        raise DomainError(VolunteerError.NOT_A_VOLUNTEER, _("Only volunteers registered with a station sign in."))
    with transaction.atomic():
        activity = _locked_activity(activity)
        signup = _confirmed(activity, own)
        now = timezone.now()
        if signup.checked_in_at is None:
            return _check_in(acting_user, activity, signup, now)
        return _check_out(acting_user, activity, signup, now)


# --- households served ------------------------------------------------------------------------


def _household_of(user: User) -> AreaNode | None:
    for a in assignments_of(user):
        if a.role == Role.RESIDENT and a.area.level == Level.HOUSEHOLD:
            return a.area
    member = HouseholdMember.objects.filter(person__user_id=user.pk).select_related("household").first()
    return member.household if member is not None else None


def join(acting_user: User, activity: Activity) -> Attendee:
    """A resident joins an activity (as one it serves): their household is counted as served."""
    household = _household_of(acting_user)
    if household is None or household.district_id != activity.district_id:
        raise _forbidden(_("Residents of the district join its activities."))
    return _served(acting_user, activity, household, user=acting_user)


def record_served(acting_user: User, activity: Activity, household: AreaNode) -> Attendee:
    """The organiser records a household the activity served."""
    if not queries.can_run(acting_user, activity):
        raise _forbidden()
    if household.level != Level.HOUSEHOLD or household.district_id != activity.district_id:
        raise _activity_invalid(_("A household served is a household of the activity's district."))
    return _served(acting_user, activity, household, user=None)


def _served(acting_user: User, activity: Activity, household: AreaNode, *, user: User | None) -> Attendee:
    with transaction.atomic():
        attendee, created = Attendee.objects.get_or_create(
            activity=activity, household=household, defaults={"user": user}
        )
        if created:
            audit.record(
                acting_user,
                AuditAction.ACTIVITY_SIGNUP,
                obj=attendee,
                district_id=activity.district_id,
                detail={"served": household.pk},
            )
    return attendee


# --- self-logged hours --------------------------------------------------------------------------


def _hours_invalid(message: str) -> DomainError:
    return DomainError(VolunteerError.HOURS_INVALID, message)


def log_hours(acting_user: User, *, day: dt.date, hours: Decimal | float | str, what: str) -> HoursLog:
    """The volunteer logs hours of service they gave outside an activity, for approval by their
    station's staff: a day not in the future (within a year), 0.25 to 24 hours in quarter hours."""
    volunteer = queries.volunteer_of(acting_user)
    if volunteer is None:
        raise DomainError(VolunteerError.NOT_A_VOLUNTEER, _("Only registered volunteers log hours."))
    try:
        amount = Decimal(str(hours))
    except InvalidOperation:
        amount = Decimal(0)
    today = timezone.localdate()
    what = what.strip()
    if not (0 < amount <= MAX_LOGGED_HOURS) or amount % Decimal("0.25"):
        raise _hours_invalid(_("Hours are 0.25 to 24, in quarter hours."))
    if day > today or today - day > MAX_LOG_AGE:
        raise _hours_invalid(_("The date is today or a day of the past year."))
    if not what or len(what) > 200:
        raise _hours_invalid(_("Say what the service was, in at most 200 characters."))
    with transaction.atomic():
        log = HoursLog.objects.create(
            district_id=volunteer.district_id,
            community_id=volunteer.community_id,
            volunteer=volunteer,
            day=day,
            hours=amount,
            what=what,
        )
        audit.record(acting_user, AuditAction.HOURS_LOGGED, obj=log, district_id=log.district_id, detail={})
    return log


def decide_hours(acting_user: User, log: HoursLog, *, approve: bool) -> HoursLog:
    """The station's staff approve or reject self-logged hours (once)."""
    with transaction.atomic():
        log = HoursLog.objects.select_for_update().select_related("community").get(pk=log.pk)
        if not queries.can_manage(acting_user, log):
            raise _forbidden(_("Self-logged hours are approved by the station's staff."))
        if log.status != HoursStatus.PENDING:
            raise DomainError(VolunteerError.HOURS_STATE, _("These hours are decided already."))
        log.status = HoursStatus.APPROVED if approve else HoursStatus.REJECTED
        log.decided_by, log.decided_at = acting_user, timezone.now()
        log.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
        audit.record(
            acting_user, AuditAction.HOURS_DECIDED, obj=log, district_id=log.district_id, detail={"status": log.status}
        )
    return log


# --- certificates -------------------------------------------------------------------------------


def check_period(first: dt.date, last: dt.date) -> None:
    if last < first or last - first > MAX_PERIOD:
        raise DomainError(
            VolunteerError.HOURS_PERIOD_INVALID, _("The period ends on or after it starts, within ten years.")
        )


def issue_certificate(acting_user: User, volunteer: Volunteer, first: dt.date, last: dt.date) -> Certificate:
    """Record a certificate of the volunteer's hours for the period (the volunteer's own, or
    issued by their station's staff), with a verification code; audited."""
    if volunteer.person.user_id != acting_user.pk and not has_role_over(
        acting_user, volunteer.community, *queries.MANAGING_ROLES
    ):
        raise _forbidden()
    check_period(first, last)
    with transaction.atomic():
        certificate = Certificate.objects.create(
            district_id=volunteer.district_id,
            volunteer=volunteer,
            first_day=first,
            last_day=last,
            hours=figures.hours(volunteer.pk, first, last),
            code=secrets.token_hex(6).upper(),
            issued_by=acting_user,
        )
        audit.record(
            acting_user,
            AuditAction.CERTIFICATE_ISSUED,
            obj=certificate,
            district_id=certificate.district_id,
            detail={"volunteer": volunteer.pk, "from": first.isoformat(), "to": last.isoformat()},
        )
    return certificate
