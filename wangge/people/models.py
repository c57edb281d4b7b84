"""Persons, their households, and their member and worker profiles.

ID numbers and phone numbers are stored only encrypted (AES-GCM), with an HMAC blind index
for exact lookup and a masked form for display. Reading the plaintext goes through
`people.actions.reveal_personal_data`, which writes an audit row.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from wangge.areas.models import AreaNode
from wangge.lib.models import TimeStamped


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class Person(TimeStamped):
    district = models.ForeignKey(AreaNode, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+")
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
    name = models.CharField(_("full name"), max_length=100)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    id_number_encrypted = models.BinaryField(_("ID number (encrypted)"), null=True, editable=False)
    id_number_index = models.CharField(_("ID number blind index"), max_length=64, blank=True, editable=False)
    id_number_masked = models.CharField(_("ID number"), max_length=18, blank=True, editable=False)
    phone_encrypted = models.BinaryField(_("phone (encrypted)"), null=True, editable=False)
    phone_index = models.CharField(_("phone blind index"), max_length=64, blank=True, editable=False)
    phone_masked = models.CharField(_("phone"), max_length=20, blank=True, editable=False)

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
        ]

    def __str__(self) -> str:
        return self.name


class Relation(models.TextChoices):
    HEAD = "head", _("Head of household")
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    OTHER = "other", _("Other")


class HouseholdMember(TimeStamped):
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="households")
    household = models.ForeignKey(
        AreaNode, verbose_name=_("household"), on_delete=models.CASCADE, related_name="members"
    )
    relation = models.CharField(_("relation"), max_length=10, choices=Relation.choices, default=Relation.OTHER)

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
