"""The records of 困难帮扶: the dossier of a household in difficulty with its needs and history,
survey rounds (摸排), pairing campaigns (千帮千), pairs (结对) and the helps given.

What a dossier says about the household is sensitive personal information: the family
situation, the causes, each need's kind, note and the reason it cannot be met, each help's
description and the reasons in the history are encrypted and bound to their row
(`lib.crypto.bound_to`). What the worklist sorts and counts by stays plain: states, priority
classes, sources and dates.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wangge.areas.models import AreaNode
from wangge.lib.models import TimeStamped

MAX_TEXT = 4000
# Days to the next re-assessment of a dossier: 90, or 30 while it has an open 最急 need.
REASSESS_DAYS = 90
REASSESS_DAYS_MOST_URGENT = 30
# A pair without a help for this many days is listed on the worklist.
PAIR_IDLE_DAYS = 60


class Cause(models.TextChoices):
    ILLNESS = "illness", _("Illness")
    DISABILITY = "disability", _("Disability")
    SCHOOLING_COSTS = "schooling_costs", _("Schooling costs")
    LACK_OF_LABOUR = "lack_of_labour", _("Lack of labour")
    DISASTER = "disaster", _("Disaster")
    UNEMPLOYMENT = "unemployment", _("Unemployment")
    ELDERLY_ALONE = "elderly_alone", _("Old age, living alone")
    OTHER = "other", _("Other")


class NeedKind(models.TextChoices):
    MONEY = "money", _("Money")
    GOODS = "goods", _("Goods")
    CARE = "care", _("Care")
    JOBS = "jobs", _("A job")
    MEDICAL = "medical", _("Medical")
    SCHOOLING = "schooling", _("Schooling")
    HOUSING = "housing", _("Housing")
    LEGAL = "legal", _("Legal")
    EMOTIONAL = "emotional", _("Emotional support")
    OTHER = "other", _("Other")


class Priority(models.TextChoices):
    """The class of a need; the worklist takes them in this order."""

    MOST_URGENT = "most_urgent", _("Most urgent (最急)")
    MOST_HOPED = "most_hoped", _("Most hoped for (最盼)")
    HARDEST = "hardest", _("Hardest (最难)")
    ORDINARY = "ordinary", _("Ordinary")


PRIORITY_RANK = {p.value: rank for rank, p in enumerate(Priority)}


class NeedState(models.TextChoices):
    OPEN = "open", _("Not yet met")
    BEING_MET = "being_met", _("Being met")
    MET = "met", _("Met")
    CANNOT_BE_MET = "cannot_be_met", _("Cannot be met")


OPEN_NEED_STATES = (NeedState.OPEN, NeedState.BEING_MET)


class Source(models.TextChoices):
    SURVEY = "survey", _("Survey round")
    VISIT = "visit", _("Household visit")
    CASE = "case", _("Case")
    SELF_REPORT = "self_report", _("Self-report")
    DEPARTMENT = "department", _("Another department's list")


class DossierState(models.TextChoices):
    NEW = "new", _("New")
    BEING_HELPED = "being_helped", _("Being helped")
    STABILISED = "stabilised", _("Stabilised")
    OUT_OF_DIFFICULTY = "out_of_difficulty", _("Out of difficulty")
    MOVED_AWAY = "moved_away", _("Moved away")
    CLOSED = "closed", _("Closed")


# A dossier in one of these is in the database (counted, on the worklist, visited first).
ACTIVE_STATES = (DossierState.NEW, DossierState.BEING_HELPED, DossierState.STABILISED)


class HelperKind(models.TextChoices):
    MEMBER = "member", _("Member")
    VOLUNTEER = "volunteer", _("Volunteer")
    RESIDENT_UNIT = "resident_unit", _("Resident unit")
    SOCIAL_ORG = "social_org", _("Social organisation")


class EventKind(models.TextChoices):
    OPENED = "opened", _("Dossier opened")
    CHANGED = "changed", _("Dossier changed")
    STATE_CHANGED = "state_changed", _("State changed")
    REASSESSED = "reassessed", _("Re-assessed")
    NEED_ADDED = "need_added", _("Need added")
    NEED_CHANGED = "need_changed", _("Need changed")
    SOURCE_ADDED = "source_added", _("Source added")
    PAIRED = "paired", _("Helper paired")
    PAIR_ENDED = "pair_ended", _("Pair ended")
    HELPED = "helped", _("Help recorded")
    VISIT_FLAGGED = "visit_flagged", _("Flagged by a household visit")


class Scoped(TimeStamped):
    """The district, community and grid, copied from the household for scope (as field work's)."""

    district = models.ForeignKey(AreaNode, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        AreaNode, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    grid = models.ForeignKey(
        AreaNode, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="+", db_index=False
    )

    class Meta:
        abstract = True


class Dossier(Scoped):
    """The dossier of a household in difficulty: one per household, kept through its states."""

    household = models.OneToOneField(
        AreaNode, verbose_name=_("household"), on_delete=models.PROTECT, related_name="assistance_dossier"
    )
    state = models.CharField(_("state"), max_length=20, choices=DossierState.choices, default=DossierState.NEW)
    situation_encrypted = models.BinaryField(_("family situation (encrypted)"), null=True, blank=True)
    causes_encrypted = models.BinaryField(_("causes (encrypted)"), null=True, blank=True)
    sources = models.JSONField(_("sources"), default=list, blank=True, help_text=_("Source values."))
    opened_on = models.DateField(_("opened on"))
    reassess_on = models.DateField(_("re-assess on"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("assistance dossier")
        verbose_name_plural = _("assistance dossiers")
        ordering = ["reassess_on", "id"]
        indexes = [
            # Lists, coverage and the worklist of a grid / community / district, by state.
            models.Index(fields=["grid", "state"], name="dossier_grid_state"),
            models.Index(fields=["community", "state"], name="dossier_community_state"),
            models.Index(fields=["district", "state"], name="dossier_district_state"),
            # Dossiers due for re-assessment.
            models.Index(fields=["reassess_on"], name="dossier_reassess_on"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} · {self.state}"


class Pair(TimeStamped):
    """结对: a helper paired with a dossier, point to point or within a campaign. The helper is a
    kind and an id (`people.MemberProfile`, `orgs.ResidentUnit`; volunteers and social
    organisations come with later apps)."""

    dossier = models.ForeignKey(Dossier, verbose_name=_("dossier"), on_delete=models.CASCADE, related_name="pairs")
    helper_kind = models.CharField(_("helper kind"), max_length=20, choices=HelperKind.choices)
    helper_id = models.BigIntegerField(_("helper"))
    campaign = models.ForeignKey(
        "PairingCampaign",
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pairs",
    )
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason_encrypted = models.BinaryField(_("reason it ended (encrypted)"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("pair")
        verbose_name_plural = _("pairs")
        ordering = ["dossier_id", "started_on", "id"]
        constraints = [
            # A helper is paired with a dossier once at a time.
            models.UniqueConstraint(
                fields=["dossier", "helper_kind", "helper_id"],
                condition=models.Q(ended_on__isnull=True),
                name="pair_active_unique",
            )
        ]
        indexes = [
            # A helper's pairs (the member's phone page) and current load (suggestions).
            models.Index(fields=["helper_kind", "helper_id", "ended_on"], name="pair_helper"),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id} · {self.helper_kind} {self.helper_id}"


class Need(TimeStamped):
    """A need of the household: kind and note encrypted; priority class, state and dates plain."""

    dossier = models.ForeignKey(Dossier, verbose_name=_("dossier"), on_delete=models.CASCADE, related_name="needs")
    kind_encrypted = models.BinaryField(_("kind (encrypted)"), null=True, blank=True)
    note_encrypted = models.BinaryField(_("note (encrypted)"), null=True, blank=True)
    priority = models.CharField(_("priority class"), max_length=20, choices=Priority.choices)
    state = models.CharField(_("state"), max_length=20, choices=NeedState.choices, default=NeedState.OPEN)
    reason_encrypted = models.BinaryField(_("why it cannot be met (encrypted)"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    # Waiting since: the worklist orders by this within a priority class.
    opened_at = models.DateTimeField(_("open since"))
    met_at = models.DateTimeField(_("met at"), null=True, blank=True)
    pair = models.ForeignKey(
        Pair,
        verbose_name=_("assigned to pair"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="needs",
    )

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ["dossier_id", "opened_at", "id"]
        indexes = [
            # The worklist: open needs by priority class, then how long they have waited.
            models.Index(fields=["state", "priority", "opened_at"], name="need_worklist"),
            # Coverage: dossiers with at least one need met (in a period).
            models.Index(fields=["dossier", "state"], name="need_dossier_state"),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id} · {self.priority} · {self.state}"


class Help(TimeStamped):
    """A help given to the household, once per uuid made where it was recorded (like field work's
    records): what (encrypted), its value in money or hours, the day, the pair that gave it."""

    uuid = models.UUIDField(_("uuid"), unique=True)
    dossier = models.ForeignKey(Dossier, verbose_name=_("dossier"), on_delete=models.CASCADE, related_name="helps")
    pair = models.ForeignKey(
        Pair, verbose_name=_("pair"), null=True, blank=True, on_delete=models.SET_NULL, related_name="helps"
    )
    need = models.ForeignKey(
        Need, verbose_name=_("need met"), null=True, blank=True, on_delete=models.SET_NULL, related_name="helps"
    )
    given_on = models.DateField(_("given on"))
    what_encrypted = models.BinaryField(_("what (encrypted)"), null=True, blank=True)
    value = models.DecimalField(_("value (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True)
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1, null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("help")
        verbose_name_plural = _("helps")
        ordering = ["-given_on", "-id"]
        indexes = [
            # A dossier's helps; residents benefited: the dossiers helped in a period.
            models.Index(fields=["dossier", "given_on"], name="help_dossier_given"),
            # Pairs without a help for 60 days: a pair's last help.
            models.Index(fields=["pair", "given_on"], name="help_pair_given"),
            # Residents benefited over an area: the helps of a period.
            models.Index(fields=["given_on"], name="help_given_on"),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id} · {self.given_on}"


class HelperSkill(TimeStamped):
    """A kind of need a helper declares they can meet (a member's or volunteer's skill, what a unit
    or organisation offers): one row per helper and need kind. Pairing suggestions move a helper up
    when one of their skills is a kind the household needs."""

    district = models.ForeignKey(AreaNode, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+")
    helper_kind = models.CharField(_("helper kind"), max_length=20, choices=HelperKind.choices)
    helper_id = models.BigIntegerField(_("helper"))
    kind = models.CharField(_("need kind"), max_length=20, choices=NeedKind.choices)

    class Meta:
        verbose_name = _("helper skill")
        verbose_name_plural = _("helper skills")
        ordering = ["helper_kind", "helper_id", "kind"]
        constraints = [
            # A helper declares a kind once; suggestions look a helper's skills up by this.
            models.UniqueConstraint(fields=["helper_kind", "helper_id", "kind"], name="helper_skill_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.helper_kind} {self.helper_id} · {self.kind}"


class DossierEvent(models.Model):
    """The history of a dossier: every change, who made it, when and why. The reason and the
    values changed (which may be sensitive) are encrypted together in `detail_encrypted`; the
    kind and the names of the fields changed stay plain."""

    dossier = models.ForeignKey(Dossier, verbose_name=_("dossier"), on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    at = models.DateTimeField(_("at"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    fields = models.JSONField(_("fields changed"), default=list, blank=True)
    detail_encrypted = models.BinaryField(_("reason and values (encrypted)"), null=True, blank=True)
    # The household visit that flagged the household (EventKind.VISIT_FLAGGED), once per visit.
    visit = models.ForeignKey(
        "fieldwork.Visit",
        verbose_name=_("household visit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("dossier event")
        verbose_name_plural = _("dossier events")
        ordering = ["dossier_id", "at", "id"]
        constraints = [
            # A flagged visit is taken up once (the signal may be sent again for an edited visit).
            models.UniqueConstraint(
                fields=["visit"], condition=models.Q(visit__isnull=False), name="dossier_event_visit"
            )
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id} · {self.kind}"


class SurveyRound(TimeStamped):
    """摸排: a campaign of door-to-door survey over an area, with its list of households."""

    district = models.ForeignKey(AreaNode, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey(AreaNode, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    # Listing only the households flagged by visits or with a dossier in the database (not every
    # household of the area).
    only_flagged = models.BooleanField(_("only flagged households"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("survey round")
        verbose_name_plural = _("survey rounds")
        ordering = ["-starts_on", "-id"]

    def __str__(self) -> str:
        return self.name


class SurveyHousehold(models.Model):
    """A household on a survey round's list; `seen_on` once it was seen, `dossier` if one was
    opened or updated from it."""

    round = models.ForeignKey(
        SurveyRound, verbose_name=_("survey round"), on_delete=models.CASCADE, related_name="households"
    )
    household = models.ForeignKey(AreaNode, verbose_name=_("household"), on_delete=models.PROTECT, related_name="+")
    seen_on = models.DateField(_("seen on"), null=True, blank=True)
    dossier = models.ForeignKey(
        Dossier, verbose_name=_("dossier"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("household to survey")
        verbose_name_plural = _("households to survey")
        ordering = ["round_id", "household_id"]
        constraints = [models.UniqueConstraint(fields=["round", "household"], name="survey_household_unique")]

    def __str__(self) -> str:
        return f"{self.round_id} · {self.household_id}"


class PairingCampaign(TimeStamped):
    """千帮千: a campaign pairing many helpers with many households over an area."""

    district = models.ForeignKey(AreaNode, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey(AreaNode, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("pairing campaign")
        verbose_name_plural = _("pairing campaigns")
        ordering = ["-starts_on", "-id"]

    def __str__(self) -> str:
        return self.name


class SheetState(models.TextChoices):
    QUEUED = "queued", _("Waiting to run")
    RUNNING = "running", _("Importing")
    SUCCEEDED = "succeeded", _("Imported")
    FAILED = "failed", _("Not imported")


class SurveySheetImport(TimeStamped):
    """The commit of a survey round's sheet, run in the background (`wangge worker`): the stored
    file until it has run, its state, and its outcome — the counts, or the problems by row and
    code (never a value of the sheet)."""

    round = models.ForeignKey(
        SurveyRound, verbose_name=_("survey round"), on_delete=models.CASCADE, related_name="sheet_imports"
    )
    district = models.ForeignKey(AreaNode, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(_("file name"), max_length=255)
    # Relative to MEDIA_ROOT; emptied once the file is deleted after the run.
    stored_file = models.CharField(_("stored file"), max_length=300, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=SheetState.choices, default=SheetState.QUEUED)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    problems = models.JSONField(_("problems"), default=list, blank=True, help_text=_("[row, code] pairs."))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("survey sheet import")
        verbose_name_plural = _("survey sheet imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.round_id} · {self.state}"
