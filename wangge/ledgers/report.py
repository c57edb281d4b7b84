"""The error report of an import as an .xlsx file: every rejected row with its row number and
reasons, and every row left for review, with its values masked (the name keeps its first
character, ID and phone numbers their first three and last four characters)."""

from pathlib import Path

import xlsxwriter
from django.utils.translation import gettext as _

from wangge.ledgers.layouts import field_label
from wangge.ledgers.matching import CheckResult, Status


def mask_name(name: str) -> str:
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def mask_number(value: str) -> str:
    """First three and last four characters of a number, the rest as asterisks."""
    if len(value) < 8:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def write_report(check: CheckResult, path: str | Path) -> int:
    """Write the report; returns the number of rows listed."""
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    header = book.add_format({"bold": True, "bg_color": "#F2DEDE", "border": 1, "text_wrap": True, "valign": "top"})
    rejected = book.add_worksheet(_("Rejected rows")[:31])
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
    for col, (title, width) in enumerate(columns):
        rejected.set_column(col, col, width)
        rejected.write(0, col, title, header)
    listed = 0
    for r, result in enumerate(check.of(Status.INVALID), start=1):
        preview = result.preview or {}
        rejected.write_row(
            r,
            0,
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
    rejected.freeze_panes(1, 0)
    review = book.add_worksheet(_("Rows to review")[:31])
    columns = [(_("Row"), 8), (_("Result"), 14), (_("Differing fields"), 60), (_("Already queued"), 14)]
    for col, (title, width) in enumerate(columns):
        review.set_column(col, col, width)
        review.write(0, col, title, header)
    for r, result in enumerate(check.of(Status.REVIEW, Status.CONFLICT, Status.HELD), start=1):
        held = result.status == Status.HELD  # about someone outside the importer's area: nothing more
        review.write_row(
            r,
            0,
            [
                result.number,
                str(Status.LABELS[result.status]),
                "" if held else "、".join(field_label(f) for f in result.fields),
                _("yes") if result.queued else _("no"),
            ],
        )
        listed += 1
    review.freeze_panes(1, 0)
    book.close()
    return listed
