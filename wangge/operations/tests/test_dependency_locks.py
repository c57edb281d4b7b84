"""The hashed locks (requirements/; docs/deploy.md, "Dependencies") pin exactly the versions
pyproject.toml names: a dependency added or moved in pyproject.toml without `make lock` fails
here, before `make install --require-hashes` would leave it out."""

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(requirements: list[str]) -> dict[str, str]:
    found = {}
    for line in requirements:
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?==([^\s;]+)", line.split("#")[0].strip())
        assert match, f"not pinned to one version: {line}"
        found[canonical(match.group(1))] = match.group(2)
    return found


def locked(name: str) -> dict[str, str]:
    text = (ROOT / "requirements" / name).read_text(encoding="utf-8")
    return {canonical(m.group(1)): m.group(2) for m in re.finditer(r"^([A-Za-z0-9_.-]+)==(\S+) \\$", text, re.M)}


@pytest.mark.parametrize(("lock", "groups"), [("runtime.txt", ["dependencies"]), ("dev.txt", ["dependencies", "dev"])])
def test_each_lock_pins_the_versions_pyproject_names(lock, groups):
    wanted: dict[str, str] = {}
    for group in groups:
        wanted |= pins(PROJECT["dependencies"] if group == "dependencies" else PROJECT["optional-dependencies"][group])
    have = locked(lock)
    assert {name: have.get(name) for name in wanted} == wanted


def test_every_locked_package_carries_its_hashes():
    for lock in ["runtime.txt", "dev.txt"]:
        text = (ROOT / "requirements" / lock).read_text(encoding="utf-8")
        entries = re.findall(r"^[A-Za-z0-9_.-]+==\S+ \\\n(?:\s+--hash=sha256:[0-9a-f]{64}(?: \\)?\n)+", text, re.M)
        assert len(entries) == len(re.findall(r"^[A-Za-z0-9_.-]+==", text, re.M)) > 40, lock
