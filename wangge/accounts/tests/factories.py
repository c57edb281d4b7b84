"""People of another district, for tests of who may see and manage whom across districts."""

from wangge.accounts.models import Role
from wangge.areas.tests.factories import SmallDistrict, build_small_district
from wangge.conftest import make_persona


def second_district() -> SmallDistrict:
    """A second small district (code U) with its administrator `admin_u` (as `.admin`) and a grid
    worker of its first grid, `worker_u` (as `.worker`)."""
    district = build_small_district("U")
    district.admin = make_persona("admin_u", Role.DISTRICT_ADMIN, district.district)  # type: ignore[attr-defined]
    district.worker = make_persona("worker_u", Role.GRID_WORKER, district.grids[0])  # type: ignore[attr-defined]
    return district
