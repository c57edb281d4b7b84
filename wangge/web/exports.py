"""Spreadsheet exports of the web pages (no personal data in any of them)."""

from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.areas.models import AreaNode
from wangge.lib.xlsx import Workbook
from wangge.orgs.coverage import CoverageLine, CoverageReport, GapKind


def coverage_workbook(report: CoverageReport, within: AreaNode | None) -> bytes:
    """The coverage report as an xlsx file: summary, per community, per grid, every gap."""
    book = Workbook()

    def table(title: str, headers: list[str], rows: list[list[object]], widths: list[int]) -> None:
        book.sheet(title).table(headers, rows, widths, style=book.header)

    summary = book.sheet(_("Summary"))
    summary.widths([36, 16])
    summary.cell(0, 0, _("Coverage report"), book.bold)
    summary.row(1, [_("Area"), within.name if within else _("Whole scope")])
    summary.row(2, [_("Generated at"), timezone.localtime().strftime("%Y-%m-%d %H:%M")])
    summary.row(4, [_("Kind of gap"), _("Number")], book.header)
    for r, kind in enumerate(GapKind.ALL, start=5):
        summary.row(r, [str(GapKind.LABELS[kind]), report.totals[kind]])
    summary.row(5 + len(GapKind.ALL), [_("Total"), report.total], book.bold)

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
    return book.close()
