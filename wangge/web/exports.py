"""Spreadsheet exports of the web pages (no personal data in any of them)."""

import io

import xlsxwriter
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.areas.models import AreaNode
from wangge.orgs.coverage import CoverageLine, CoverageReport, GapKind

_FORBIDDEN_IN_SHEET_NAMES = str.maketrans(dict.fromkeys("[]:*?/\\", " "))


def _sheet_name(name: str) -> str:
    return name.translate(_FORBIDDEN_IN_SHEET_NAMES)[:31]


def coverage_workbook(report: CoverageReport, within: AreaNode | None) -> bytes:
    """The coverage report as an xlsx file: summary, per community, per grid, every gap."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True})
    header = book.add_format({"bold": True, "bg_color": "#F2DEDE", "border": 1, "text_wrap": True, "valign": "top"})

    def table(title: str, headers: list[str], rows: list[list[object]], widths: list[int]) -> None:
        sheet = book.add_worksheet(_sheet_name(title))
        sheet.write_row(0, 0, headers, header)
        for r, row in enumerate(rows, start=1):
            sheet.write_row(r, 0, row)
        for c, width in enumerate(widths):
            sheet.set_column(c, c, width)
        sheet.freeze_panes(1, 0)
        if rows:
            sheet.autofilter(0, 0, len(rows), len(headers) - 1)

    summary = book.add_worksheet(_sheet_name(_("Summary")))
    summary.set_column(0, 0, 36)
    summary.set_column(1, 1, 16)
    summary.write(0, 0, _("Coverage report"), bold)
    summary.write(1, 0, _("Area"))
    summary.write(1, 1, within.name if within else _("Whole scope"))
    summary.write(2, 0, _("Generated at"))
    summary.write(2, 1, timezone.localtime().strftime("%Y-%m-%d %H:%M"))
    summary.write_row(4, 0, [_("Kind of gap"), _("Number")], header)
    for r, kind in enumerate(GapKind.ALL, start=5):
        summary.write_row(r, 0, [str(GapKind.LABELS[kind]), report.totals[kind]])
    summary.write_row(5 + len(GapKind.ALL), 0, [_("Total"), report.total], bold)

    kind_headers = [str(GapKind.LABELS[kind]) for kind in GapKind.ALL]

    def line_rows(lines: list[CoverageLine], with_community: bool) -> list[list[object]]:
        return [
            [
                line.code,
                line.name,
                *([line.community_name] if with_community else []),
                *(line.counts[kind] for kind in GapKind.ALL),
                line.total,
            ]
            for line in lines
        ]

    table(
        _("Communities"),
        [_("Code"), _("Community"), *kind_headers, _("Total")],
        line_rows(report.communities, False),
        [14, 24, 18, 18, 18, 18, 10],
    )
    table(
        _("Grids"),
        [_("Code"), _("Grid"), _("Community"), *kind_headers, _("Total")],
        line_rows(report.grids, True),
        [16, 28, 24, 18, 18, 18, 18, 10],
    )
    table(
        _("Gaps"),
        [_("Kind of gap"), _("Code"), _("Name"), _("Community"), _("Grid")],
        [[gap.kind_label, gap.code, gap.name, gap.community_name, gap.grid_name] for gap in report.gaps],
        [36, 20, 32, 24, 28],
    )
    book.close()
    return buffer.getvalue()
