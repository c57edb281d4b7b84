"""Every app with an `errors.py` lists its stable codes in one `ErrorCode` enum, and its source
keeps to it: every code it raises is a member (of its own enum or of an app below it), named
as the member rather than written as a string, with the member's status; every member is
raised; and a member reaches messages, JSON and other processes as its plain string.

The apps are found in the app registry, so an app that adds an `errors.py` is checked here
without editing this file. Checks only one app has stay in that app's tests (the OpenAPI
document in `api`, the list for users in docs/import.md in `ledgers`)."""

import ast
import json
import pickle
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path

import pytest
from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder

from wangge.lib.errors import DomainError, ErrorCode, Invalid

WANGGE = Path(__file__).resolve().parents[2]
PYPROJECT = WANGGE.parent / "pyproject.toml"
NOT_SOURCE = {"tests", "migrations"}

# The calls that raise or answer an error: the position of their code argument, and their
# status: fixed, the `status` keyword (400 without it), a positional argument, or none (a
# value that cannot be used, kept with its row: never an HTTP answer by itself).
RAISERS: dict[str, tuple[int, int | str | None]] = {
    "DomainError": (0, "status="),
    "__init__": (0, "status="),  # a subclass of DomainError calling its base (RateLimited)
    "require_text": (1, 400),  # cases: a text that must not be blank
    "require_reason": (1, 400),  # accounts.audit: the reason personal data is read for
    "bad_request": (0, 400),  # open311's answers
    "not_found": (0, 404),
    "forbidden": (0, 403),
    "Open311Error": (1, "argument 0"),
    "error_response": (2, "argument 1"),  # (request, status, code, message)
    "Refused": (1, "argument 0"),  # the web edge's refusals, which the API answers too
    "Invalid": (0, None),
    "problem": (1, None),  # onboarding: a row's problem kept in the report (row, code, message)
}
# Keywords that give a code: the code a failed run records (`error_code=`, to any call) and a
# code handed to a function called by its bare name (`code=`).
ANY_CALL_KEYWORDS = {"error_code"}
BARE_CALL_KEYWORDS = {"code"}

# Modules (by file name, in the app) whose row checks still write their codes as literals;
# each literal must still be a member of the app's enum.
LITERALS_ALLOWED: dict[str, set[str]] = {"ledgers": {"cleaning.py"}}
# Apps whose enum also declares, to list them in the API's documentation, codes raised below
# the API or by an app without codes of its own: such a member is raised when its string is
# raised anywhere, as a literal or as another enum's member.
DECLARES_OTHERS_CODES = {"api"}


@dataclass(frozen=True)
class App:
    name: str  # the package under wangge/, as the layers contract names it
    root: Path
    enums: tuple[type[ErrorCode], ...]

    @property
    def sources(self) -> list[Path]:
        return sorted(p for p in self.root.rglob("*.py") if not NOT_SOURCE & set(p.relative_to(self.root).parts))

    @property
    def members(self) -> list[ErrorCode]:
        return [member for enum in self.enums for member in enum]


def _apps() -> list[App]:
    found = []
    for config in apps.get_app_configs():
        root = Path(config.path)
        if not config.name.startswith("wangge.") or not (root / "errors.py").exists():
            continue
        module = import_module(f"{config.name}.errors")
        enums = tuple(
            value
            for value in vars(module).values()
            if isinstance(value, type)
            and issubclass(value, ErrorCode)
            and value is not ErrorCode
            and value.__module__ == module.__name__
        )
        found.append(App(config.name.removeprefix("wangge."), root, enums))
    return found


APPS = _apps()
ENUMS: dict[str, type[ErrorCode]] = {enum.__name__: enum for app in APPS for enum in app.enums}
OWNER: dict[type[ErrorCode], App] = {enum: app for app in APPS for enum in app.enums}


def _layers() -> dict[str, int]:
    """Each app's height in the import-linter layers contract (`lib` is 0)."""
    contracts = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["importlinter"]["contracts"]
    layers = next(contract for contract in contracts if contract["id"] == "layers")["layers"]
    return {name.strip(" ()"): height for height, line in enumerate(reversed(layers)) for name in line.split(":")}


LAYERS = _layers()


@dataclass(frozen=True)
class Site:
    path: Path
    line: int
    code: ast.expr
    status: int | None  # the status the call answers with, when the source fixes it

    def __str__(self) -> str:
        return f"{self.path.relative_to(WANGGE)}:{self.line} {ast.unparse(self.code)}"

    @property
    def member(self) -> ErrorCode | None:
        """The member the site names as `Enum.NAME`, for an enum of an app."""
        code = self.code
        if isinstance(code, ast.Attribute) and isinstance(code.value, ast.Name) and code.value.id in ENUMS:
            return ENUMS[code.value.id].__members__.get(code.attr)
        return None

    @property
    def literal(self) -> str | None:
        code = self.code
        return code.value if isinstance(code, ast.Constant) and isinstance(code.value, str) and code.value else None


def _callee(node: ast.Call) -> str:
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _constant(node: ast.expr | None) -> int | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, int) else None


def _status(node: ast.Call, how: int | str | None) -> int | None:
    if how == "status=":
        given = [k.value for k in node.keywords if k.arg == "status"]
        if given:
            return _constant(given[0])
        # Without status=, a member answers with its own status and a plain string with 400.
        return None if node.args and isinstance(node.args[0], ast.Attribute) else 400
    if isinstance(how, str):
        index = int(how.removeprefix("argument "))
        return _constant(node.args[index] if len(node.args) > index else None)
    return how


