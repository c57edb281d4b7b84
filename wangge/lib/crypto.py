"""Encryption at rest for personal data (AES-GCM) and a keyed blind index (HMAC-SHA256), with a
key ring so that keys can be rotated while the platform runs.

Ciphertext layouts:

- version 1 (legacy): ``0x01 | nonce (12) | AES-GCM ciphertext with tag``, under the legacy
  key (``WANGGE_DATA_KEY``, key id ``legacy``). Still read; no longer written.
- version 2 (unbound): ``0x02 | n (1 byte) | key id (n ASCII bytes) | nonce (12) | ciphertext
  with tag``; the header (version, length, key id) is the associated data, so a key id cannot
  be swapped. Still read until the ring refuses unbound values; no longer written.
- version 3 (bound): the layout of version 2 with ``0x03``; the associated data is the header
  followed by the value's *binding*, the place it belongs to: table, column and row
  (``b"people_person.id_number_encrypted:1234"``, `bound_to`). A value copied into another
  row, column or table does not decrypt there (`MisplacedValueError`).

Every value is encrypted and decrypted with its binding (`encrypt(value, bound_to(row,
field))`, `decrypt_field(row, field)`): a row's id is known before its values are encrypted
(`wangge.lib.rowids.reserve_ids` for a new row). `wangge keys reencrypt` binds the values
stored unbound; once none is left the ring records that it refuses unbound values
(`refuse_unbound`: the key file's ``"refuse_unbound": true``, or ``WANGGE_REFUSE_UNBOUND``).

Decryption uses whichever known key the ciphertext names; encryption uses the current key.
The blind index (``blind_index``) is the HMAC of the value under the current index key. While
an index rotation is in progress the ring also names the previous index key, and lookups
match either (``blind_indexes``), so finding a person by ID number works throughout.

Where the keys come from (``settings.KEY_SOURCE``): named keys in the environment, or the key
file (JSON, mode 0600; generated on first use outside production). A file-based ring is
re-read when the file changes (checked at most once a second), so a rotation run from the
command line reaches every running process within a second. See docs/privacy.md.
"""

import base64
import contextlib
import fcntl
import functools
import hmac
import json
import logging
import os
import re
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver

logger = logging.getLogger(__name__)

LEGACY = "legacy"
_V1 = 0x01
_V2 = 0x02
_V3 = 0x03
_NONCE = 12
_KEY_ID = re.compile(r"[A-Za-z0-9_.-]{1,32}")
_FILE_FORMAT = 1


class UnknownKeyError(ValueError):
    """A ciphertext names a key the ring does not hold (says which key, never anything else)."""


class MisplacedValueError(ValueError):
    """A ciphertext does not decrypt where it was read: it was made for another row, column or
    table (copied), or altered. Names the place it was read at, never a value."""


class UnboundValueError(ValueError):
    """An unbound ciphertext (version 1 or 2) read after the ring stopped accepting them."""


@dataclass(frozen=True)
class KeyRing:
    source: str  # "env" or "file"
    data_keys: Mapping[str, bytes]
    data_current: str
    index_keys: Mapping[str, bytes]
    index_current: str
    index_previous: str | None  # set while an index rotation is in progress
    path: Path | None = None
    # Values not bound to their place (versions 1 and 2) are refused: every stored value has
    # been bound (`wangge keys reencrypt`), so an old unbound value copied in is not read.
    refuse_unbound: bool = False

    @property
    def lookup_index_ids(self) -> list[str]:
        """The index keys a lookup tries: the current one, and the previous one during a rotation."""
        ids = [self.index_current]
        if self.index_previous and self.index_previous != self.index_current:
            ids.append(self.index_previous)
        return ids

    def __reduce__(self) -> tuple[Any, ...]:
        # The keys and ids only (not the cipher objects made from them): for a helper process
        # that seals or indexes under the same ring (`wangge.ledgers.pipeline`).
        return (
            KeyRing,
            (
                self.source,
                dict(self.data_keys),
                self.data_current,
                dict(self.index_keys),
                self.index_current,
                self.index_previous,
                self.path,
                self.refuse_unbound,
            ),
        )

    # The module's `encrypt`, `blind_index` and `blind_indexes` use the ring in force at each
    # call; code sealing many values at once takes the ring once (`keyring()`) and calls these.

    @functools.cached_property
    def _sealing(self) -> tuple[bytes, AESGCM]:
        return _header(self.data_current), _aead(self.data_keys[self.data_current])

    @functools.cached_property
    def _lookup_keys(self) -> list[bytes]:
        return [self.index_keys[key_id] for key_id in self.lookup_index_ids]

    def encrypt(self, plaintext: str, binding: bytes) -> bytes:
        """The value encrypted under the current data key, bound to its place (`bound_to`)."""
        header, aead = self._sealing
        nonce = os.urandom(_NONCE)
        return header + nonce + aead.encrypt(nonce, plaintext.encode(), header + binding)

    def blind_index(self, value: str, key_id: str | None = None) -> str:
        """The value's blind index under the current index key (or the one named): what is stored."""
        key = self.index_keys[key_id] if key_id else self._lookup_keys[0]
        return hmac.digest(key, value.encode(), "sha256").hex()

    def blind_indexes(self, value: str) -> list[str]:
        """Every index a stored value may have now (the current key's first)."""
        data = value.encode()
        return [hmac.digest(key, data, "sha256").hex() for key in self._lookup_keys]


