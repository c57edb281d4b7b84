"""The steps of onboarding a district from its own files, in order: what each step imports, the
function that imports it (a dry run unless `commit`; all or nothing; a second run of the same
file changes nothing), the files it accepts, and whether the district has it yet (read from
the records, not remembered).

A step's function is named by its dotted path and looked up when used, so a step whose import
is not installed shows as not available rather than breaking the others.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from wangge.accounts.models import Role, RoleAssignment
from wangge.areas.models import AreaNode, GridBoundary, Level
from wangge.orgs.models import OrgUnit, ResidentUnit


@dataclass(frozen=True)
class Step:
    key: str
    title: str | Promise
    summary: str | Promise
    function: str  # dotted path of the import: (acting_user, *, district, path, commit, **options)
    extensions: tuple[str, ...]  # accepted file name endings, lower case
    options: tuple[str, ...] = ()  # keyword options the step asks for: "crs", "allow_gaps"

    @property
    def grids(self) -> bool:
        return self.key == "grids"


STEPS = [
    Step(
        "grids",
        _("Grids"),
        _("The grid boundaries as GeoJSON (WGS-84), with the community of each grid."),
        "wangge.onboarding.grids.import_grids_file",
        (".geojson", ".json"),
        ("allow_gaps",),
    ),
    Step(
        "addresses",
        _("Address book"),
        _("Buildings and households with their address and position, one row each."),
        "wangge.onboarding.addresses.import_addresses",
        (".xlsx", ".xls", ".csv"),
        ("crs",),
    ),
    Step(
        "staff",
        _("Staff roster"),
        _("Community staff and grid workers with their roles; each new account gets a one-time password."),
        "wangge.onboarding.staff.import_staff",
        (".xlsx", ".xls", ".csv"),
    ),
    Step(
        "org_units",
        _("Organisation units"),
        _("The units on the area tree (community committees, grid branches, …) from their ledger."),
        "wangge.onboarding.units.import_org_units",
        (".xlsx", ".xls", ".csv"),
    ),
    Step(
        "resident_units",
        _("Resident units"),
        _("Companies and institutions in the district from their ledger."),
        "wangge.onboarding.units.import_resident_units",
        (".xlsx", ".xls", ".csv"),
    ),
]
STEP_BY_KEY = {step.key: step for step in STEPS}


def importer(step: Step) -> Callable[..., Any] | None:
    """The step's import function, or None while it is not installed."""
    try:
        return import_string(step.function)  # type: ignore[no-any-return]
    except ImportError:
        return None


def run(step: Step, acting_user: Any, *, district: AreaNode, path: str, commit: bool, options: dict[str, Any]) -> Any:
    """Run the step's import on a stored file: its report (`OnboardingReport`, or
    `GridImportReport` for grids). Options the step does not ask for are left out."""
    function = importer(step)
    if function is None:
        raise LookupError(step.function)
    chosen = {name: options[name] for name in step.options if options.get(name) not in (None, "")}
    return function(acting_user, district=district, path=path, commit=commit, **chosen)


# Roles a staff import gives (everyone but the administrators and the public).
STAFF_ROLES = [
    Role.COMMUNITY_STAFF,
    Role.GRID_SECRETARY,
    Role.GRID_LEADER,
    Role.GRID_WORKER,
    Role.DEPARTMENT,
    Role.SUPERVISOR,
]


@dataclass(frozen=True)
class StepState:
    done: bool
    count: int


def step_states(district: AreaNode) -> dict[str, StepState]:
    """Whether the district has each step's records yet, with their count. Four queries."""
    grids = GridBoundary.objects.filter(district=district, valid_to__isnull=True).aggregate(
        grids=Count("grid_id", distinct=True)
    )["grids"]
    areas = AreaNode.objects.filter(district=district).aggregate(
        buildings=Count("pk", filter=Q(level=Level.BUILDING)),
    )
    staff = RoleAssignment.objects.filter(district=district, role__in=STAFF_ROLES).values("user_id").distinct().count()
    org_units = OrgUnit.objects.filter(district=district).count()
    resident_units = ResidentUnit.objects.filter(district=district).count()
    counts = {
        "grids": grids,
        "addresses": areas["buildings"],
        "staff": staff,
        "org_units": org_units,
        "resident_units": resident_units,
    }
    return {key: StepState(done=count > 0, count=count) for key, count in counts.items()}
