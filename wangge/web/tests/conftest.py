"""Fixtures for the web tests: a populated small district, extra rows for query-count tests,
and one Chromium per session for the browser tests."""

import datetime as dt
import os
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from django.db import connections
from django.utils import translation

from wangge.areas import actions as area_actions
from wangge.areas.models import AreaNode
from wangge.areas.tests.factories import SmallDistrict, grid_square
from wangge.lib.idnumber import check_digit
from wangge.orgs import actions as org_actions
from wangge.people import actions as people_actions
from wangge.people.models import MemberKind, Person, Relation, WorkerKind
from wangge.web.tests.browser import SCREENSHOTS

CHROMIUM = "/usr/bin/chromium"


def zh(msgid: str) -> str:
    """The Simplified Chinese text for `msgid` (the msgid itself while it is untranslated)."""
    with translation.override("zh-hans"):
        return translation.gettext(msgid)


def id_number(serial: int) -> str:
    first17 = f"370102198001{(serial % 28) + 1:02d}{serial:03d}"[:17]
    return first17 + check_digit(first17)


@dataclass
class Populated:
    small: SmallDistrict
    resident: Person
    member: Person
    secretary: Person


def populate(small: SmallDistrict) -> Populated:
    """Grid 0 fully organised (units, workers, a member's zone, residents, a demonstration
    household); the other grids left with gaps."""
    grid = small.grids[0]
    building = small.buildings[0]
    units = [(small.communities[0], "社区1党委"), (grid, "第1网格党总支"), (small.building_groups[0], "1号楼群党支部")]
    units += [(b, f"{b.name}党小组") for b in small.buildings if b.grid_id == grid.pk]
    org_actions.lay_vertical_units(None, units)
    households = [h for h in small.households if h.building_id == building.pk]
    people = [
        people_actions.PersonInput(
            name=f"居民{i + 1}",
            id_number=id_number(i + 1),
            phone=f"1380000{i:04d}",
            household=h,
            relation=Relation.HEAD,
        )
        for i, h in enumerate(households)
    ]
    people.append(people_actions.PersonInput(name="党员甲", phone="13912345678", household=households[0]))
    people.append(people_actions.PersonInput(name="书记乙", phone="13787654321"))
    persons = people_actions.create_persons(None, district=small.district, people=people)
    member_person, secretary = persons[-2], persons[-1]
    (member,) = people_actions.register_members(None, [(member_person, MemberKind.RETIRED, small.communities[0])])
    org_actions.create_zone(None, member=member, name="1号楼责任区", areas=[building])
    people_actions.add_workers(None, [(secretary, WorkerKind.GRID_SECRETARY, grid)])
    org_actions.mark_demonstration_household(None, household=households[0], since=dt.date(2024, 1, 1))
    return Populated(small, persons[0], member_person, secretary)


@pytest.fixture
def populated(small) -> Populated:
    return populate(small)


def add_rows(small: SmallDistrict, grid_index: int = 0, *, tag: str = "X") -> AreaNode:
    """More building groups, buildings, households and residents in a grid, through the actions."""
    grid = small.grids[grid_index]
    group = area_actions.create_area(None, parent=grid, name=f"{grid.name}{tag}号楼群", code=f"{grid.code}-Q{tag}")
    square = grid_square(grid_index)
    new_households = []
    for b in range(3):
        building = area_actions.create_area(
            None,
            parent=group,
            name=f"{tag}{b}号楼",
            code=f"{group.code}-B{b}",
            lng=square.centroid.x,
            lat=square.centroid.y + 0.001 * b,
        )
        for h in range(4):
            new_households.append(
                area_actions.create_area(None, parent=building, name=f"{tag}{b}-{h}室", code=f"{building.code}-H{h}")
            )
    # Also more households in the first building of the grid, with residents.
    first_building = next(b for b in small.buildings if b.grid_id == grid.pk)
    extra = [
        area_actions.create_area(
            None, parent=first_building, name=f"{tag}加{h}室", code=f"{first_building.code}-{tag}{h}"
        )
        for h in range(3)
    ]
    people_actions.create_persons(
        None,
        district=small.district,
        people=[people_actions.PersonInput(name=f"新居民{tag}{i}", household=h) for i, h in enumerate(extra * 2)],
    )
    return group


def add_grid(small: SmallDistrict, index: int = 4) -> AreaNode:
    """One more grid (with boundary) in the second community."""
    grid = area_actions.create_area(None, parent=small.communities[1], name=f"附加网格{index}", code=f"T-C2-G{index}")
    area_actions.set_grid_boundaries(None, [(grid, grid_square(index))])
    return grid


# --- browser -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """One headless Chromium for the session: skipped without /usr/bin/chromium, except in CI."""
    if not (os.path.exists(CHROMIUM) and shutil.which(CHROMIUM)):
        message = f"Browser tests need Chromium at {CHROMIUM} (apt-get install chromium fonts-noto-cjk)."
        if os.environ.get("CI") == "true":
            pytest.fail(message + " CI=true: failing instead of skipping.", pytrace=False)
        pytest.skip(message)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - dev dependency
        if os.environ.get("CI") == "true":
            pytest.fail("Browser tests need the playwright package (pip install -e '.[dev]').", pytrace=False)
        pytest.skip("Browser tests need the playwright package (pip install -e '.[dev]').")
    # Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run
    # inside one unless told it is safe (it is: the loop only drives the browser).
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            yield chromium
        finally:
            chromium.close()
            # Django's connections opened while the loop ran belong to its context: closed
            # here, or they stay open after it and the test database cannot be dropped.
            connections.close_all()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def wait_for_live_server_requests(timeout: float = 10.0) -> None:
    """Wait until the live server has finished every request the closed browser made.

    On in-memory SQLite the server threads share the test's connection; a request still
    reading a table when the test's database is flushed makes the flush fail with
    "database table is locked". Each connection is served by its own thread, which ends
    once the browser has closed the connection and the last request is answered.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any("process_request_thread" in thread.name for thread in threading.enumerate()):
            return
        time.sleep(0.02)


@pytest.fixture
def make_page(browser, live_server) -> Iterator:
    """A fresh browser context (zh-CN) per page; any request leaving the live server fails the test."""
    contexts = []
    outside: list[str] = []
    server = urlsplit(live_server.url).netloc

    def make(viewport: dict, *, mobile: bool = False):
        context = browser.new_context(
            locale="zh-CN",
            viewport=viewport,
            is_mobile=mobile,
            has_touch=mobile,
            device_scale_factor=2 if mobile else 1,
        )
        context.set_default_timeout(10_000)

        def guard(route):
            if urlsplit(route.request.url).netloc == server or route.request.url.startswith("data:"):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        context.route("**/*", guard)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
    wait_for_live_server_requests()
    assert outside == [], f"requests left the test server: {outside}"