# --- loading -----------------------------------------------------------------------------------

_lock = threading.Lock()
_cache: dict[str, Any] = {}


@receiver(setting_changed)
def _forget_ring(**kwargs: Any) -> None:
    _cache.clear()


def forget_ring() -> None:
    """Drop the loaded ring (it is read again on next use)."""
    _cache.clear()


def _legacy(ids: dict[str, bytes], key: bytes | None, what: str) -> dict[str, bytes]:
    if LEGACY in ids:
        raise ImproperlyConfigured(f"The key id {LEGACY!r} is reserved for WANGGE_{what}_KEY.")
    return {**ids, LEGACY: key} if key is not None else dict(ids)


def _pick_current(keys: Mapping[str, bytes], named: str, listed: Mapping[str, bytes], what: str) -> str:
    if named:
        if named not in keys:
            raise ImproperlyConfigured(f"WANGGE_{what}_KEY_CURRENT names the key {named!r}, which is not given.")
        return named
    if len(listed) == 1:
        return next(iter(listed))
    if not listed and LEGACY in keys:
        return LEGACY
    raise ImproperlyConfigured(f"Set WANGGE_{what}_KEY_CURRENT to the id of the key that encrypts new values.")


def _env_ring() -> KeyRing:
    data = _legacy(settings.DATA_KEYS, settings.DATA_KEY, "DATA")
    index = _legacy(settings.INDEX_KEYS, settings.INDEX_KEY, "INDEX")
    previous = settings.INDEX_KEY_PREVIOUS or None
    if previous is not None and previous not in index:
        raise ImproperlyConfigured(f"WANGGE_INDEX_KEY_PREVIOUS names the key {previous!r}, which is not given.")
    return KeyRing(
        source="env",
        data_keys=data,
        data_current=_pick_current(data, settings.DATA_KEY_CURRENT, settings.DATA_KEYS, "DATA"),
        index_keys=index,
        index_current=_pick_current(index, settings.INDEX_KEY_CURRENT, settings.INDEX_KEYS, "INDEX"),
        index_previous=previous,
        refuse_unbound=settings.REFUSE_UNBOUND,
    )


def _decode_file_keys(path: Path, section: dict[str, Any], name: str) -> dict[str, bytes]:
    keys: dict[str, bytes] = {}
    for key_id, encoded in (section.get("keys") or {}).items():
        if not _KEY_ID.fullmatch(key_id) or key_id == LEGACY:
            raise ImproperlyConfigured(f"The key file {path} has an invalid {name} key id {key_id!r}.")
        try:
            key = base64.b64decode(encoded, validate=True)
        except (ValueError, TypeError):
            raise ImproperlyConfigured(f"The key file {path}: {name} key {key_id!r} is not valid base64.") from None
        if len(key) != 32:
            raise ImproperlyConfigured(f"The key file {path}: {name} key {key_id!r} is not 32 bytes.")
        keys[key_id] = key
    return keys


