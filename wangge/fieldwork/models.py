"""The records of field work: morning briefings (早碰头) with their tasks, patrols (日双巡) with
the check-ins the worker makes, household visits (走访), the earlier versions of an edited
record, and each district's settings.

Every record carries a `uuid` made on the phone (unique per record type), so a queue of records
can be sent again and again without creating any twice. `updated_at` is the time of the edit
the row holds (the phone's clock for an edit made there), not of the last write: the later of
two edits wins and the other is kept in `RecordVersion` (`actions.edit_record`).

No location trail is recorded: a patrol holds only the check-ins its worker made.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wangge.areas.models import AreaNode

MAX_TEXT = 4000
MAX_MET = 200
DEFAULT_PATROLS_PER_DAY = 2


class RecordKind(models.TextChoices):
    BRIEFING = "briefing", _("Morning briefing")
    PATROL = "patrol", _("Patrol")
    VISIT = "visit", _("Household visit")


class VisitFlag(models.TextChoices):
    """What a visit may flag a household for; the assistance database (a later app) listens to
    `signals.visit_flagged` and takes the households flagged with these up."""

    HARDSHIP = "hardship", _("In hardship")
    ELDERLY_ALONE = "elderly_alone", _("Elderly person living alone")
    DISABILITY = "disability", _("Person with a disability needing help")
    LEFT_BEHIND_CHILD = "left_behind_child", _("Child left behind")


class HouseholdChange(models.TextChoices):
    MOVED_IN = "moved_in", _("Moved in")
    MOVED_OUT = "moved_out", _("Moved out")
    NEW_HARDSHIP = "new_hardship", _("New hardship")
    BIRTH = "birth", _("A birth")
    DEATH = "death", _("A death")


class FieldRecord(models.Model):
    """What briefings, patrols and visits share: the phone's uuid, the grid and its ancestors
    (for scope), who recorded it, and the time of the edit it holds."""

    uuid = models.UUIDField(_("uuid"), unique=True)
    district = models.ForeignKey(AreaNode, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        AreaNode, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    grid = models.ForeignKey(
        AreaNode, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("updated by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        abstract = True


class Briefing(FieldRecord):
    """早碰头: the grid team's meeting at the start of a working day."""

    date = models.DateField(_("date"))
    matters = models.TextField(_("matters raised"), blank=True)
    attendees = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("attendees"), related_name="+")

    class Meta:
        verbose_name = _("morning briefing")
        verbose_name_plural = _("morning briefings")
        ordering = ["-date", "-id"]
        indexes = [
            # Lists of a grid's briefings, newest first; compliance: the days a grid held one.
            models.Index(fields=["grid", "date"], name="briefing_grid_date"),
            # Compliance of a community or district over a period.
            models.Index(fields=["community", "date"], name="briefing_community_date"),
            models.Index(fields=["district", "date"], name="briefing_district_date"),
        ]

    def __str__(self) -> str:
        return f"{self.date} · {self.grid_id}"


