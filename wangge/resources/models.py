"""Shared facilities (共享资源) of resident units and communities, their opening hours and
closures, and the bookings residents and organisations make of them.

No two held bookings of one facility overlap: on PostgreSQL an exclusion constraint over the
time range says so (migration `0002_booking_no_overlap_postgresql`); on SQLite every write
transaction is `BEGIN IMMEDIATE` (settings), so `actions.book` checks for an overlap under the
database's one write lock and no other writer can slip in between the check and the insert.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wangge.areas.models import AreaNode
from wangge.lib.models import TimeStamped
from wangge.orgs.models import ResidentUnit

MAX_TEXT = 2000
DEFAULT_CANCEL_HOURS = 2


class FacilityKind(models.TextChoices):
    SPORTS_GROUND = "sports_ground", _("Sports ground")
    LIBRARY = "library", _("Library")
    CANTEEN = "canteen", _("Canteen")
    CLINIC = "clinic", _("Clinic")
    PARKING = "parking", _("Car park")
    MEETING_ROOM = "meeting_room", _("Meeting room")
    ACTIVITY_ROOM = "activity_room", _("Activity room")
    OTHER = "other", _("Other")


class BookableBy(models.TextChoices):
    RESIDENTS = "residents", _("Residents")
    ORGANISATIONS = "organisations", _("Organisations")
    BOTH = "both", _("Residents and organisations")


class Facility(TimeStamped):
    """A facility a resident unit (or, without one, the community) opens to residents."""

    district = models.ForeignKey(AreaNode, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        AreaNode, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    grid = models.ForeignKey(
        AreaNode, verbose_name=_("grid"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    owner_unit = models.ForeignKey(
        ResidentUnit,
        verbose_name=_("owner (resident unit)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="facilities",
        help_text=_("Empty when the community owns it."),
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=FacilityKind.choices)
    building = models.ForeignKey(
        AreaNode, verbose_name=_("building"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lng = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), default=1)
    rules = models.TextField(_("rules"), blank=True)
    bookable_by = models.CharField(
        _("who may book"), max_length=20, choices=BookableBy.choices, default=BookableBy.RESIDENTS
    )
    needs_approval = models.BooleanField(_("approval needed"), default=False)
    cancel_hours = models.PositiveSmallIntegerField(
        _("cancellation limit (hours before)"), default=DEFAULT_CANCEL_HOURS
    )
    closed_on_holidays = models.BooleanField(_("closed on statutory holidays"), default=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        ordering = ["community_id", "name", "id"]
        indexes = [
            # The catalogue of a community (and its utilisation), by kind.
            models.Index(fields=["community", "kind"], name="facility_community_kind"),
        ]

    def __str__(self) -> str:
        return self.name


class OpeningHours(models.Model):
    """One opening period of a weekday (0 Monday … 6 Sunday); a day may have several."""

    facility = models.ForeignKey(Facility, verbose_name=_("facility"), on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"))
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["facility_id", "weekday", "opens"]
        constraints = [
            models.CheckConstraint(condition=models.Q(closes__gt=models.F("opens")), name="opening_hours_order"),
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="opening_hours_weekday"),
        ]

    def __str__(self) -> str:
        return f"{self.weekday} {self.opens:%H:%M}–{self.closes:%H:%M}"


class Closure(TimeStamped):
    """Days the facility is closed besides holidays (repairs, an exam, the owner's own event)."""

    facility = models.ForeignKey(
        Facility, verbose_name=_("facility"), on_delete=models.CASCADE, related_name="closures"
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        ordering = ["facility_id", "starts_on"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="closure_order"),
        ]


MAX_PHOTOS = 8


class FacilityPhoto(TimeStamped):
    """A photo of a facility, shown to those who see it: checked by content, re-encoded as JPEG
    without metadata (no GPS), like a case's photos (`wangge.lib.images`)."""

    facility = models.ForeignKey(Facility, verbose_name=_("facility"), on_delete=models.CASCADE, related_name="photos")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    file = models.FileField(_("file"), upload_to="facilities/%Y/%m/")
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    size = models.PositiveIntegerField(_("size in bytes"))

    class Meta:
        verbose_name = _("facility photo")
        verbose_name_plural = _("facility photos")
        ordering = ["facility_id", "id"]

    def __str__(self) -> str:
        return self.file.name or ""


class UnitAccount(TimeStamped):
    """A user who acts for a resident unit (holds `Role.RESIDENT_UNIT`): manages its facilities
    and their bookings."""

    unit = models.ForeignKey(ResidentUnit, verbose_name=_("resident unit"), on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="unit_accounts"
    )

    class Meta:
        verbose_name = _("resident unit account")
        verbose_name_plural = _("resident unit accounts")
        ordering = ["unit_id", "user_id"]
        constraints = [models.UniqueConstraint(fields=["unit", "user"], name="unit_account_unique")]


class BookingStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    CANCELLED = "cancelled", _("Cancelled")
    CHECKED_IN = "checked_in", _("Checked in")
    NO_SHOW = "no_show", _("No-show")


# The bookings that hold their slot: no two of one facility overlap (the exclusion constraint's
# WHERE and `actions.book`'s check say the same).
HELD = (BookingStatus.REQUESTED, BookingStatus.APPROVED, BookingStatus.CHECKED_IN, BookingStatus.NO_SHOW)


class Booking(TimeStamped):
    district = models.ForeignKey(AreaNode, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        AreaNode, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    facility = models.ForeignKey(
        Facility, verbose_name=_("facility"), on_delete=models.PROTECT, related_name="bookings", db_index=False
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("booked by"), on_delete=models.PROTECT, related_name="bookings"
    )
    as_organisation = models.BooleanField(_("booked for an organisation"), default=False)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=BookingStatus.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["starts_at", "id"]
        indexes = [
            # A facility's bookings of a day range (availability, the overlap check, utilisation).
            models.Index(fields=["facility", "starts_at"], name="booking_facility_start"),
            # The reminders of tomorrow's bookings.
            models.Index(fields=["starts_at", "status"], name="booking_start_status"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="booking_order"),
        ]

    def __str__(self) -> str:
        return f"{self.facility_id} {self.starts_at:%Y-%m-%d %H:%M}"


# --- social organisations ------------------------------------------------------------------------


class SocialOrgKind(models.TextChoices):
    ELDERLY = "elderly", _("Services for the elderly")
    DISABILITY = "disability", _("Services for the disabled")
    CHILDREN = "children", _("Children and youth")
    VOLUNTEERS = "volunteers", _("Volunteer service")
    CULTURE = "culture", _("Culture and sport")
    MUTUAL_AID = "mutual_aid", _("Neighbourhood mutual aid")
    OTHER = "other", _("Other")


class FilingStatus(models.TextChoices):
    FILED = "filed", _("Filed with the community (备案)")
    REGISTERED = "registered", _("Registered with civil affairs (登记)")


class SocialOrg(TimeStamped):
    """社会组织: an organisation filed with (or registered in) a community, serving some communities."""

    district = models.ForeignKey(AreaNode, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        AreaNode, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=SocialOrgKind.choices)
    filing_status = models.CharField(_("filing status"), max_length=20, choices=FilingStatus.choices)
    service_areas = models.ManyToManyField(AreaNode, verbose_name=_("service areas"), related_name="+", blank=True)
    members = models.PositiveIntegerField(_("members"), default=0)
    # The party unit inside it (a horizontal unit of the organisation tree), when it has one.
    party_unit = models.ForeignKey(
        "orgs.OrgUnit", verbose_name=_("party unit"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("social organisation")
        verbose_name_plural = _("social organisations")
        ordering = ["community_id", "name", "id"]
        indexes = [
            # The registry of a community.
            models.Index(fields=["community", "name"], name="social_org_community"),
        ]

    def __str__(self) -> str:
        return self.name


class SocialOrgContact(TimeStamped):
    """A contact person of an organisation; the phone is encrypted at rest, shown masked."""

    org = models.ForeignKey(
        SocialOrg, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=100)
    phone_encrypted = models.BinaryField(_("phone (encrypted)"), null=True, editable=False)
    phone_masked = models.CharField(_("phone"), max_length=20, blank=True, editable=False)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["org_id", "id"]

    def __str__(self) -> str:
        return self.name


class SocialOrgAccount(TimeStamped):
    """A user who acts for a social organisation (holds `Role.SOCIAL_ORG`): sees its projects."""

    org = models.ForeignKey(SocialOrg, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="social_org_accounts"
    )

    class Meta:
        verbose_name = _("social organisation account")
        verbose_name_plural = _("social organisation accounts")
        ordering = ["org_id", "user_id"]
        constraints = [models.UniqueConstraint(fields=["org", "user"], name="social_org_account_unique")]


class Project(TimeStamped):
    """A project an organisation runs: goals, period, budget, beneficiaries, activities, outcomes."""

    org = models.ForeignKey(
        SocialOrg, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="projects"
    )
    name = models.CharField(_("name"), max_length=200)
    goals = models.TextField(_("goals"), blank=True)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    budget = models.DecimalField(_("budget (yuan)"), max_digits=12, decimal_places=2, default=0)
    beneficiaries = models.PositiveIntegerField(_("beneficiaries"), default=0)
    activities = models.TextField(_("activities"), blank=True)
    outcomes = models.TextField(_("outcomes"), blank=True)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["org_id", "-starts_on", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="project_period_order"),
        ]

    def __str__(self) -> str:
        return self.name


class ProjectBeneficiary(TimeStamped):
    """A person of the registry a project served (personal data: reported to the person on
    request and forgotten on anonymisation, `holder`)."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="beneficiary_persons"
    )
    person = models.ForeignKey("people.Person", verbose_name=_("person"), on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("project beneficiary")
        verbose_name_plural = _("project beneficiaries")
        ordering = ["project_id", "id"]
        constraints = [models.UniqueConstraint(fields=["project", "person"], name="project_beneficiary_unique")]

    def __str__(self) -> str:
        return f"{self.project_id} · {self.person_id}"


# --- co-building (共驻共建) and joint meetings (联席会, 民事共商) --------------------------------------


class Agreement(TimeStamped):
    """共驻共建: what a community and a resident unit each commit to, for a term; a renewal is a
    new agreement naming the one it renews."""

    district = models.ForeignKey(AreaNode, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        AreaNode, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    unit = models.ForeignKey(ResidentUnit, verbose_name=_("resident unit"), on_delete=models.PROTECT, related_name="+")
    unit_commits = models.TextField(_("the unit commits"), help_text=_("Facilities, volunteers, funds, posts."))
    community_commits = models.TextField(_("the community commits"), blank=True)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    renews = models.OneToOneField(
        "self", verbose_name=_("renews"), null=True, blank=True, on_delete=models.PROTECT, related_name="renewal"
    )

    class Meta:
        verbose_name = _("co-building agreement")
        verbose_name_plural = _("co-building agreements")
        ordering = ["community_id", "-starts_on", "id"]
        indexes = [models.Index(fields=["community", "ends_on"], name="agreement_community_end")]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="agreement_term_order")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.starts_on}"


class MeetingKind(models.TextChoices):
    JOINT_MEETING = "joint_meeting", _("Joint meeting (联席会)")
    CONSULTATION = "consultation", _("Residents' consultation (民事共商)")


class Meeting(TimeStamped):
    district = models.ForeignKey(AreaNode, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        AreaNode, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    kind = models.CharField(_("kind"), max_length=20, choices=MeetingKind.choices)
    held_on = models.DateField(_("held on"))
    participants = models.TextField(_("participants"))
    units = models.ManyToManyField(ResidentUnit, verbose_name=_("resident units"), related_name="+", blank=True)
    matters = models.TextField(_("matters"))
    minutes = models.TextField(_("minutes"), blank=True)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["community_id", "-held_on", "id"]
        indexes = [models.Index(fields=["community", "held_on"], name="meeting_community_day")]

    def __str__(self) -> str:
        return f"{self.kind} {self.held_on}"


class Decision(TimeStamped):
    """A meeting's decision, a task with an owner and a due date followed until done."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="decisions")
    text = models.TextField(_("decision"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField(_("due on"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    # When the decision is a problem to be handled (挂牌销号), the case it became: it is then
    # followed in the case chain instead of as a task.
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["meeting_id", "due_on", "id"]
        indexes = [
            # A user's open decisions, soonest due first.
            models.Index(fields=["owner", "done_at", "due_on"], name="decision_owner_open"),
        ]

    def __str__(self) -> str:
        return self.text[:40]