def _ring_from_file(path: Path, content: dict[str, Any]) -> KeyRing:
    data_section = content.get("data") or {}
    index_section = content.get("index") or {}
    data = _legacy(_decode_file_keys(path, data_section, "data"), settings.DATA_KEY, "DATA")
    index = _legacy(_decode_file_keys(path, index_section, "index"), settings.INDEX_KEY, "INDEX")
    data_current = str(data_section.get("current") or "")
    index_current = str(index_section.get("current") or "")
    previous = index_section.get("previous") or None
    for what, current, keys in (("data", data_current, data), ("index", index_current, index)):
        if current not in keys:
            raise ImproperlyConfigured(f"The key file {path} names the current {what} key {current!r}, which it lacks.")
    if previous is not None and previous not in index:
        raise ImproperlyConfigured(f"The key file {path} names the previous index key {previous!r}, which it lacks.")
    refuse = content.get("refuse_unbound", False)
    if not isinstance(refuse, bool):
        raise ImproperlyConfigured(f"The key file {path}: refuse_unbound is true or false.")
    return KeyRing("file", data, data_current, index, index_current, previous, path, refuse)


def _new_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def _write_file(path: Path, content: dict[str, Any], *, exclusive: bool) -> None:
    """Write the key file atomically with mode 0600; `exclusive`: only if it does not exist yet."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(content, handle, indent=2, sort_keys=True)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        if exclusive:
            with contextlib.suppress(FileExistsError):  # someone else generated it first: use theirs
                os.link(tmp, path)
        else:
            os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _initial_file_content() -> dict[str, Any]:
    # The blind index stays on the legacy index key until `wangge keys rotate --index`: a new
    # index key here would silently break lookups of values indexed before the file existed.
    if settings.INDEX_KEY is not None:
        index: dict[str, Any] = {"current": LEGACY, "previous": None, "keys": {}}
    else:
        index = {"current": "i1", "previous": None, "keys": {"i1": _new_key()}}
    return {"format": _FILE_FORMAT, "data": {"current": "k1", "keys": {"k1": _new_key()}}, "index": index}


def create_key_file(path: Path) -> None:
    """A new key file with a fresh data key and a fresh index key (for a new deployment, whose
    database holds nothing encrypted yet: unbound values are refused from the start);
    FileExistsError when there is one already."""
    if path.exists():
        raise FileExistsError(path)
    content = {
        "format": _FILE_FORMAT,
        "data": {"current": "k1", "keys": {"k1": _new_key()}},
        "index": {"current": "i1", "previous": None, "keys": {"i1": _new_key()}},
        # Nothing was ever written unbound with these keys.
        "refuse_unbound": True,
    }
    _write_file(path, content, exclusive=True)
    if json.loads(path.read_text(encoding="utf-8")) != content:
        raise FileExistsError(path)  # someone else created it at the same moment


def _read_file(path: Path) -> tuple[tuple[int, int, int], dict[str, Any]]:
    try:
        stat = path.stat()
    except FileNotFoundError:
        if settings.PRODUCTION:
            raise ImproperlyConfigured(
                f"The key file {path} does not exist (it is never generated in production)."
            ) from None
        _write_file(path, _initial_file_content(), exclusive=True)
        logger.info("Generated the personal-data key file %s (mode 0600).", path)
        stat = path.stat()
    if stat.st_mode & 0o077:
        message = f"The key file {path} is readable by other users; run: chmod 600 {path}"
        if settings.PRODUCTION:
            raise ImproperlyConfigured(message)
        logger.warning(message)
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ImproperlyConfigured(f"The key file {path} cannot be read: {error.__class__.__name__}.") from None
    if not isinstance(content, dict) or content.get("format") != _FILE_FORMAT:
        raise ImproperlyConfigured(f"The key file {path} is not a wangge key file (format {_FILE_FORMAT}).")
    return (stat.st_ino, stat.st_mtime_ns, stat.st_size), content


# A file-based ring is checked against the file at most this often (seconds): a rotation reaches
# every process within it, and a ciphertext under a key not yet known forces a re-read at once.
RECHECK_SECONDS = 1.0


def keyring() -> KeyRing:
    """The key ring in force now (re-read when the key file has changed)."""
    if settings.KEY_SOURCE == "env":
        ring = _cache.get("env")
        if ring is None:
            ring = _cache["env"] = _env_ring()
        return ring
    # The fast path (a ring checked against the file less than a second ago) does no `stat` and
    # builds no `Path`: it runs for every value encrypted or indexed.
    key_file = settings.KEY_FILE
    now = time.monotonic()
    cached = _cache.get("file")
    if cached is not None and cached[0] is key_file and now - cached[3] < RECHECK_SECONDS:
        return cached[2]
    path = Path(key_file)
    with _lock:
        try:
            stat = path.stat()
            stamp: tuple[int, int, int] | None = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        except FileNotFoundError:
            stamp = None
        if cached is not None and cached[0] == key_file and cached[1] == stamp:
            _cache["file"] = (key_file, stamp, cached[2], now)
            return cached[2]
        stamp, content = _read_file(path)
        ring = _ring_from_file(path, content)
        _cache["file"] = (key_file, stamp, ring, now)
        return ring


# --- the key file: changed only by the rotation --------------------------------------------------


@contextlib.contextmanager
def _file_locked(path: Path) -> Iterator[dict[str, Any]]:
    """The key file's content, under an exclusive lock, written back (atomically) on exit."""
    path.parent.mkdir(parents=True, exist_ok=True)
    keyring()  # generates the file when it is missing
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            _stamp, content = _read_file(path)
            yield content
            _write_file(path, content, exclusive=False)
            forget_ring()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _next_id(prefix: str, existing: Mapping[str, Any]) -> str:
    numbers = [int(k[len(prefix) :]) for k in existing if re.fullmatch(rf"{prefix}\d+", k)]
    return f"{prefix}{max(numbers, default=0) + 1}"


