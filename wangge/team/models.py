"""The team (队伍融合): the roster's own facts about each worker (start date, status), and the
star-rated rolling assessment (星级滚动考核): each district's rules, one score per worker and
period with the indicators behind it, supervisors' adjustments and workers' appeals.

A worker is a `people.WorkerProfile`; their login account is `person.user`. Scores are
computed by `assessment.run_period` from records, never typed.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wangge.areas.models import AreaNode
from wangge.lib.models import TimeStamped
from wangge.people.models import WorkerProfile


class WorkerStatus(models.TextChoices):
    ACTIVE = "active", _("In post")
    ON_LEAVE = "on_leave", _("On leave")
    LEFT = "left", _("Left")


class RosterEntry(TimeStamped):
    """What the roster adds to a worker profile: when the worker started and whether they are
    in post. A worker without an entry is in post, start date unknown."""

    district = models.ForeignKey(AreaNode, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+")
    worker = models.OneToOneField(
        WorkerProfile, verbose_name=_("worker"), on_delete=models.CASCADE, related_name="roster_entry"
    )
    started_on = models.DateField(_("start date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=WorkerStatus.choices, default=WorkerStatus.ACTIVE)

    class Meta:
        verbose_name = _("roster entry")
        verbose_name_plural = _("roster entries")
        ordering = ["worker_id"]

    def __str__(self) -> str:
        return str(self.worker)


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")


class AssessmentRules(TimeStamped):
    """A district's assessment: its period, each indicator's weight and target, and the score
    each star needs. A district without rules uses `assessment.DEFAULT_RULES`."""

    district = models.OneToOneField(
        AreaNode, verbose_name=_("district"), on_delete=models.CASCADE, related_name="assessment_rules"
    )
    period_kind = models.CharField(_("period"), max_length=10, choices=PeriodKind.choices, default=PeriodKind.MONTH)
    weights = models.JSONField(_("weights"), default=dict, help_text=_("Indicator name → weight."))
    targets = models.JSONField(_("targets"), default=dict, help_text=_("Counted indicator → its count per month."))
    thresholds = models.JSONField(
        _("thresholds"), default=list, help_text=_("The score (0–100) for 2, 3, 4 and 5 stars, in that order.")
    )
    # The indicator cases_accepted_on_time: a case is accepted on time when accepted within this
    # many working hours (on the district's work calendar) of being reported.
    accept_within_hours = models.PositiveSmallIntegerField(
        _("accept within (working hours)"),
        default=8,
        help_text=_("A case is accepted on time when accepted within this many working hours of being reported."),
    )

    class Meta:
        verbose_name = _("assessment rules")
        verbose_name_plural = _("assessment rules")

    def __str__(self) -> str:
        return str(self.district)


class StarRule(models.TextChoices):
    FIRST = "first", _("First period: the stars the score earns")
    UP = "up", _("Up one star: the score earns more stars than last period")
    DOWN = "down", _("Down one star: the score earns fewer stars than last period")
    HELD = "held", _("Held: the score earns the stars of last period")
    CAPPED_UP = "capped_up", _("Up one star only: stars move at most one step a period")
    CAPPED_DOWN = "capped_down", _("Down one star only: stars move at most one step a period")


class Score(TimeStamped):
    """One worker's assessment for one period. `indicators` holds, per indicator present, its
    value, points (0–100), weight and the ids of the records counted (the drill-down);
    `computed_stars` what the rule gave, `stars` what holds (a supervisor's adjustment may
    differ)."""

    district = models.ForeignKey(AreaNode, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+")
    # Scope of the worker's area (community and grid), copied so lists filter on one column.
    community = models.ForeignKey(
        AreaNode, verbose_name=_("community"), null=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    grid = models.ForeignKey(
        AreaNode, verbose_name=_("grid"), null=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    worker = models.ForeignKey(
        WorkerProfile, verbose_name=_("worker"), on_delete=models.CASCADE, related_name="assessment_scores"
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    score = models.FloatField(_("score"), null=True)
    indicators = models.JSONField(_("indicators"), default=dict)
    previous_stars = models.PositiveSmallIntegerField(_("previous stars"), null=True)
    computed_stars = models.PositiveSmallIntegerField(_("computed stars"))
    stars = models.PositiveSmallIntegerField(_("stars"))
    rule = models.CharField(_("rule"), max_length=20, choices=StarRule.choices)

    class Meta:
        verbose_name = _("assessment score")
        verbose_name_plural = _("assessment scores")
        ordering = ["-period_start", "worker_id"]
        constraints = [
            # One score per worker and period: a rerun updates it (run_period is idempotent).
            models.UniqueConstraint(fields=["worker", "period_start"], name="score_worker_period"),
            models.CheckConstraint(condition=models.Q(stars__gte=1, stars__lte=5), name="score_stars_1_5"),
        ]
        indexes = [
            # The scores of a district's period (the list, the API, the previous period's stars).
            models.Index(fields=["district", "period_start"], name="score_district_period"),
        ]

    def __str__(self) -> str:
        return f"{self.worker} · {self.period_start:%Y-%m}"


class Adjustment(models.Model):
    """A supervisor's change of a score's stars, with the written reason (append-only)."""

    score = models.ForeignKey(Score, verbose_name=_("score"), on_delete=models.CASCADE, related_name="adjustments")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("adjusted by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    from_stars = models.PositiveSmallIntegerField(_("from stars"))
    to_stars = models.PositiveSmallIntegerField(_("to stars"))
    reason = models.CharField(_("reason"), max_length=1000)

    class Meta:
        verbose_name = _("adjustment")
        verbose_name_plural = _("adjustments")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.score} · {self.from_stars} → {self.to_stars}"


class AppealStatus(models.TextChoices):
    OPEN = "open", _("Waiting for a decision")
    UPHELD = "upheld", _("Upheld")
    REJECTED = "rejected", _("Rejected")


class Appeal(models.Model):
    """The worker's appeal against a score and the decision on it."""

    score = models.ForeignKey(Score, verbose_name=_("score"), on_delete=models.CASCADE, related_name="appeals")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("appealed by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    text = models.CharField(_("grounds"), max_length=1000)
    status = models.CharField(_("status"), max_length=10, choices=AppealStatus.choices, default=AppealStatus.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True)
    decision = models.CharField(_("decision"), max_length=1000, blank=True)
    stars = models.PositiveSmallIntegerField(_("stars after the decision"), null=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["at", "id"]
        constraints = [
            # At most one appeal waiting per score.
            models.UniqueConstraint(
                fields=["score"], condition=models.Q(status="open"), name="appeal_one_open_per_score"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.score} · {self.get_status_display()}"


class WishKind(models.TextChoices):
    WISH = "wish", _("Small wish")
    TASK = "task", _("Service task")


class WishStatus(models.TextChoices):
    OPEN = "open", _("Waiting for a member")
    CLAIMED = "claimed", _("Claimed")
    FULFILLED = "fulfilled", _("Fulfilled")
    CONFIRMED = "confirmed", _("Confirmed by the resident")


class ServiceKind(models.TextChoices):
    """The services retired and student members offer, as service tasks with hours."""

    CULTURE = "culture", _("Culture and recreation")
    ELDERLY = "elderly", _("Care for the elderly")
    SUPPORT = "support", _("Emotional support")
    TUTORING = "tutoring", _("Tutoring")


class Wish(TimeStamped):
    """微心愿 or a service task: posted by a resident, a grid worker or a community, claimed by one
    member at a time (认领), fulfilled with a note, confirmed by whoever posted it.

    A claim not fulfilled by `claim_expires_at` lapses: the wish reads as open again and may be
    claimed by anyone (computed at read and claim time, no background task needed)."""

    district = models.ForeignKey(AreaNode, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(AreaNode, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey(
        AreaNode, verbose_name=_("grid"), null=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    household = models.ForeignKey(
        AreaNode, verbose_name=_("household"), null=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    kind = models.CharField(_("kind"), max_length=10, choices=WishKind.choices, default=WishKind.WISH)
    text = models.CharField(_("wish"), max_length=500)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("posted by"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=WishStatus.choices, default=WishStatus.OPEN)
    claimant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("claimed by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    claimed_at = models.DateTimeField(_("claimed at"), null=True)
    claim_expires_at = models.DateTimeField(_("claim lapses at"), null=True)
    fulfilled_at = models.DateTimeField(_("fulfilled at"), null=True)
    note = models.CharField(_("what was done"), max_length=1000, blank=True)
    photo = models.ImageField(_("photo"), upload_to="wishes/%Y/%m/", blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True)
    # A service task (kind task) of a service kind: offered by a retired or student member or
    # posted for one; its fulfilment records the hours given.
    service = models.CharField(_("service"), max_length=20, choices=ServiceKind.choices, blank=True)
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1, null=True, blank=True)

    class Meta:
        verbose_name = _("wish")
        verbose_name_plural = _("wishes")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The practical things done of a district in a period (practical.py) and the lists.
            models.Index(fields=["district", "status", "fulfilled_at"], name="wish_district_done"),
            models.Index(fields=["community", "status"], name="wish_community_status"),
        ]
        constraints = [
            # A service kind is a service task's.
            models.CheckConstraint(
                condition=models.Q(service="") | models.Q(kind=WishKind.TASK), name="wish_service_is_task"
            ),
        ]

    def __str__(self) -> str:
        return self.text[:40]


class CommitmentTheme(models.TextChoices):
    POLICY = "policy", _("Policy outreach")
    CULTURE = "culture", _("Culture and recreation")
    ELDERLY = "elderly", _("Care for the elderly")
    SUPPORT = "support", _("Emotional support")
    TUTORING = "tutoring", _("Tutoring")
    ENVIRONMENT = "environment", _("Environment")
    MEDIATION = "mediation", _("Dispute mediation")
    OTHER = "other", _("Other")


class Commitment(TimeStamped):
    """承诺: a member's promise of service to their home community, with a theme and a term."""

    district = models.ForeignKey(AreaNode, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(
        "people.MemberProfile", verbose_name=_("member"), on_delete=models.CASCADE, related_name="commitments"
    )
    community = models.ForeignKey(AreaNode, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+")
    theme = models.CharField(_("theme"), max_length=20, choices=CommitmentTheme.choices)
    text = models.CharField(_("commitment"), max_length=500)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    # Fulfilment noted by the member or the community's staff: when and what was done.
    fulfilled_on = models.DateField(_("fulfilled on"), null=True, blank=True)
    fulfilment = models.CharField(_("what was done"), max_length=1000, blank=True)
    noted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("noted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="commitment_term"),
        ]
        indexes = [
            # The commitments of a community (the staff's page and the API's list).
            models.Index(fields=["community", "starts_on"], name="commitment_community"),
        ]

    def __str__(self) -> str:
        return self.text[:40]


class RegistrationPlace(models.TextChoices):
    HOME = "home", _("Home community")
    UNIVERSITY = "university", _("University's community")


class RegistrationSource(models.TextChoices):
    IMPORTED = "imported", _("From the member system")
    MEMBER = "member", _("By the member")
    STAFF = "staff", _("By the community's staff")


class RegistrationStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered, waiting for confirmation")
    CONFIRMED = "confirmed", _("Confirmed by the community")
    LEFT = "left", _("Left")


ACTIVE_REGISTRATION = ~models.Q(status=RegistrationStatus.LEFT)


class Registration(TimeStamped):
    """报到: a member's registration with a community — their home community (every member, one at
    a time) or, for a student member, also their university's (`members.register` enforces
    who may have which). Confirmed by the community's staff; ends when the member leaves.

    A member whose profile the member system imported with a registration date
    (`MemberProfile.reported_on`) and who has no home registration here yet is registered with
    their home community as imported (`members.registered_with`); the staff's confirmation then
    writes the row (source imported)."""

    district = models.ForeignKey(AreaNode, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(
        "people.MemberProfile", verbose_name=_("member"), on_delete=models.CASCADE, related_name="registrations"
    )
    community = models.ForeignKey(AreaNode, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+")
    place = models.CharField(_("registered as"), max_length=12, choices=RegistrationPlace.choices)
    source = models.CharField(_("recorded"), max_length=10, choices=RegistrationSource.choices)
    registered_on = models.DateField(_("registered on"))
    status = models.CharField(
        _("status"), max_length=12, choices=RegistrationStatus.choices, default=RegistrationStatus.REGISTERED
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["-registered_on", "-id"]
        constraints = [
            # One current registration per member and place: a home one, and a student's university one.
            models.UniqueConstraint(
                fields=["member", "place"], condition=ACTIVE_REGISTRATION, name="registration_one_per_place"
            ),
            # Never twice with the same community at once.
            models.UniqueConstraint(
                fields=["member", "community"], condition=ACTIVE_REGISTRATION, name="registration_one_per_community"
            ),
        ]
        indexes = [
            # The community's registered members (the staff's page, registered_with).
            models.Index(fields=["community", "status"], name="registration_community"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} · {self.community_id} · {self.status}"
