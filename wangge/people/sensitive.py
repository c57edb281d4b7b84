"""The sensitive facts of a person (`models.SENSITIVE_FACTS`: health, disability, hardship):
which are worth keeping, the one encrypted document they are kept in (bound to the person's
row), reading it back, and how each fact reads on a page, in a sheet or in the access report.
"""

import json
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from wangge.lib import crypto
from wangge.lib.crypto import bound_to, decrypt_field
from wangge.lib.errors import DomainError
from wangge.people.errors import PeopleError
from wangge.people.models import SENSITIVE_FACTS, Person


def sensitive_kept(facts: Mapping[str, Any]) -> dict[str, Any]:
    """The sensitive facts worth keeping (not empty); `sensitive_fact_unknown` for another key."""
    unknown = set(facts) - SENSITIVE_FACTS.keys()
    if unknown:
        raise DomainError(
            PeopleError.SENSITIVE_FACT_UNKNOWN, _("Unknown sensitive fact: %(key)s.") % {"key": sorted(unknown)[0]}
        )
    return {key: value for key, value in facts.items() if value not in (None, "", False, {})}


def encrypt_sensitive(facts: Mapping[str, Any], person_id: int, ring: crypto.KeyRing | None = None) -> bytes | None:
    """The encrypted sensitive-facts document of the person `person_id` (bound to that row), or
    None when there is nothing to keep."""
    kept = sensitive_kept(facts)
    if not kept:
        return None
    text = json.dumps(kept, ensure_ascii=False, sort_keys=True)
    return (ring or crypto.keyring()).encrypt(text, bound_to(Person, "sensitive_encrypted", person_id))


def decrypt_sensitive(person: Person) -> dict[str, Any]:
    """The person's sensitive facts in clear: only for `reveal_personal_data` and audited paths."""
    text = decrypt_field(person, "sensitive_encrypted")
    return dict(json.loads(text)) if text else {}


def fact_text(key: str, value: Any) -> str:
    """A sensitive fact as text for a page, a sheet or a report."""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if key == "disability" and isinstance(value, dict) and set(value) <= {"kind", "level"}:
        kind, level = value.get("kind", ""), value.get("level")
        return _("%(kind)s, grade %(level)s") % {"kind": kind, "level": level} if level else str(kind)
    if isinstance(value, dict):
        return "，".join(f"{k}: {v}" for k, v in sorted(value.items()))
    if key == "support":
        return {
            "low_income": _("Subsistence allowance (低保)"),
            "extreme_poverty": _("Extreme poverty support (特困)"),
        }.get(str(value), str(value))
    return str(value)
