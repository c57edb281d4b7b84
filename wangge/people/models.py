"""Persons, their households, and their member and worker profiles: the residents' registry.

ID numbers and phone numbers are stored only encrypted (AES-GCM), with an HMAC blind index
for exact lookup and a masked form for display. The service-related facts that are sensitive
personal information under PIPL (disability, chronic illness, support status, elderly living
alone, left-behind child) are one encrypted JSON document per person (`sensitive_encrypted`;
keys in `SENSITIVE_FACTS`). Reading any of it in clear goes through
`people.actions.reveal_personal_data`, which needs a reason and writes an audit row.

There are deliberately no fields for watching people: no "key person" lists, no movements.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from wangge.areas.models import AreaNode
from wangge.lib.models import TimeStamped


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class ResidenceStatus(models.TextChoices):
    CONSISTENT = "consistent", _("Lives where registered")  # 人户一致
    RESIDENT_ONLY = "resident_only", _("Lives here, registered elsewhere")  # 人在户不在
    REGISTERED_ONLY = "registered_only", _("Registered here, lives elsewhere")  # 户在人不在


class PoliticalStatus(models.TextChoices):
    MEMBER = "member", _("Party member")
    PROBATIONARY = "probationary", _("Probationary party member")
    LEAGUE = "league", _("Youth League member")
    DEMOCRATIC_PARTY = "democratic_party", _("Member of a democratic party")
    MASSES = "masses", _("Ordinary citizen")


class Education(models.TextChoices):
    NONE = "none", _("No schooling")
    PRIMARY = "primary", _("Primary school")
    JUNIOR = "junior", _("Junior secondary")
    SENIOR = "senior", _("Senior secondary")
    VOCATIONAL = "vocational", _("Vocational secondary")
    COLLEGE = "college", _("Junior college")
    BACHELOR = "bachelor", _("Bachelor")
    MASTER = "master", _("Master")
    DOCTOR = "doctor", _("Doctorate")


class PersonStatus(models.TextChoices):
    ACTIVE = "active", _("Lives in the district")
    MOVED_AWAY = "moved_away", _("Moved away")
    DECEASED = "deceased", _("Deceased")


# The keys of the encrypted sensitive-facts document and what each holds.
SENSITIVE_FACTS = {
    "disability": _("Disability"),  # {"kind": str, "level": 1..4} or absent
    "chronic_illness": _("Chronic illness"),  # free text
    "support": _("Subsistence support"),  # "low_income" (低保) or "extreme_poverty" (特困)
    "elderly_alone": _("Elderly living alone"),  # bool
    "left_behind_child": _("Left-behind child"),  # bool
}


class Person(TimeStamped):
    # Indexed by person_name_birth_date, which starts with it.
    district = models.ForeignKey(
        AreaNode, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    # The household's community and grid, copied for scope checks and lists: kept by the actions
    # that set the household, not by a database constraint of their own (the household link has
    # one; a large import saved 1.5 s of checks at COMMIT). Deleting an area still refuses while
    # persons name it (PROTECT is Django's). See docs/decisions.md.
    community = models.ForeignKey(
        AreaNode,
        verbose_name=_("community"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    grid = models.ForeignKey(
        AreaNode,
        verbose_name=_("grid"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    name = models.CharField(_("full name"), max_length=100)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    id_number_encrypted = models.BinaryField(_("ID number (encrypted)"), null=True, editable=False)
    id_number_index = models.CharField(_("ID number blind index"), max_length=64, blank=True, editable=False)
    id_number_masked = models.CharField(_("ID number"), max_length=18, blank=True, editable=False)
    phone_encrypted = models.BinaryField(_("phone (encrypted)"), null=True, editable=False)
    phone_index = models.CharField(_("phone blind index"), max_length=64, blank=True, editable=False)
    phone_masked = models.CharField(_("phone"), max_length=20, blank=True, editable=False)
    ethnicity = models.CharField(_("ethnicity"), max_length=20, blank=True)
    registered_address = models.CharField(_("registered address (户籍地址)"), max_length=300, blank=True)
    current_address = models.CharField(_("current address"), max_length=300, blank=True)
    residence_status = models.CharField(
        _("residence status"), max_length=20, choices=ResidenceStatus.choices, blank=True
    )
    political_status = models.CharField(
        _("political affiliation"), max_length=20, choices=PoliticalStatus.choices, blank=True
    )
    education = models.CharField(_("education"), max_length=20, choices=Education.choices, blank=True)
    employer = models.CharField(_("employer"), max_length=200, blank=True)
    # Sensitive personal information (PIPL art. 28): one encrypted JSON document, see SENSITIVE_FACTS.
    sensitive_encrypted = models.BinaryField(_("sensitive facts (encrypted)"), null=True, editable=False)
    status = models.CharField(_("status"), max_length=20, choices=PersonStatus.choices, default=PersonStatus.ACTIVE)
    status_changed_on = models.DateField(_("status changed on"), null=True, blank=True)
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True, editable=False)
    # The person's own account on the platform, when they have one (a member or worker who logs
    # in): notices meant for the person reach this user.
    user = models.OneToOneField(
        "accounts.User",
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "id_number_index"],
                condition=~models.Q(id_number_index=""),
                name="person_id_number_unique_in_district",
            ),
        ]
        indexes = [
            # Exact lookup by phone; residents of a community / grid.
            models.Index(fields=["phone_index"], name="person_phone_index"),
            models.Index(fields=["community", "name"], name="person_community"),
            models.Index(fields=["grid", "name"], name="person_grid"),
            # Possible matches of an import: persons of a district by name and birth date.
            models.Index(fields=["district", "name", "birth_date"], name="person_name_birth_date"),
            # The few without an ID number: the possible matches of a row with a new number.
            models.Index(
                fields=["district", "name", "birth_date"],
                condition=models.Q(id_number_index=""),
                name="person_without_id_number",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Relation(models.TextChoices):
    HEAD = "head", _("Head of household")
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    GRANDCHILD = "grandchild", _("Grandchild")
    GRANDPARENT = "grandparent", _("Grandparent")
    SIBLING = "sibling", _("Sibling")
    OTHER = "other", _("Other")


class HouseholdMember(TimeStamped):
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="households")
    household = models.ForeignKey(
        AreaNode, verbose_name=_("household"), on_delete=models.CASCADE, related_name="members"
    )
    relation = models.CharField(_("relation"), max_length=20, choices=Relation.choices, default=Relation.OTHER)

    class Meta:
        verbose_name = _("household member")
        verbose_name_plural = _("household members")
        ordering = ["household_id", "id"]
        constraints = [models.UniqueConstraint(fields=["person", "household"], name="household_member_unique")]

    def __str__(self) -> str:
        return f"{self.person} · {self.household}"


class MemberKind(models.TextChoices):
    IN_SERVICE = "in_service", _("In-service member")
    RETIRED = "retired", _("Retired member")
    STUDENT = "student", _("Student member")


class MemberProfile(TimeStamped):
    district = models.ForeignKey(AreaNode, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+")
    person = models.OneToOneField(Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="member")
    kind = models.CharField(_("kind"), max_length=20, choices=MemberKind.choices)
    home_community = models.ForeignKey(
        AreaNode, verbose_name=_("home community"), on_delete=models.PROTECT, related_name="+"
    )
    org_unit = models.ForeignKey(
        "orgs.OrgUnit",
        verbose_name=_("organisation unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    # 报到: the date the member registered with the home community's party organisation.
    reported_on = models.DateField(_("registered with the community on"), null=True, blank=True)

    class Meta:
        verbose_name = _("member profile")
        verbose_name_plural = _("member profiles")
        ordering = ["person__name"]

    def __str__(self) -> str:
        return str(self.person)


class WorkerKind(models.TextChoices):
    FULL_TIME = "full_time", _("Full-time community worker")
    CIVIL_AFFAIRS = "civil_affairs", _("Civil-affairs assistant")
    SOCIAL_SECURITY = "social_security", _("Social-security assistant")
    GRID_WORKER = "grid_worker", _("Grid worker")
    GRID_LEADER = "grid_leader", _("Grid leader")
    GRID_SECRETARY = "grid_secretary", _("Grid secretary")


class WorkerProfile(TimeStamped):
    district = models.ForeignKey(AreaNode, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="worker_roles")
    kind = models.CharField(_("kind"), max_length=20, choices=WorkerKind.choices)
    area = models.ForeignKey(AreaNode, verbose_name=_("works in"), on_delete=models.PROTECT, related_name="workers")
    community = models.ForeignKey(
        AreaNode, verbose_name=_("community"), null=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    grid = models.ForeignKey(
        AreaNode, verbose_name=_("grid"), null=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )

    class Meta:
        verbose_name = _("worker profile")
        verbose_name_plural = _("worker profiles")
        ordering = ["area_id", "kind"]
        indexes = [
            models.Index(fields=["grid", "kind"], name="worker_grid_kind"),
            models.Index(fields=["community", "kind"], name="worker_community_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_kind_display()}"


# The fields a reveal shows in clear (everything else about a person is shown as stored).
REVEALABLE_FIELDS = ("id_number", "phone", "sensitive")


class RevealGrant(TimeStamped):
    """A user's permission to see one person's personal data in clear until `expires_at`.

    Created only by `people.actions.reveal_personal_data` (which checks role and scope and
    writes the audit row with the reason); while it lasts the same user reads those fields in
    clear without giving another reason, each reading audited as a view.
    """

    district = models.ForeignKey(AreaNode, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        "accounts.User", verbose_name=_("user"), on_delete=models.CASCADE, related_name="reveal_grants"
    )
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="reveal_grants")
    fields = models.JSONField(_("fields"), default=list)
    reason = models.CharField(_("reason"), max_length=500)
    expires_at = models.DateTimeField(_("expires at"))

    class Meta:
        verbose_name = _("reveal grant")
        verbose_name_plural = _("reveal grants")
        ordering = ["-expires_at", "-id"]
        indexes = [
            # "Which of these persons may this user see in clear now?" (visible_fields).
            models.Index(fields=["user", "person", "expires_at"], name="reveal_grant_user_person"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.person_id} · {self.expires_at:%Y-%m-%d %H:%M}"


class PersonCorrection(TimeStamped):
    """One correction of a person's record: who, when, why, which fields, and the values they
    had before, encrypted as one JSON document (they are personal data too). Cleared when the
    person is anonymised."""

    district = models.ForeignKey(AreaNode, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="corrections")
    actor = models.ForeignKey(
        "accounts.User", verbose_name=_("corrected by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=500)
    fields = models.JSONField(_("fields"), default=list)
    old_values_encrypted = models.BinaryField(_("previous values (encrypted)"), null=True, editable=False)

    class Meta:
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")
        ordering = ["person_id", "-created_at", "-id"]
        indexes = [
            # A person's correction history (access report).
            models.Index(fields=["person", "created_at"], name="person_correction_history"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} · {self.created_at:%Y-%m-%d}"
