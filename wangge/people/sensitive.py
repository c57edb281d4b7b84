"""The sensitive facts of a person (`models.SENSITIVE_FACTS`) as they read on a page, in a sheet
or in the access report."""

from typing import Any

from django.utils.translation import gettext as _


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
