"""Cases for tests: points inside the small district's grids, cases filed through the real action
or through the REST API, and the steps and readers of the API's case chain that go with them."""

from typing import Any
from zoneinfo import ZoneInfo

from wangge.cases import actions
from wangge.cases.models import Case, Category, Channel

# The time zone deadlines are counted in.
SHANGHAI = ZoneInfo("Asia/Shanghai")

# The centres of grids 0, 1 and 2 of the small district (areas.tests.factories), WGS-84 (lng, lat).
IN_GRID_0 = (117.005, 36.605)
IN_GRID_1 = (117.015, 36.605)
IN_GRID_2 = (117.025, 36.605)


def file(small, catalogue, code="SZ01", point=IN_GRID_0, **kwargs):
    """A case filed on patrol through `actions.file_case` (by `user`, when given, else by the system)."""
    answers = kwargs.pop("answers", {"since": "today"} if code == "SZ01" else {})
    return actions.file_case(
        kwargs.pop("user", None),
        district=small.district,
        category=catalogue[code],
        channel="patrol",
        description="3号楼前路灯不亮",
        lng=point[0],
        lat=point[1],
        answers=answers,
        **kwargs,
    )


# --- the REST API's case chain ------------------------------------------------------------------


def file_via_api(client, category: Any = "SZ01", point=IN_GRID_0, **extra):
    """POST /api/v1/cases; the response, whatever its status."""
    body: dict[str, Any] = {
        "category": category,
        "description": "3号楼前路灯不亮",
        "lng": point[0],
        "lat": point[1],
        "answers": {"since": "today"} if category == "SZ01" else {},
    }
    body.update(extra)
    return client.post("/api/v1/cases", body, content_type="application/json")


def filed(client, **kwargs) -> dict[str, Any]:
    """A case filed through the API: its body (the filing must succeed)."""
    return ok(file_via_api(client, **kwargs), 201)


def ok(response, status: int = 200) -> dict[str, Any]:
    """The body of a response that has `status` (the test fails with the response otherwise)."""
    assert response.status_code == status, (response.status_code, response.content[:800])
    return response.json()  # type: ignore[no-any-return]


def step(client, case: dict[str, Any], name: str, **body: Any):
    """POST /cases/{id}/{name} with the version last seen (unless the body gives one)."""
    if "version" not in body and "version" in case:
        body["version"] = case["version"]
    return client.post(f"/api/v1/cases/{case['id']}/{name}", body, content_type="application/json")


def read(client, case: dict[str, Any]) -> dict[str, Any]:
    """The case's detail as `client` sees it."""
    return ok(client.get(f"/api/v1/cases/{case['id']}"))


# --- a case driven along the chain through the real actions ---------------------------------


def accepted(admin, case):
    return actions.accept(admin, case)


def dispatched(admin, case, unit=None):
    return actions.dispatch(admin, accepted(admin, case), unit=unit)


def in_progress(admin, dept, case, unit=None):
    return actions.start(dept, dispatched(admin, case, unit))


def closed_off(admin, dept, case, result="satisfied"):
    """Accepted, dispatched, handled by `dept`, verified by `admin`, closed by a return visit."""
    handled = actions.handle(dept, in_progress(admin, dept, case), result="已处理")
    return actions.record_visit(admin, actions.verify(admin, handled, passed=True), result=result)


def file_at(user, point=IN_GRID_0, code="SZ01", channel=Channel.PATROL, **extra) -> Case:
    """A case of category `code` filed by `user` through the real action: at `point`, or at
    `building=` when one is given (a street light by default, its required answer given)."""
    category = Category.objects.get(code=code)
    if "building" in extra:
        point = (None, None)
    return actions.file_case(
        user,
        district=category.district,
        category=category,
        channel=channel,
        description=extra.pop("description", "路灯不亮"),
        lng=point[0],
        lat=point[1],
        answers={"since": "today"} if code == "SZ01" else {},
        **extra,
    )
