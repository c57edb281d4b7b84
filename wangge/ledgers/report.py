"""The error report of an import as an .xlsx file: every rejected row with its row number and
reasons, and every row left for review, with its values masked (the name keeps its first
character, ID and phone numbers their first three and last four characters)."""

from pathlib import Path

from django.utils.translation import gettext as _

from wangge.ledgers.layouts import field_label
from wangge.ledgers.matching import CheckResult, Status
from wangge.lib.xlsx import Workbook


def mask_name(name: str) -> str:
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def mask_number(value: str) -> str:
    """First three and last four characters of a number, the rest as asterisks."""
    if len(value) < 8:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def write_report(check: CheckResult, path: str | Path) -> int:
    """Write the report; returns the number of rows listed."""
    book = Workbook(path, constant_memory=True)
    rejected = book.sheet(_("Rejected rows"))
    columns = [
        (_("Row"), 8),
        (_("Reason codes"), 24),
        (_("Reasons"), 70),
        (field_label("name"), 12),
        (field_label("id_number"), 22),
        (field_label("phone"), 16),
        (field_label("community"), 16),
        (field_label("grid"), 18),
    ]
    rejected.widths([width for _title, width in columns])
    rejected.row(0, [title for title, _width in columns], book.header)
    listed = 0
    for r, result in enumerate(check.of(Status.INVALID), start=1):
        preview = result.preview or {}
        rejected.row(
            r,
            [
                result.number,
                ", ".join(p.code for p in result.problems),
                result.reasons(),
                mask_name(preview.get("name", "")),
                mask_number(preview.get("id_number", "")),
                mask_number(preview.get("phone", "")),
                preview.get("community", ""),
                preview.get("grid", ""),
            ],
        )
        listed += 1
    rejected.freeze_header()
    review = book.sheet(_("Rows to review"))
    columns = [(_("Row"), 8), (_("Result"), 14), (_("Differing fields"), 60), (_("Already queued"), 14)]
    review.widths([width for _title, width in columns])
    review.row(0, [title for title, _width in columns], book.header)
    for r, result in enumerate(check.of(Status.REVIEW, Status.CONFLICT, Status.HELD), start=1):
        held = result.status == Status.HELD  # about someone outside the importer's area: nothing more
        review.row(
            r,
            [
                result.number,
                str(Status.LABELS[result.status]),
                "" if held else "、".join(field_label(f) for f in result.fields),
                _("yes") if result.queued else _("no"),
            ],
        )
        listed += 1
    review.freeze_header()
    book.close()
    return listed