def new_key_material() -> tuple[str, str]:
    """A fresh key, base64, and a suggested id for the environment (`wangge keys rotate` with env keys)."""
    ring = keyring()
    return _new_key(), _next_id("k", ring.data_keys)


def new_index_key_material() -> tuple[str, str]:
    ring = keyring()
    return _new_key(), _next_id("i", ring.index_keys)


def add_data_key() -> str:
    """Generate a data key in the key file and make it current; its id. The old keys stay (to read)."""
    path = Path(settings.KEY_FILE)
    with _file_locked(path) as content:
        section = content.setdefault("data", {"keys": {}})
        keys = section.setdefault("keys", {})
        key_id = _next_id("k", keys)
        keys[key_id] = _new_key()
        section["current"] = key_id
    return key_id


def start_index_rotation() -> tuple[str, str]:
    """Generate an index key in the key file, make it current and keep the old one as `previous`
    (lookups try both) until `finish_index_rotation`; (previous id, new id). When a rotation is
    already in progress its new key is kept and (previous, current) returned unchanged."""
    path = Path(settings.KEY_FILE)
    with _file_locked(path) as content:
        section = content.setdefault("index", {"keys": {}})
        keys = section.setdefault("keys", {})
        if section.get("previous"):
            return section["previous"], section["current"]
        previous = section.get("current") or LEGACY
        key_id = _next_id("i", keys)
        keys[key_id] = _new_key()
        section["current"], section["previous"] = key_id, previous
    return previous, key_id


def finish_index_rotation() -> None:
    """Lookups use the current index key only (every index has been recomputed)."""
    path = Path(settings.KEY_FILE)
    with _file_locked(path) as content:
        content.setdefault("index", {})["previous"] = None


def refuse_unbound_values() -> None:
    """From now on unbound values (versions 1 and 2) are refused (every stored value is bound:
    `wangge keys reencrypt` checked). Recorded in the key file, so every process follows within
    a second; with keys in the environment it is `WANGGE_REFUSE_UNBOUND=true`."""
    path = Path(settings.KEY_FILE)
    with _file_locked(path) as content:
        content["refuse_unbound"] = True


# --- where a value belongs -----------------------------------------------------------------------


@functools.cache
def place(model: type[models.Model], field: str) -> bytes:
    """``b"table.column:"`` of an encrypted column (a BinaryField named `…_encrypted`): the
    binding of its row `pk` is this followed by the id (`bound_to`; code that binds many values
    of a column takes it once)."""
    concrete = model._meta.concrete_model or model
    found = concrete._meta.get_field(field)
    if not isinstance(found, models.BinaryField) or not field.endswith("_encrypted"):
        raise ValueError(f"{concrete._meta.label}.{field} is not an encrypted column.")
    return f"{concrete._meta.db_table}.{found.column}:".encode("ascii")


def bound_to(row: models.Model | type[models.Model], field: str, pk: Any = None) -> bytes:
    """The binding of a value of `field` (an encrypted column): its table, column and row, e.g.
    ``b"people_person.id_number_encrypted:1234"``. The row is a model instance with its primary
    key, or a model class and `pk`. A new row's key is reserved before its values are encrypted
    (`wangge.lib.rowids`)."""
    if isinstance(row, type):
        model = row
    else:
        model = type(row)
        pk = row.pk if pk is None else pk
    if pk is None:
        raise ValueError(f"A value of {field} is bound to its row: the row needs its primary key first.")
    return place(model, field) + b"%d" % int(pk)


