"""Volunteers (志愿者): a service station (志愿服务站) per community, its specialised teams, the
volunteers registered with it (people of the registry), activities with sign-up, a waiting list,
check-in and check-out, self-logged hours for approval, and the certificates of hours issued.

A volunteer is a `people.Person`; their login is `person.user`. Nothing here copies their
contact data: the certificate reads the name and the masked ID number from the registry.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wangge.areas.models import AreaNode
from wangge.lib.models import TimeStamped

MAX_TEXT = 2000


class Station(TimeStamped):
    """志愿服务站: one per community, kept by the community's staff."""

    district = models.ForeignKey(AreaNode, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+")
    community = models.OneToOneField(
        AreaNode, verbose_name=_("community"), on_delete=models.PROTECT, related_name="volunteer_station"
    )
    name = models.CharField(_("name"), max_length=200)
    place = models.CharField(_("place"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("volunteer service station")
        verbose_name_plural = _("volunteer service stations")
        ordering = ["district_id", "name", "id"]

    def __str__(self) -> str:
        return self.name


class TeamKind(models.TextChoices):
    POLICY = "policy", _("Policy outreach")
    CULTURE = "culture", _("Culture and recreation")
    HEALTH = "health", _("Health services")
    ENVIRONMENT = "environment", _("Environmental protection")
    ELDERLY = "elderly", _("Care for the elderly")
    MEDIATION = "mediation", _("Dispute mediation")
    OTHER = "other", _("Other")


class Volunteer(TimeStamped):
    """A person of the registry registered as a volunteer with a station (one registration per
    district)."""

    district = models.ForeignKey(AreaNode, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        AreaNode, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    station = models.ForeignKey(Station, verbose_name=_("station"), on_delete=models.PROTECT, related_name="volunteers")
    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="volunteerships"
    )
    joined_on = models.DateField(_("joined on"))

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering = ["station_id", "id"]
        constraints = [models.UniqueConstraint(fields=["district", "person"], name="volunteer_person_unique")]
        indexes = [
            # A community's volunteers (the station page, scope).
            models.Index(fields=["community", "joined_on"], name="volunteer_community"),
        ]

    def __str__(self) -> str:
        return f"{self.station_id} · {self.person_id}"


class ServiceTeam(TimeStamped):
    """A specialised team of a station (policy outreach, health, …)."""

    district = models.ForeignKey(AreaNode, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        AreaNode, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    station = models.ForeignKey(Station, verbose_name=_("station"), on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=TeamKind.choices)
    members = models.ManyToManyField(Volunteer, verbose_name=_("members"), related_name="teams", blank=True)

    class Meta:
        verbose_name = _("service team")
        verbose_name_plural = _("service teams")
        ordering = ["station_id", "kind", "name", "id"]

    def __str__(self) -> str:
        return self.name


class Activity(TimeStamped):
    district = models.ForeignKey(AreaNode, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        AreaNode, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    station = models.ForeignKey(
        Station, verbose_name=_("station"), on_delete=models.PROTECT, related_name="activities", db_index=False
    )
    team = models.ForeignKey(
        ServiceTeam,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
    )
    title = models.CharField(_("title"), max_length=200)
    place = models.CharField(_("place"), max_length=200, blank=True)
    place_area = models.ForeignKey(
        AreaNode, verbose_name=_("place (area)"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(_("capacity"))
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("organiser"), on_delete=models.PROTECT, related_name="+"
    )
    # Set when the station's staff cancel it before it starts; its sign-ups are cancelled with it.
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("volunteer activity")
        verbose_name_plural = _("volunteer activities")
        ordering = ["starts_at", "id"]
        indexes = [
            # A station's upcoming activities; a community's activities of a period (lists, hours).
            models.Index(fields=["station", "starts_at"], name="activity_station_start"),
            models.Index(fields=["community", "starts_at"], name="activity_community_start"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="activity_order"),
            models.CheckConstraint(condition=models.Q(capacity__gte=1), name="activity_capacity"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def length_hours(self) -> float:
        return (self.ends_at - self.starts_at).total_seconds() / 3600


class SignUpStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Signed up")
    WAITING = "waiting", _("On the waiting list")
    CANCELLED = "cancelled", _("Cancelled")


# The sign-ups that hold a volunteer's place in the activity or on its waiting list.
HOLDING = (SignUpStatus.CONFIRMED, SignUpStatus.WAITING)


class SignUp(TimeStamped):
    """A volunteer's sign-up for an activity: confirmed (one of its places), waiting (in the order
    of `created_at`), or cancelled; checked in and out, with the hours credited."""

    district = models.ForeignKey(AreaNode, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+")
    activity = models.ForeignKey(Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="signups")
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), on_delete=models.PROTECT, related_name="signups"
    )
    status = models.CharField(_("status"), max_length=20, choices=SignUpStatus.choices)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    hours = models.DecimalField(_("hours credited"), max_digits=5, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        ordering = ["activity_id", "created_at", "id"]
        indexes = [
            # A volunteer's credited hours of a period (figures.hours).
            models.Index(fields=["volunteer", "checked_out_at"], name="signup_volunteer_out"),
        ]
        constraints = [
            # One sign-up holding a place (or a place in the queue) per volunteer and activity.
            models.UniqueConstraint(
                fields=["activity", "volunteer"],
                condition=models.Q(status__in=["confirmed", "waiting"]),
                name="signup_one_holding",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity_id} · {self.volunteer_id} · {self.status}"


class Attendee(TimeStamped):
    """A household an activity served (a resident who joined it, or one the organiser recorded):
    counted in "residents benefited" (`figures.households_served`)."""

    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="attendees"
    )
    household = models.ForeignKey(AreaNode, verbose_name=_("household"), on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resident"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("household served")
        verbose_name_plural = _("households served")
        ordering = ["activity_id", "id"]
        constraints = [models.UniqueConstraint(fields=["activity", "household"], name="attendee_unique")]


class HoursStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class HoursLog(TimeStamped):
    """Hours a volunteer logged themselves (service outside an activity), approved or rejected by
    the station's staff."""

    district = models.ForeignKey(AreaNode, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        AreaNode, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), on_delete=models.PROTECT, related_name="hours_logs"
    )
    day = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=2)
    what = models.CharField(_("service"), max_length=200)
    status = models.CharField(_("status"), max_length=20, choices=HoursStatus.choices, default=HoursStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("self-logged hours")
        verbose_name_plural = _("self-logged hours")
        ordering = ["-day", "id"]
        indexes = [
            # A volunteer's approved hours of a period (figures.hours); a station's queue.
            models.Index(fields=["volunteer", "status", "day"], name="hourslog_volunteer_day"),
            models.Index(fields=["community", "status"], name="hourslog_community_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(hours__gt=0) & models.Q(hours__lte=24), name="hourslog_hours_range"
            ),
        ]


class Certificate(TimeStamped):
    """A certificate of hours (志愿服务记录证明) as issued: the period, the total, who issued it and
    the verification code printed on it."""

    district = models.ForeignKey(AreaNode, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+")
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), on_delete=models.PROTECT, related_name="certificates"
    )
    first_day = models.DateField(_("from"))
    last_day = models.DateField(_("to"))
    hours = models.DecimalField(_("hours"), max_digits=8, decimal_places=2)
    code = models.CharField(_("verification code"), max_length=20, unique=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("issued by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("certificate of hours")
        verbose_name_plural = _("certificates of hours")
        ordering = ["-created_at", "id"]
