"""The container definition and the compose file of the two-server topology (deploy/), checked
without a container engine (none runs on the machines the tests run on; docs/deploy.md,
"Containers"): the services are there and wired as documented, every variable they set is one
settings.py reads, the commands they run are the platform's, the image runs as a user of its
own from the hashed lock, nginx balances over exactly the app servers, and the environment the
compose file gives passes `wangge check --deploy`."""

import json
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
SETTINGS = (ROOT / "wangge" / "settings.py").read_text(encoding="utf-8")
APP_SERVICES = ["app1", "app2", "worker", "migrate"]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


def env_file(name: str) -> dict[str, str]:
    lines = (DEPLOY / name).read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def dockerfile() -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (INSTRUCTION, arguments), continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", (DEPLOY / "Dockerfile").read_text(encoding="utf-8"))
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line.strip() else "")
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def test_the_topology_is_two_app_servers_a_worker_one_primary_and_a_load_balancer(compose):
    assert set(compose["services"]) == {"db", "migrate", "app1", "app2", "worker", "proxy"}
    assert compose["services"]["db"]["image"].startswith("postgres:")
    assert compose["services"]["proxy"]["image"].startswith("nginx:")
    for name in ["app1", "app2", "worker"]:
        service = compose["services"][name]
        assert service["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}
        assert service["secrets"] == ["wangge_keys"] and "media:/srv/wangge/media" in service["volumes"]
    assert compose["services"]["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert compose["services"]["migrate"]["restart"] == "no"
    # Only the load balancer is published: the servers are reachable through it alone.
    assert [name for name, s in compose["services"].items() if "ports" in s] == ["proxy"]


def test_the_services_run_the_platforms_own_commands(compose):
    commands = get_commands()
    for name in APP_SERVICES:
        program, command, *args = compose["services"][name]["command"]
        assert program == "wangge" and command in commands, name
    assert compose["services"]["worker"]["command"] == ["wangge", "worker"]
    for name in ["app1", "app2"]:
        assert compose["services"][name]["command"][:4] == ["wangge", "serve", "--host", "0.0.0.0"]  # noqa: S104 (the container listens for the load balancer)


def test_every_variable_given_to_the_platform_is_one_settings_reads(compose):
    names = set(env_file("wangge.env.example"))
    for name in APP_SERVICES:
        names |= set(compose["services"][name]["environment"])
    assert {"WANGGE_PRODUCTION", "WANGGE_KEY_FILE", "WANGGE_SECRET_KEY", "DATABASE_URL"} <= names
    for name in names:
        assert f'"{name}"' in SETTINGS, name


def test_the_key_file_is_a_mounted_secret(compose):
    service = compose["services"]["app1"]
    assert service["environment"]["WANGGE_KEY_FILE"] == "/run/secrets/wangge_keys"
    assert compose["secrets"]["wangge_keys"] == {"file": "./secrets/keys.json"}
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert {"deploy/secrets/", "deploy/wangge.env", "deploy/db.env"} <= set(ignored)


def test_the_database_password_is_the_same_on_both_sides():
    url = env_file("wangge.env.example")["DATABASE_URL"]
    db = env_file("db.env.example")
    assert url == f"postgres://{db['POSTGRES_USER']}:{db['POSTGRES_PASSWORD']}@db:5432/{db['POSTGRES_DB']}"


def test_nginx_balances_over_exactly_the_app_servers(compose):
    conf = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    upstream = re.search(r"upstream wangge \{(.*?)\}", conf, re.S)
    assert upstream is not None
    assert re.findall(r"server (\w+):(\d+)", upstream.group(1)) == [("app1", "8000"), ("app2", "8000")]
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in conf
    assert compose["services"]["app1"]["environment"]["WANGGE_TRUSTED_PROXIES"] == "1"  # nginx alone in front
    assert "$request " not in conf and "$remote_addr" not in conf  # no query string, no address in its log


def test_the_image_runs_wangge_serve_as_its_own_user_from_the_hashed_lock():
    steps = dockerfile()
    assert steps[0] == ("FROM", "python:3.12-slim")
    runs = " ".join(args for op, args in steps if op == "RUN")
    assert "fonts-noto-cjk" in runs and "postgresql-client" in runs
    assert "--require-hashes" in runs and "-r /tmp/runtime.txt" in runs
    copied = [args.split()[0] for op, args in steps if op == "COPY"]
    assert "requirements/runtime.txt" in copied
    assert all((ROOT / path).exists() for args in copied for path in [args])
    users = [args for op, args in steps if op == "USER"]
    assert users == ["wangge"]
    cmd = json.loads(next(args for op, args in steps if op == "CMD"))
    assert cmd[:2] == ["wangge", "serve"] and cmd[1] in get_commands()
    # The lock pins and hashes every package, the build backend included.
    lock = (ROOT / "requirements" / "runtime.txt").read_text(encoding="utf-8")
    assert re.search(r"^django-otp==", lock, re.M) and re.search(r"^setuptools==", lock, re.M)
    packages = re.findall(r"^([A-Za-z0-9_.-]+)==\S+ \\\n\s+--hash=sha256:", lock, re.M)
    assert len(packages) == len(re.findall(r"^[A-Za-z0-9_.-]+==", lock, re.M))


def test_the_compose_environment_passes_the_deploy_check(compose, tmp_path):
    keys = tmp_path / "keys.json"
    base = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "LANG": "C.UTF-8"}
    made = subprocess.run(
        [sys.executable, "-m", "wangge.cli", "keys", "init", "--file", str(keys)],
        cwd=ROOT,
        env=base | {"WANGGE_VAR_DIR": str(tmp_path / "var")},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    env = base | env_file("wangge.env.example") | compose["services"]["app1"]["environment"]
    env |= {
        "WANGGE_SECRET_KEY": secrets.token_urlsafe(50),
        "WANGGE_KEY_FILE": str(keys),  # where the secret is mounted in the container
        "WANGGE_VAR_DIR": str(tmp_path / "var"),
        "WANGGE_MEDIA_ROOT": str(tmp_path / "media"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",  # no PostgreSQL named `db` here
    }
    checked = subprocess.run(
        [sys.executable, "-m", "wangge.cli", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