class BriefingTask(models.Model):
    """A task given at a briefing: may name a person and a due date, and may become a case."""

    briefing = models.ForeignKey(Briefing, verbose_name=_("briefing"), on_delete=models.CASCADE, related_name="tasks")
    text = models.TextField(_("task"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    due = models.DateField(_("due"), null=True, blank=True)
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("briefing task")
        verbose_name_plural = _("briefing tasks")
        ordering = ["briefing_id", "id"]

    def __str__(self) -> str:
        return self.text[:40]


class Patrol(FieldRecord):
    """日双巡: one round of a grid, from start to finish, with the places checked."""

    date = models.DateField(_("date"), help_text=_("The day (Asia/Shanghai) the patrol started."))
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    findings = models.TextField(_("findings"), blank=True)

    class Meta:
        verbose_name = _("patrol")
        verbose_name_plural = _("patrols")
        ordering = ["-started_at", "-id"]
        indexes = [
            # Lists of a grid's patrols, newest first; compliance: patrols per grid and day.
            models.Index(fields=["grid", "date"], name="patrol_grid_date"),
            models.Index(fields=["community", "date"], name="patrol_community_date"),
            models.Index(fields=["district", "date"], name="patrol_district_date"),
        ]

    def __str__(self) -> str:
        return f"{self.date} · {self.grid_id}"


class Checkin(models.Model):
    """A place the worker checked on a patrol: a building (tapped on the map or by its QR code)
    or a point the worker chose to record. Only these are ever recorded, never a trail."""

    patrol = models.ForeignKey(Patrol, verbose_name=_("patrol"), on_delete=models.CASCADE, related_name="checkins")
    building = models.ForeignKey(
        AreaNode, verbose_name=_("building"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lng = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    at = models.DateTimeField(_("at"))
    note = models.TextField(_("note"), blank=True)
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ["patrol_id", "at", "id"]
        indexes = [
            # Compliance: the buildings checked since a day (buildings not checked for 14 days).
            models.Index(fields=["building", "at"], name="checkin_building_at"),
        ]

    def __str__(self) -> str:
        return f"{self.patrol_id} · {self.building_id or (self.lng, self.lat)}"


class Visit(FieldRecord):
    """走访: a visit to a household. What the household needs and the visitor's note may hold
    sensitive facts: they are encrypted, bound to the row (`needs_encrypted`, `note_encrypted`)."""

    household = models.ForeignKey(AreaNode, verbose_name=_("household"), on_delete=models.PROTECT, related_name="+")
    visited_at = models.DateTimeField(_("visited at"))
    met = models.CharField(_("who was met"), max_length=MAX_MET, blank=True)
    needs_encrypted = models.BinaryField(_("needs (encrypted)"), null=True, blank=True)
    note_encrypted = models.BinaryField(_("note (encrypted)"), null=True, blank=True)
    flags = models.JSONField(_("flags"), default=list, blank=True, help_text=_("VisitFlag values."))
    changes = models.JSONField(_("changes"), default=list, blank=True, help_text=_("HouseholdChange values."))
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("household visit")
        verbose_name_plural = _("household visits")
        ordering = ["-visited_at", "-id"]
        indexes = [
            # Lists of a grid's visits, newest first; compliance: households visited in 30/90 days.
            models.Index(fields=["grid", "visited_at"], name="visit_grid_at"),
            models.Index(fields=["community", "visited_at"], name="visit_community_at"),
            models.Index(fields=["district", "visited_at"], name="visit_district_at"),
            # A household's visits.
            models.Index(fields=["household", "visited_at"], name="visit_household_at"),
        ]

    def __str__(self) -> str:
        return f"{self.visited_at:%Y-%m-%d} · {self.household_id}"


class VisitNotice(models.Model):
    """An in-app notice about a visit (`cases.Notification`) sent to a member responsible for the
    household: ties the notice to the visit, so the inbox can link the visit's page for a
    reader who may open it. The notice's text holds no sensitive fact."""

    notification = models.OneToOneField(
        "cases.Notification",
        verbose_name=_("notification"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="visit_notice",
    )
    visit = models.ForeignKey(
        Visit, verbose_name=_("household visit"), on_delete=models.CASCADE, related_name="notices"
    )

    class Meta:
        verbose_name = _("visit notice")
        verbose_name_plural = _("visit notices")
        ordering = ["visit_id", "notification_id"]

    def __str__(self) -> str:
        return f"{self.visit_id} · {self.notification_id}"


class RecordVersion(models.Model):
    """A version of a record that lost to a later edit (the one replaced, or one that arrived
    after a later edit was stored), kept whole: its content as a JSON document, encrypted and
    bound to this row (a visit's holds its needs and note), who made it and when."""

    district = models.ForeignKey(AreaNode, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("record type"), max_length=20, choices=RecordKind.choices)
    record_id = models.BigIntegerField(_("record"))
    data_encrypted = models.BinaryField(_("content (encrypted)"))
    edited_at = models.DateTimeField(_("edited at"))
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("edited by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kept_at = models.DateTimeField(_("kept at"), auto_now_add=True)

    class Meta:
        verbose_name = _("earlier version")
        verbose_name_plural = _("earlier versions")
        ordering = ["kind", "record_id", "-edited_at", "-id"]
        indexes = [
            # The history of one record.
            models.Index(fields=["kind", "record_id"], name="record_version_record"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.record_id} · {self.edited_at}"


class FieldworkSettings(models.Model):
    """A district's own rules for field work (a district without a row has the defaults)."""

    district = models.OneToOneField(
        AreaNode, verbose_name=_("district"), on_delete=models.PROTECT, related_name="fieldwork_settings"
    )
    patrols_per_day = models.PositiveSmallIntegerField(
        _("patrols per grid per working day"), default=DEFAULT_PATROLS_PER_DAY
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("field work settings")
        verbose_name_plural = _("field work settings")
        ordering = ["district_id"]

    def __str__(self) -> str:
        return str(self.district_id)
