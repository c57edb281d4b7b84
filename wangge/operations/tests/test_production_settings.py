"""Production settings: `wangge check --deploy` passes without a warning with the environment
docs/deploy.md documents, and a missing secret key, key file or host name stops the start with
the variable's name (no traceback) — each run in a subprocess with a clean environment, as a
service manager would start it."""

import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    base = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "LANG": "C.UTF-8"}
    return subprocess.run(
        [sys.executable, "-m", "wangge.cli", *args],
        cwd=ROOT,
        env=base | env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def production(tmp_path_factory) -> dict[str, str]:
    """The documented production environment (docs/deploy.md, "Production settings"), with a key
    file made as the guide says (`wangge keys init --file`, outside production)."""
    var_dir = tmp_path_factory.mktemp("production")
    key_file = var_dir / "keys.json"
    made = run({"WANGGE_VAR_DIR": str(var_dir)}, "keys", "init", "--file", str(key_file))
    assert made.returncode == 0, made.stderr
    return {
        "WANGGE_PRODUCTION": "true",
        "WANGGE_SECRET_KEY": secrets.token_urlsafe(50),
        "WANGGE_KEY_FILE": str(key_file),
        "WANGGE_ALLOWED_HOSTS": "wangge.example.org",
        "WANGGE_TRUSTED_PROXIES": "1",
        "WANGGE_VAR_DIR": str(var_dir),
    }


def test_check_deploy_passes_without_a_warning_in_the_documented_environment(production):
    result = run(production, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (1 silenced)." in result.stdout


def test_the_settings_a_public_deployment_needs_are_in_force(production):
    shown = run(
        production,
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
        "s.SECURE_PROXY_SSL_HEADER, s.ALLOWED_HOSTS, s.DEBUG)",
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == (
        "True True True 31536000 True ('HTTP_X_FORWARDED_PROTO', 'https') ['wangge.example.org'] False"
    )


def test_without_a_proxy_the_forwarded_protocol_header_is_not_believed(production):
    direct = production | {"WANGGE_TRUSTED_PROXIES": "0"}
    shown = run(
        direct, "shell", "--no-imports", "-c", "from django.conf import settings as s; print(s.SECURE_PROXY_SSL_HEADER)"
    )
    assert shown.stdout.strip() == "None"
    assert run(direct, "check", "--deploy", "--fail-level", "WARNING").returncode == 0


def test_the_development_defaults_would_not_pass(tmp_path):
    result = run({"WANGGE_VAR_DIR": str(tmp_path)}, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stderr


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("WANGGE_SECRET_KEY", "WANGGE_SECRET_KEY must be set when WANGGE_PRODUCTION is true."),
        ("WANGGE_ALLOWED_HOSTS", "WANGGE_ALLOWED_HOSTS must name the site's host names"),
    ],
)
def test_a_missing_setting_stops_the_start_with_a_clear_message(production, missing, message):
    env = {name: value for name, value in production.items() if name != missing}
    for command in (("check", "--deploy"), ("serve", "--port", "8999")):
        result = run(env, *command)
        assert result.returncode == 2
        assert result.stderr.startswith(f"wangge: configuration error: {message}")
        assert "Traceback" not in result.stderr
        assert result.stdout == ""


def test_a_missing_key_file_stops_the_start_with_a_clear_message(production, tmp_path):
    absent = tmp_path / "nowhere" / "keys.json"
    result = run(production | {"WANGGE_KEY_FILE": str(absent)}, "serve", "--port", "8999")
    assert result.returncode == 2
    assert result.stderr == (
        f"wangge: configuration error: The key file {absent} does not exist (it is never generated in production).\n"
    )
