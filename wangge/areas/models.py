"""The area tree and the versioned grid boundaries laid on it.

Every node stores the ids of its ancestors at each fixed level (and its own id in the
column of its own level), so "everything under this node" is one indexed equality:
`AreaNode.objects.filter(grid_id=X)` is the grid X and all it contains.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from wangge.lib.levels import ANCESTOR_LEVELS, LEVELS, Level, child_level
from wangge.lib.models import TimeStamped

__all__ = ["ANCESTOR_LEVELS", "LEVELS", "AreaNode", "GridBoundary", "Level", "child_level"]


class AreaNode(TimeStamped):
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    name = models.CharField(_("name"), max_length=200)
    code = models.CharField(_("code"), max_length=64, help_text=_("Unique within the district."))
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Ancestor columns: the subtree of node N at level L is `L_id = N`.
    # A district node's `district` is itself.
    district = models.ForeignKey(
        "self", verbose_name=_("district"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    community = models.ForeignKey(
        "self", verbose_name=_("community"), null=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    grid = models.ForeignKey(
        "self", verbose_name=_("grid"), null=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    building_group = models.ForeignKey(
        "self", verbose_name=_("building group"), null=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    building = models.ForeignKey(
        "self", verbose_name=_("building"), null=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    # WGS-84 point: buildings carry one; other nodes may (e.g. a representative point).
    lng = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["district", "code"], name="area_code_unique_in_district"),
        ]
        indexes = [
            # Subtree of a district / community / grid / building group / building, by level.
            models.Index(fields=["district", "level", "code"], name="area_district_level"),
            models.Index(fields=["community", "level", "code"], name="area_community_level"),
            models.Index(fields=["grid", "level", "code"], name="area_grid_level"),
            models.Index(fields=["building_group", "level"], name="area_bgroup_level"),
            models.Index(fields=["building", "level"], name="area_building_level"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_household(self) -> bool:
        return self.level == Level.HOUSEHOLD


class GridBoundary(TimeStamped):
    """One generation of a grid's polygon. Redrawing closes the current row and adds a new one."""

    district = models.ForeignKey(AreaNode, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey(AreaNode, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="boundaries")
    generation = models.PositiveIntegerField(_("generation"))
    geometry = models.JSONField(_("boundary (GeoJSON, WGS-84)"))
    area_m2 = models.FloatField(_("area (m²)"))
    valid_from = models.DateTimeField(_("valid from"))
    valid_to = models.DateTimeField(_("valid to"), null=True, blank=True)

    class Meta:
        verbose_name = _("grid boundary")
        verbose_name_plural = _("grid boundaries")
        ordering = ["grid_id", "-generation"]
        constraints = [
            models.UniqueConstraint(
                fields=["grid"], condition=models.Q(valid_to__isnull=True), name="grid_one_current_boundary"
            ),
            models.UniqueConstraint(fields=["grid", "generation"], name="grid_generation_unique"),
        ]
        indexes = [
            # Current boundaries of a district (point index, map layer); boundaries valid at a date.
            models.Index(fields=["district", "valid_to", "valid_from"], name="boundary_district_validity"),
        ]

    def __str__(self) -> str:
        return f"{self.grid} #{self.generation}"