def raise_sites(paths: list[Path]) -> Iterator[Site]:
    """Every code given to a raise call or code keyword in `paths`; the enum modules themselves
    (whose helpers pass a code on) are left out."""
    for path in paths:
        if path.name == "errors.py" and path.parent.name in {app.name for app in APPS}:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if not isinstance(node, ast.Call):
                continue
            name = _callee(node)
            if name in RAISERS:
                at, how = RAISERS[name]
                if len(node.args) > at:
                    yield Site(path, node.lineno, node.args[at], _status(node, how))
            keywords = ANY_CALL_KEYWORDS | (BARE_CALL_KEYWORDS if isinstance(node.func, ast.Name) else set())
            yield from (Site(path, node.lineno, k.value, None) for k in node.keywords if k.arg in keywords)


def _all_sources() -> list[Path]:
    return sorted(p for p in WANGGE.rglob("*.py") if not NOT_SOURCE & set(p.relative_to(WANGGE).parts))


def _may_use(app: App, enum: type[ErrorCode]) -> bool:
    """The app's own enum, or one of an app in a lower layer."""
    owner = OWNER[enum]
    return owner is app or LAYERS[owner.name] < LAYERS[app.name]


def _literal_allowed(app: App, site: Site) -> bool:
    return site.path.name in LITERALS_ALLOWED.get(app.name, set())


by_app = pytest.mark.parametrize("app", APPS, ids=[app.name for app in APPS])


def test_every_app_with_an_errors_module_is_checked():
    with_errors = {path.parent.name for path in WANGGE.glob("*/errors.py")} - {"lib"}  # lib: the base class
    assert {app.name for app in APPS} == with_errors
    assert {"cases", "api", "open311", "people", "ledgers"} <= with_errors
    assert all(app.name in LAYERS for app in APPS)


@by_app
def test_the_app_lists_its_codes_in_one_enum(app):
    assert len(app.enums) == 1, app.enums
    assert len(app.members) > 0


@by_app
def test_the_scan_reads_the_whole_app(app):
    sources = app.sources
    assert app.root / "errors.py" in sources
    packages = {p.parent for p in app.root.rglob("__init__.py") if not NOT_SOURCE & set(p.relative_to(app.root).parts)}
    assert packages <= {p.parent for p in sources}  # modules in sub-packages (`actions/`) too
    assert [s for s in raise_sites(sources) if s.member in app.members], "no raise site found: the scan has gone wrong"


@by_app
def test_every_member_the_source_names_exists(app):
    misnamed = []
    for path in app.sources:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in ENUMS
                and not node.attr.startswith("_")
                and node.attr not in ENUMS[node.value.id].__members__
            ):
                misnamed.append(f"{path.relative_to(WANGGE)}:{node.lineno} {node.value.id}.{node.attr}")
    assert misnamed == []


@by_app
def test_every_code_raised_is_a_member_of_the_app_or_of_an_app_below(app):
    sites = list(raise_sites(app.sources))
    foreign = [str(s) for s in sites if s.member is not None and not _may_use(app, type(s.member))]
    own_values = {member.value for member in app.members}
    unknown_literals = [str(s) for s in sites if s.literal is not None and s.literal not in own_values]
    assert foreign == []
    assert unknown_literals == []


@by_app
def test_raise_sites_name_the_member_not_its_string(app):
    literals = [str(s) for s in raise_sites(app.sources) if s.literal is not None and not _literal_allowed(app, s)]
    assert literals == []  # a code given as a string would escape the enum


@by_app
def test_each_raise_site_answers_with_the_members_status(app):
    wrong = []
    for site in raise_sites(app.sources):
        member = site.member or next((m for m in app.members if m.value == site.literal), None)
        if member is not None and site.status is not None and site.status != member.status:
            wrong.append(f"{site} answers {site.status}; {type(member).__name__} says {member.status}")
    assert wrong == []


@by_app
def test_every_member_is_raised(app):
    raised: set[ErrorCode] = set()
    for site in raise_sites(app.sources):
        if site.member is not None:
            raised.add(site.member)
        elif site.literal is not None:
            raised.update(m for m in app.members if m.value == site.literal)
    if app.name in DECLARES_OTHERS_CODES:
        strings = set()
        for site in raise_sites(_all_sources()):
            if site.member is not None:
                strings.add(site.member.value)
            elif site.literal is not None:
                strings.add(site.literal)
            elif isinstance(site.code, ast.Attribute):
                strings.add(site.code.attr.lower())
        raised.update(m for m in app.members if m.value in strings)
    assert [f"{type(m).__name__}.{m.name}" for m in app.members if m not in raised] == []


@by_app
def test_each_member_has_its_status_and_a_one_line_meaning(app):
    for member in app.members:
        assert member.value == member.name.lower(), member
        assert isinstance(member.status, int) and 400 <= member.status < 600, member
        meaning = member.meaning
        assert meaning and meaning == meaning.strip() and "\n" not in meaning, member


@pytest.mark.parametrize(
    "member", [m for app in APPS for m in app.members], ids=lambda m: f"{type(m).__name__}.{m.name}"
)
def test_a_member_is_its_plain_string(member):
    value = member.value
    assert type(value) is str
    assert f"{member}" == str(member) == value
    assert json.dumps({"code": member}) == json.dumps({"code": value})
    assert json.dumps({"code": member}, cls=DjangoJSONEncoder) == json.dumps({"code": value})

    error = DomainError(member, "x", status=member.status)
    assert type(error.code) is str and error.code == value and error.status == member.status
    assert str(error) == f"{value}: x"
    assert json.dumps({"code": error.code}, cls=DjangoJSONEncoder) == json.dumps({"code": value})

    problem = Invalid(member, "x")
    assert json.dumps({"code": problem.code, "message": problem.message}) == json.dumps({"code": value, "message": "x"})
    sent = pickle.loads(pickle.dumps(problem))  # noqa: S301 (our own bytes)
    assert sent.code == value and str(sent.code) == value