# --- encryption ---------------------------------------------------------------------------------


@functools.lru_cache(maxsize=16)
def _aead(key: bytes) -> AESGCM:
    return AESGCM(key)


def _header(key_id: str) -> bytes:
    raw = key_id.encode("ascii")
    return bytes([_V3, len(raw)]) + raw


def encrypt(plaintext: str, binding: bytes) -> bytes:
    """The value encrypted under the current data key, bound to its place (`bound_to`)."""
    return keyring().encrypt(plaintext, binding)


def encrypt_field(row: models.Model, field: str, plaintext: str) -> bytes | None:
    """What to store in `row.<field>` for `plaintext` (None for an empty value): encrypted and
    bound to that row and column. The row needs its primary key (`rowids.reserve_ids`)."""
    return encrypt(plaintext, bound_to(row, field)) if plaintext else None


def decrypt_field(row: models.Model, field: str) -> str:
    """The clear value of `row.<field>` read where it is stored ("" when there is none)."""
    token = getattr(row, field)
    return decrypt(token, bound_to(row, field)) if token else ""


def _parse(token: bytes) -> tuple[int, str, bytes, bytes, bytes | None]:
    """(version, key id, nonce, ciphertext, header) of a token; no header for version 1."""
    version = token[0] if token else 0
    if version == _V1:
        return _V1, LEGACY, token[1 : 1 + _NONCE], token[1 + _NONCE :], None
    if version in (_V2, _V3) and len(token) > 2:
        n = token[1]
        key_id = token[2 : 2 + n].decode("ascii", errors="replace")
        body = token[2 + n :]
        return version, key_id, body[:_NONCE], body[_NONCE:], token[: 2 + n]
    raise ValueError("Unknown ciphertext version.")


def key_id_of(token: bytes | memoryview) -> str:
    """The id of the key a ciphertext was made with ("legacy" for version 1)."""
    return _parse(bytes(token))[1]


def is_bound(token: bytes | memoryview) -> bool:
    """Whether a ciphertext is bound to its place (version 3)."""
    return bytes(token[:1]) == bytes([_V3])


def decrypt(token: bytes | memoryview, binding: bytes) -> str:
    """The clear value of a ciphertext read at `binding` (`bound_to`). A value made for another
    place, or altered, raises `MisplacedValueError`; an unbound one (versions 1 and 2) is read
    as it is until the ring refuses them (`UnboundValueError`). Errors name the key or the
    place, never a value."""
    version, key_id, nonce, body, header = _parse(bytes(token))
    ring = keyring()
    key = ring.data_keys.get(key_id)
    if key is None:
        forget_ring()  # another process may just have added it to the key file
        ring = keyring()
        key = ring.data_keys.get(key_id)
    if key is None:
        raise UnknownKeyError(f"The ciphertext uses the key {key_id!r}, which is not in the key ring.")
    if version != _V3 and ring.refuse_unbound:
        raise UnboundValueError(
            f"The value at {_where(binding)} is not bound to its place, and unbound values are refused."
        )
    aad = header + binding if version == _V3 and header is not None else header
    try:
        return _aead(key).decrypt(nonce, body, aad).decode()
    except InvalidTag:
        raise MisplacedValueError(
            f"The value at {_where(binding)} does not decrypt there: it was made for another row or column, or altered."
        ) from None


def _where(binding: bytes) -> str:
    """A binding as an error names it (table, column and id: no personal data)."""
    return binding.decode("ascii", errors="replace")


def reencrypt(token: bytes | memoryview, binding: bytes) -> bytes | None:
    """The value encrypted under the current key and bound to `binding`, or None when it
    already is."""
    if is_bound(token) and key_id_of(token) == keyring().data_current:
        return None
    return encrypt(decrypt(token, binding), binding)


# --- blind index --------------------------------------------------------------------------------


def blind_index(value: str, key_id: str | None = None) -> str:
    """The value's blind index under the current index key (or the one named); what is stored."""
    return keyring().blind_index(value, key_id)


def blind_indexes(value: str) -> list[str]:
    """Every index a stored value may have now: filter with `…_index__in=blind_indexes(v)`."""
    return keyring().blind_indexes(value)
