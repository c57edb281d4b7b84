"""Cases (挂牌销号) and what surrounds them.

A case moves through the states of `workflow.TRANSITIONS`; every change is written once,
by an action in `cases.actions`, with an append-only `CaseEvent`. `Case.version` is bumped by
every action and checked against the version the actor saw, so two people acting at once
cannot overwrite each other.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wangge.areas.models import AreaNode
from wangge.cases.workflow import OPEN_STATES, State
from wangge.lib.models import TimeStamped


class TimeLimitUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("Working days")
    WORKING_HOURS = "working_hours", _("Working hours")


class Category(TimeStamped):
    """A two-level catalogue: top-level groups (城市管理 …) and the categories cases are filed under."""

    district = models.ForeignKey(AreaNode, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+")
    parent = models.ForeignKey(
        "self", verbose_name=_("group"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    time_limit = models.PositiveIntegerField(_("time limit"), default=5)
    time_limit_unit = models.CharField(
        _("time limit unit"), max_length=20, choices=TimeLimitUnit.choices, default=TimeLimitUnit.WORKING_DAYS
    )
    return_visit_required = models.BooleanField(_("return visit required"), default=True)
    reopen_when_unsatisfied = models.BooleanField(_("unsatisfied return visit reopens"), default=True)
    public = models.BooleanField(_("shown on the public board"), default=True)
    public_location = models.BooleanField(_("location shown publicly"), default=True)
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["district_id", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["district", "code"], name="category_code_unique")]

    def __str__(self) -> str:
        return self.name


class QuestionType(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")


class CategoryQuestion(TimeStamped):
    """An extra question asked when a case of the category is filed (Open311 attributes)."""

    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.CASCADE, related_name="questions"
    )
    code = models.SlugField(_("code"), max_length=40)
    label = models.CharField(_("question"), max_length=200)
    datatype = models.CharField(_("type"), max_length=10, choices=QuestionType.choices)
    required = models.BooleanField(_("required"), default=False)
    # [{"key": "...", "name": "..."}] for single and multiple choice.
    choices = models.JSONField(_("choices"), default=list, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("extra question")
        verbose_name_plural = _("extra questions")
        ordering = ["category_id", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["category", "code"], name="question_code_unique")]

    def __str__(self) -> str:
        return self.label


class UnitKind(models.TextChoices):
    DEPARTMENT = "department", _("Functional department")
    STREET = "street", _("Street")
    COMMUNITY = "community", _("Community")
    DISPATCH = "dispatch", _("District dispatch")


class HandlingUnit(TimeStamped):
    """A body that handles cases: a functional department, a street, a community, or dispatch."""

    district = models.ForeignKey(AreaNode, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    name = models.CharField(_("name"), max_length=100)
    area = models.ForeignKey(
        AreaNode, verbose_name=_("area"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    users = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("staff"), blank=True, related_name="units")

    class Meta:
        verbose_name = _("handling unit")
        verbose_name_plural = _("handling units")
        ordering = ["district_id", "kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["district"], condition=models.Q(kind="dispatch"), name="one_dispatch_per_district"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RoutingRule(TimeStamped):
    """Category (or its group) + area subtree → responsible unit; the lowest priority number wins."""

    district = models.ForeignKey(AreaNode, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+")
    priority = models.PositiveIntegerField(_("priority"), help_text=_("Lower numbers are tried first."))
    category = models.ForeignKey(
        Category, verbose_name=_("category or group"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    area = models.ForeignKey(
        AreaNode, verbose_name=_("area"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    unit = models.ForeignKey(
        HandlingUnit, verbose_name=_("responsible unit"), on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["district_id", "priority", "id"]

    def __str__(self) -> str:
        return f"#{self.priority} → {self.unit}"


class Channel(models.TextChoices):
    PATROL = "patrol", _("Grid patrol")
    VISIT = "visit", _("Household visit")
    WEB = "web", _("Resident on the web")
    PHONE = "phone", _("Phone or hotline")
    API = "api", _("API")
    OPEN311 = "open311", _("Open311 app")
    # 信访: a petition or complaint to the petitions office, recorded as a case of the chain so
    # that it is tagged, routed, closed off and counted year on year like any other.
    PETITION = "petition", _("Petition (xinfang)")


class Case(TimeStamped):
    district = models.ForeignKey(AreaNode, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("case number"), max_length=40, unique=True)
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="cases")
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.REPORTED)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    description = models.TextField(_("description"), max_length=4000)
    answers = models.JSONField(_("answers to extra questions"), default=dict, blank=True)
    # Where: a WGS-84 point and/or an address; the grid is found from them at filing.
    lng = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    building = models.ForeignKey(
        AreaNode, verbose_name=_("building"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    community = models.ForeignKey(
        AreaNode, verbose_name=_("community"), null=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    grid = models.ForeignKey(
        AreaNode, verbose_name=_("grid"), null=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    # Who reported: a user, or a caller whose contact is personal data (encrypted).
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reporter"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reported_cases",
    )
    reporter_name = models.CharField(_("reporter's name"), max_length=100, blank=True)
    reporter_contact_encrypted = models.BinaryField(_("reporter's contact (encrypted)"), null=True, editable=False)
    reporter_contact_masked = models.CharField(_("reporter's contact"), max_length=40, blank=True, editable=False)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("filed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    unit = models.ForeignKey(
        HandlingUnit,
        verbose_name=_("responsible unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    overdue = models.BooleanField(_("overdue"), default=False)
    overdue_marked_at = models.DateTimeField(_("marked overdue at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at", "-id"]
        indexes = [
            # A grid's / community's worklist, newest first, by state.
            models.Index(fields=["grid", "state", "created_at"], name="case_grid_state"),
            models.Index(fields=["community", "state", "created_at"], name="case_community_state"),
            # A unit's inbox.
            models.Index(fields=["unit", "state", "due_at"], name="case_unit_state_due"),
            # The overdue sweep: in each open state, the cases not yet overdue whose deadline has
            # passed (one short index range per state instead of every case).
            models.Index(fields=["state", "overdue", "due_at"], name="case_state_overdue_due"),
            # Open cases by deadline: PostgreSQL walks it for the inbox and the supervision queue
            # and stops after a page. (SQLite does not use it: it cannot match the IN list of a
            # partial index against a query's bound parameters.)
            models.Index(
                fields=["due_at", "id"], condition=models.Q(state__in=sorted(OPEN_STATES)), name="case_open_by_deadline"
            ),
            # The public board: newest accepted first.
            models.Index(fields=["district", "accepted_at", "id"], name="case_public_board"),
            # Every list newest first (the API's case list, "mine"): read backwards, it stops at a
            # page instead of sorting every case the user sees.
            models.Index(fields=["created_at", "id"], name="case_created"),
            # Nearby open cases of a category (duplicate suggestions).
            models.Index(fields=["category", "state", "lat", "lng"], name="case_category_nearby"),
            # The dashboard: cases closed off in a period, of a district / community / grid
            # (`dashboard.headline` "issues resolved"), and petitions filed in a period.
            models.Index(fields=["district", "closed_at"], name="case_district_closed"),
            models.Index(fields=["community", "closed_at"], name="case_community_closed"),
            models.Index(fields=["grid", "closed_at"], name="case_grid_closed"),
            models.Index(fields=["district", "channel", "created_at"], name="case_district_channel"),
        ]

    def __str__(self) -> str:
        return self.number


class EventKind(models.TextChoices):
    FILED = "filed", _("Filed")
    TRANSITION = "transition", _("State changed")
    NOTE = "note", _("Note")
    ROUTED = "routed", _("Routed")
    CO_HANDLER_ADDED = "co_handler_added", _("Co-handling unit added")
    CO_HANDLER_FINISHED = "co_handler_finished", _("Co-handling finished")
    CO_HANDLER_RELEASED = "co_handler_released", _("Co-handling released")
    EXTENSION_REQUESTED = "extension_requested", _("Extension requested")
    EXTENSION_APPROVED = "extension_approved", _("Extension approved")
    EXTENSION_REFUSED = "extension_refused", _("Extension refused")
    URGED = "urged", _("Urged")
    SUPERVISED = "supervised", _("Under supervision")
    OVERDUE = "overdue", _("Overdue")
    MERGED = "merged", _("Duplicate merged in")
    VISIT = "visit", _("Return visit")


class CaseEvent(models.Model):
    """The append-only timeline: who, when, what, from which state to which."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=EventKind.choices)
    transition = models.CharField(_("step"), max_length=30, blank=True)
    from_state = models.CharField(_("from"), max_length=20, choices=State.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=20, choices=State.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    public = models.BooleanField(_("seen by the reporter"), default=False)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["case_id", "at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="case_event_timeline")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError("Case events are append-only.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class CoHandlingState(models.TextChoices):
    OPEN = "open", _("Open")
    FINISHED = "finished", _("Finished")
    RELEASED = "released", _("Released by dispatch")


class CoHandling(TimeStamped):
    """多方协调: a co-handling unit's own sub-task on a case, with its own time limit and result."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="co_handlings")
    unit = models.ForeignKey(
        HandlingUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="co_handlings"
    )
    task = models.CharField(_("task"), max_length=500)
    due_at = models.DateTimeField(_("due at"))
    state = models.CharField(_("state"), max_length=10, choices=CoHandlingState.choices, default=CoHandlingState.OPEN)
    result = models.TextField(_("result"), blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("co-handling")
        verbose_name_plural = _("co-handlings")
        ordering = ["case_id", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "unit"], name="co_handling_unique")]
        indexes = [models.Index(fields=["unit", "state"], name="co_handling_inbox")]

    def __str__(self) -> str:
        return f"{self.case} · {self.unit}"


class ExtensionState(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class Extension(TimeStamped):
    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="extensions")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    days = models.PositiveSmallIntegerField(_("extra working days"))
    reason = models.TextField(_("reason"))
    state = models.CharField(
        _("state"), max_length=10, choices=ExtensionState.choices, default=ExtensionState.REQUESTED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    old_due_at = models.DateTimeField(_("old deadline"), null=True, blank=True)
    new_due_at = models.DateTimeField(_("new deadline"), null=True, blank=True)

    class Meta:
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")
        ordering = ["case_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(state="requested"), name="one_pending_extension_per_case"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} +{self.days}"


class SupervisionLevel(models.TextChoices):
    YELLOW = "yellow", _("Yellow")
    RED = "red", _("Red")


class Supervision(TimeStamped):
    """督办: at most one per case; a second supervising body joins it (no 多头督查)."""

    district = models.ForeignKey(AreaNode, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+")
    case = models.OneToOneField(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="supervision")
    level = models.CharField(_("level"), max_length=10, choices=SupervisionLevel.choices)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("opened by"), on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("supervision")
        verbose_name_plural = _("supervisions")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["district", "closed_at", "level"], name="supervision_queue")]

    def __str__(self) -> str:
        return f"{self.case} {self.level}"


class SupervisionParty(models.Model):
    supervision = models.ForeignKey(
        Supervision, verbose_name=_("supervision"), on_delete=models.CASCADE, related_name="parties"
    )
    body = models.CharField(_("supervising body"), max_length=100)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="+"
    )
    joined_at = models.DateTimeField(_("joined at"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("supervising party")
        verbose_name_plural = _("supervising parties")
        ordering = ["supervision_id", "joined_at"]
        constraints = [models.UniqueConstraint(fields=["supervision", "body"], name="supervision_party_unique")]

    def __str__(self) -> str:
        return self.body


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY = "basically", _("Basically satisfied")
    UNSATISFIED = "unsatisfied", _("Unsatisfied")


class ReturnVisit(TimeStamped):
    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="visits")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    by_phone = models.BooleanField(_("by phone"), default=False)
    result = models.CharField(_("result"), max_length=12, choices=Satisfaction.choices)
    comment = models.TextField(_("comment"), blank=True)
    # Copied from the case at the time of the visit, for satisfaction rates per unit, grid, category.
    unit = models.ForeignKey(
        HandlingUnit, verbose_name=_("unit"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    grid = models.ForeignKey(AreaNode, verbose_name=_("grid"), null=True, on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("return visit")
        verbose_name_plural = _("return visits")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["unit", "result"], name="visit_unit_result"),
            models.Index(fields=["grid", "result"], name="visit_grid_result"),
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.result}"


class Notification(TimeStamped):
    """An in-app notice to one user; e-mail copies are sent by a task after commit."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="notifications"
    )
    case = models.ForeignKey(Case, verbose_name=_("case"), null=True, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(_("text"), max_length=300)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at", "created_at"], name="notification_inbox")]

    def __str__(self) -> str:
        return self.text


class CaseSequence(models.Model):
    """The last case number issued per district and day (numbers like WG-20261126-0001)."""

    district = models.ForeignKey(AreaNode, verbose_name=_("district"), on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("day"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("case number sequence")
        verbose_name_plural = _("case number sequences")
        ordering = ["district_id", "day"]
        constraints = [models.UniqueConstraint(fields=["district", "day"], name="case_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.day} {self.last}"


class Attachment(TimeStamped):
    """A photo on a case: checked by content, re-encoded as JPEG without metadata (no GPS)."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey(
        CaseEvent, verbose_name=_("event"), null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    file = models.FileField(_("file"), upload_to="cases/%Y/%m/")
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    size = models.PositiveIntegerField(_("size in bytes"))
    public = models.BooleanField(_("seen by the reporter"), default=True)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["case_id", "id"]

    def __str__(self) -> str:
        return self.file.name or ""
