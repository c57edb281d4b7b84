"""Organisation units, resident units, responsibility zones and demonstration households.

The vertical units are laid 1:1 on area nodes: community → community committee, grid →
grid general branch, building group → building-group branch, building → building group.
Horizontal units (merchants, sectors, temporary project branches) attach to any area.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from wangge.areas.models import AreaNode, Level
from wangge.lib.models import TimeStamped


class UnitKind(models.TextChoices):
    COMMUNITY_COMMITTEE = "community_committee", _("Community committee")
    GRID_BRANCH = "grid_branch", _("Grid general branch")
    BUILDING_GROUP_BRANCH = "building_group_branch", _("Building-group branch")
    BUILDING_CELL = "building_cell", _("Building party group")
    MERCHANTS_BRANCH = "merchants_branch", _("Merchants' joint branch")
    SECTOR_BRANCH = "sector_branch", _("Sector branch")
    TEMPORARY_BRANCH = "temporary_branch", _("Temporary branch")


# Vertical unit kind for each area level it is laid on.
VERTICAL_KIND_FOR_LEVEL: dict[str, str] = {
    Level.COMMUNITY: UnitKind.COMMUNITY_COMMITTEE,
    Level.GRID: UnitKind.GRID_BRANCH,
    Level.BUILDING_GROUP: UnitKind.BUILDING_GROUP_BRANCH,
    Level.BUILDING: UnitKind.BUILDING_CELL,
}
VERTICAL_KINDS = list(VERTICAL_KIND_FOR_LEVEL.values())
HORIZONTAL_KINDS = [UnitKind.MERCHANTS_BRANCH, UnitKind.SECTOR_BRANCH, UnitKind.TEMPORARY_BRANCH]


class OrgLevelName(TimeStamped):
    """A district's own name for a kind of unit; without a row the default label is used."""

    district = models.ForeignKey(AreaNode, verbose_name=_("district"), on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=30, choices=UnitKind.choices)
    name = models.CharField(_("name"), max_length=50)

    class Meta:
        verbose_name = _("unit level name")
        verbose_name_plural = _("unit level names")
        ordering = ["district_id", "kind"]
        constraints = [models.UniqueConstraint(fields=["district", "kind"], name="level_name_unique")]

    def __str__(self) -> str:
        return self.name


class OrgUnit(TimeStamped):
    district = models.ForeignKey(AreaNode, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey(AreaNode, verbose_name=_("area"), on_delete=models.PROTECT, related_name="org_units")
    kind = models.CharField(_("kind"), max_length=30, choices=UnitKind.choices)
    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Ancestor columns copied from the area, so scope filters need no join.
    community = models.ForeignKey(
        AreaNode, verbose_name=_("community"), null=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    grid = models.ForeignKey(
        AreaNode, verbose_name=_("grid"), null=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    sector = models.CharField(_("sector or host organisation"), max_length=200, blank=True)
    opens_on = models.DateField(_("opens on"), null=True, blank=True)
    closes_on = models.DateField(_("closes on"), null=True, blank=True)
    secretary = models.ForeignKey(
        "people.Person", verbose_name=_("secretary"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("organisation unit")
        verbose_name_plural = _("organisation units")
        ordering = ["district_id", "kind", "name"]
        constraints = [
            # One vertical unit per area node (the 1:1 lay-over); horizontal units are free.
            models.UniqueConstraint(
                fields=["area"], condition=models.Q(kind__in=VERTICAL_KINDS), name="org_one_vertical_unit_per_area"
            ),
            models.CheckConstraint(
                condition=models.Q(closes_on__isnull=True)
                | models.Q(opens_on__isnull=True)
                | models.Q(closes_on__gte=models.F("opens_on")),
                name="org_closes_after_opening",
            ),
        ]
        indexes = [
            # Units in a community / grid (scope filters, grid page).
            models.Index(fields=["community", "kind"], name="org_community_kind"),
            models.Index(fields=["grid", "kind"], name="org_grid_kind"),
            models.Index(fields=["district", "kind"], name="org_district_kind"),
        ]

    def __str__(self) -> str:
        return self.name


class ResidentUnit(TimeStamped):
    """驻区单位: an organisation based in the district that shares facilities and responsibilities."""

    district = models.ForeignKey(AreaNode, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey(AreaNode, verbose_name=_("area"), on_delete=models.PROTECT, related_name="resident_units")
    community = models.ForeignKey(
        AreaNode, verbose_name=_("community"), null=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    grid = models.ForeignKey(
        AreaNode, verbose_name=_("grid"), null=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=100, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    # The day the unit left the district (moved, closed); it stays listed as closed, with its history.
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("resident unit")
        verbose_name_plural = _("resident units")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["community"], name="resident_unit_community"),
            models.Index(fields=["grid"], name="resident_unit_grid"),
        ]

    def __str__(self) -> str:
        return self.name


class ResponsibilityZone(TimeStamped):
    """党员责任区: the buildings or households one member answers for."""

    district = models.ForeignKey(AreaNode, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(
        "people.MemberProfile", verbose_name=_("member"), on_delete=models.CASCADE, related_name="zones"
    )
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("responsibility zone")
        verbose_name_plural = _("responsibility zones")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ZoneArea(models.Model):
    """A building or household in a responsibility zone (a building covers its households)."""

    zone = models.ForeignKey(ResponsibilityZone, verbose_name=_("zone"), on_delete=models.CASCADE, related_name="areas")
    area = models.ForeignKey(AreaNode, verbose_name=_("area"), on_delete=models.PROTECT, related_name="zone_links")
    grid = models.ForeignKey(
        AreaNode, verbose_name=_("grid"), null=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )

    class Meta:
        verbose_name = _("zone area")
        verbose_name_plural = _("zone areas")
        ordering = ["zone_id", "area_id"]
        constraints = [models.UniqueConstraint(fields=["zone", "area"], name="zone_area_unique")]
        indexes = [
            # Coverage: which buildings/households of a grid have a responsible member.
            models.Index(fields=["grid", "area"], name="zone_area_grid"),
        ]

    def __str__(self) -> str:
        return f"{self.zone} · {self.area}"


class DemonstrationHousehold(TimeStamped):
    """党员示范户: a household marked as a members' demonstration household."""

    district = models.ForeignKey(AreaNode, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+")
    household = models.OneToOneField(
        AreaNode, verbose_name=_("household"), on_delete=models.CASCADE, related_name="demonstration"
    )
    grid = models.ForeignKey(
        AreaNode, verbose_name=_("grid"), null=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    since = models.DateField(_("since"))

    class Meta:
        verbose_name = _("demonstration household")
        verbose_name_plural = _("demonstration households")
        ordering = ["household_id"]
        indexes = [models.Index(fields=["grid"], name="demo_household_grid")]

    def __str__(self) -> str:
        return str(self.household)
