"""Ledger imports: each run of an import, the merge-review queue it fills, the merges decided
from it (undoable) and the fingerprints of rows imported without an ID number.

Nothing here holds a row's contents in clear: a run keeps the file's name, its SHA-256 and
the counts; a review item keeps the incoming facts as one encrypted JSON document; a merge
keeps the values before and after, encrypted; fingerprints are keyed HMACs (blind indexes).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from wangge.accounts.models import User
from wangge.areas.models import AreaNode
from wangge.lib.models import TimeStamped
from wangge.people.models import Person


class Layout(models.TextChoices):
    MEMBERS = "members", _("Member-information system export")
    GRID = "grid", _("Grid-system ledger")


class RunMode(models.TextChoices):
    DRY_RUN = "dry_run", _("Dry run")
    COMMIT = "commit", _("Commit")


class RunState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Finished")
    FAILED = "failed", _("Failed")


class RunPhase(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    READING = "reading", _("Reading the file")
    CHECKING = "checking", _("Checking rows")
    WRITING = "writing", _("Writing")
    DONE = "done", _("Done")


class ImportRun(TimeStamped):
    """One import of a ledger file: who, when, which file (name and SHA-256), the counts."""

    district = models.ForeignKey(AreaNode, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        User, verbose_name=_("imported by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    layout = models.CharField(_("layout"), max_length=20, choices=Layout.choices)
    mode = models.CharField(_("mode"), max_length=20, choices=RunMode.choices)
    file_name = models.CharField(_("file name"), max_length=255)
    file_sha256 = models.CharField(_("file SHA-256"), max_length=64)
    # The column mapping given with the file (our field → the file's headers; no personal data).
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    # The uploaded file under MEDIA_ROOT while a background run needs it (never under a public URL).
    stored_file = models.CharField(_("stored file"), max_length=300, blank=True, editable=False)
    report_file = models.CharField(_("error report"), max_length=300, blank=True, editable=False)
    state = models.CharField(_("state"), max_length=20, choices=RunState.choices, default=RunState.QUEUED)
    phase = models.CharField(_("phase"), max_length=20, choices=RunPhase.choices, default=RunPhase.WAITING)
    rows_total = models.PositiveIntegerField(_("rows in the file"), default=0)
    rows_done = models.PositiveIntegerField(_("rows checked"), default=0)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    new = models.PositiveIntegerField(_("new"), default=0)
    matched = models.PositiveIntegerField(_("matched"), default=0)
    review = models.PositiveIntegerField(_("possible matches"), default=0)
    conflicts = models.PositiveIntegerField(_("conflicts"), default=0)
    invalid = models.PositiveIntegerField(_("invalid"), default=0)
    held = models.PositiveIntegerField(_("held for review by a higher level"), default=0)
    queued_for_review = models.PositiveIntegerField(_("queued for review"), default=0)
    error_code = models.CharField(_("error code"), max_length=60, blank=True)
    error_message = models.CharField(_("error message"), max_length=500, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("ledger import")
        verbose_name_plural = _("ledger imports")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The import history of a district, newest first.
            models.Index(fields=["district", "-created_at"], name="importrun_district_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_mode_display()})"


class ReviewKind(models.TextChoices):
    POSSIBLE_MATCH = "possible_match", _("Possible match")
    CONFLICT = "conflict", _("Conflict")


class ReviewState(models.TextChoices):
    OPEN = "open", _("Open")
    MERGED = "merged", _("Merged")
    KEPT_SEPARATE = "kept_separate", _("Kept separate")
    DISMISSED = "dismissed", _("Dismissed")


class ReviewItem(TimeStamped):
    """A row an import did not apply: a possible match (no exact ID-number match) or a conflict
    (same ID number, different facts). The incoming facts are one encrypted JSON document."""

    district = models.ForeignKey(AreaNode, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+")
    # The candidate's community and grid (scope without a join).
    community = models.ForeignKey(
        AreaNode,
        verbose_name=_("community"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    grid = models.ForeignKey(
        AreaNode,
        verbose_name=_("grid"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    run = models.ForeignKey(ImportRun, verbose_name=_("import"), on_delete=models.PROTECT, related_name="review_items")
    row_number = models.PositiveIntegerField(_("row number"))
    kind = models.CharField(_("kind"), max_length=20, choices=ReviewKind.choices)
    candidate = models.ForeignKey(
        Person, verbose_name=_("person in the registry"), on_delete=models.CASCADE, related_name="+"
    )
    other_candidates = models.JSONField(_("other candidates"), default=list, blank=True)
    incoming_encrypted = models.BinaryField(_("incoming facts (encrypted)"), editable=False)
    # Keyed HMAC of the incoming facts: the same row imported again finds its item.
    fingerprint = models.CharField(_("fingerprint"), max_length=64, editable=False)
    # Names of the facts that differ; `blank_fields` those the registry has no value for.
    differing_fields = models.JSONField(_("differing fields"), default=list)
    blank_fields = models.JSONField(_("fields the registry lacks"), default=list, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=ReviewState.choices, default=ReviewState.OPEN)
    decided_by = models.ForeignKey(
        User, verbose_name=_("decided by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_person = models.ForeignKey(
        Person,
        verbose_name=_("person created"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("review item")
        verbose_name_plural = _("review items")
        ordering = ["created_at", "id"]
        constraints = [
            # Re-importing a file never queues the same row for the same person twice.
            models.UniqueConstraint(fields=["district", "candidate", "fingerprint"], name="review_item_unique_row"),
        ]
        indexes = [
            # The review queue of a district / community / grid, by state.
            models.Index(fields=["district", "state", "created_at"], name="review_district_state"),
            models.Index(fields=["community", "state", "created_at"], name="review_community_state"),
            models.Index(fields=["grid", "state", "created_at"], name="review_grid_state"),
            # Is this row already queued? (re-import)
            models.Index(fields=["district", "fingerprint"], name="review_fingerprint"),
        ]

    def __str__(self) -> str:
        return f"{self.run_id}:{self.row_number} {self.get_kind_display()}"


class Merge(TimeStamped):
    """The values a merge replaced and the values it wrote (both encrypted), so it can be undone."""

    district = models.ForeignKey(AreaNode, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+")
    # RESTRICT: deleting the person (CASCADE to both) may take the item with its merges.
    item = models.ForeignKey(
        ReviewItem, verbose_name=_("review item"), on_delete=models.RESTRICT, related_name="merges"
    )
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="+")
    merged_by = models.ForeignKey(
        User, verbose_name=_("merged by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    changed_fields = models.JSONField(_("fields changed"), default=list)
    before_encrypted = models.BinaryField(_("values before (encrypted)"), editable=False)
    after_encrypted = models.BinaryField(_("values after (encrypted)"), editable=False)
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undone_by = models.ForeignKey(
        User, verbose_name=_("undone by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("merge")
        verbose_name_plural = _("merges")
        ordering = ["-created_at", "-id"]
        indexes = [
            # A person's merge history, newest first (undo checks the latest).
            models.Index(fields=["person", "-created_at"], name="merge_person_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} ← {self.item_id}"


class ImportedRecord(TimeStamped):
    """A person created from a row without an ID number, by the row's fingerprint (a keyed
    HMAC of its facts): importing the same row again matches this person instead of queuing
    a possible match with it."""

    district = models.ForeignKey(AreaNode, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+")
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="+")
    run = models.ForeignKey(ImportRun, verbose_name=_("import"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("imported row")
        verbose_name_plural = _("imported rows")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["district", "fingerprint"], name="imported_record_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}"
