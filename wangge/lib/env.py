"""Strict readers for settings taken from the environment.

Every reader fails loudly with the variable's name when a value is present but malformed,
so a typo in a deployment never silently falls back to a default.
"""

import base64
import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None or value == "":
        if default is None:
            raise ImproperlyConfigured(f"Environment variable {name} is required.")
        return default
    return value


def env_secret(name: str, *, min_length: int = 16) -> str:
    """A secret from `NAME`, or from the file `NAME_FILE` names (its content, stripped); empty when
    neither is set. Too short a secret stops the start."""
    value = os.environ.get(name, "")
    path = os.environ.get(f"{name}_FILE", "")
    if path and not value:
        try:
            with open(path, encoding="utf-8") as file:
                value = file.read().strip()
        except OSError as error:
            raise ImproperlyConfigured(f"{name}_FILE={path!r} cannot be read: {error.strerror}.") from None
    if value and len(value) < min_length:
        raise ImproperlyConfigured(f"{name} must be at least {min_length} characters long.")
    return value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean; use true or false.")


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer.") from None
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        if minimum is not None and maximum is not None:
            bounds = f"between {minimum} and {maximum}"
        else:
            bounds = f"at least {minimum}" if minimum is not None else f"at most {maximum}"
        raise ImproperlyConfigured(f"{name}={value!r} is out of bounds: it must be {bounds}.")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_key(name: str, fallback_material: str, *, required: bool) -> bytes:
    """A 32-byte key given as base64; without one (allowed outside production), derive it."""
    value = os.environ.get(name)
    if value is None or value == "":
        if required:
            raise ImproperlyConfigured(f"Environment variable {name} is required.")
        import hashlib

        return hashlib.sha256(f"{name}:{fallback_material}".encode()).digest()
    try:
        key = base64.b64decode(value, validate=True)
    except ValueError:
        raise ImproperlyConfigured(f"{name} is not valid base64.") from None
    if len(key) != 32:
        raise ImproperlyConfigured(f"{name} must decode to 32 bytes, not {len(key)}.")
    return key


_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def env_rate(name: str, default: str) -> tuple[int, int] | None:
    """A rate limit written `N/s`, `N/m`, `N/h` or `N/d` (N requests per second, minute, hour, day)
    as `(N, seconds)`; `off` means no limit (None)."""
    value = (os.environ.get(name) or default).strip().lower()
    if value == "off":
        return None
    count, _, unit = value.partition("/")
    if not count.isdigit() or int(count) < 1 or unit not in _PERIODS:
        raise ImproperlyConfigured(f"{name}={value!r} is not a rate; write e.g. 10/h (per s, m, h or d) or off.")
    return int(count), _PERIODS[unit]


def _decode_key(name: str, value: str) -> bytes:
    try:
        key = base64.b64decode(value, validate=True)
    except ValueError:
        raise ImproperlyConfigured(f"{name} is not valid base64.") from None
    if len(key) != 32:
        raise ImproperlyConfigured(f"{name} must decode to 32 bytes, not {len(key)}.")
    return key


def env_optional_key(name: str, fallback_material: str | None) -> bytes | None:
    """A 32-byte key given as base64; absent: derived from `fallback_material`, or None without one."""
    value = os.environ.get(name)
    if value is None or value == "":
        if fallback_material is None:
            return None
        import hashlib

        return hashlib.sha256(f"{name}:{fallback_material}".encode()).digest()
    return _decode_key(name, value)


def env_key_list(name: str) -> dict[str, bytes]:
    """Named 32-byte keys given as `id:base64,id:base64`; ids are 1 to 32 of A-Z a-z 0-9 _ . -."""
    import re

    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return {}
    keys: dict[str, bytes] = {}
    for item in value.split(","):
        key_id, sep, encoded = item.strip().partition(":")
        if not sep or not re.fullmatch(r"[A-Za-z0-9_.-]{1,32}", key_id):
            raise ImproperlyConfigured(
                f"{name}: every entry must be ID:BASE64KEY with an ID of 1 to 32 letters or digits."
            )
        if key_id in keys:
            raise ImproperlyConfigured(f"{name}: the key id {key_id!r} appears twice.")
        keys[key_id] = _decode_key(f"{name} (key {key_id})", encoded.strip())
    return keys
