"""`wangge grids import|export`: grid boundaries in and out as GeoJSON (WGS-84).

    wangge grids import FILE.geojson [--district CODE] [--commit] [--allow-gaps] [--json]
    wangge grids export [--district CODE] > grids.geojson

`import` checks a FeatureCollection against the district (`wangge.areas.actions.import_grids`)
and reports new communities (a feature may name one the district does not have yet with
`community` and `community_name`), new, redrawn, unchanged and not-in-file grids, the errors of each feature, and
overlaps and gaps between grids with their area in m² and a point inside them. It writes
nothing unless `--commit` is given and the file has no errors, no overlaps and (unless
`--allow-gaps`) no gaps; a redrawn grid gets a new boundary generation and keeps the old one.
The exit status is non-zero whenever the file could not be committed as it is, so a dry run
can gate a pipeline.

`export` writes the current boundaries as a FeatureCollection with the properties `code`,
`name`, `community` (its code) and `generation`: a file `import` reads back unchanged.

`--district` may be omitted when the database holds one district.
"""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from wangge.areas.actions import GridImportReport, import_grids
from wangge.areas.models import AreaNode, Level
from wangge.areas.queries import current_boundaries
from wangge.areas.topology import ImportProblem
from wangge.lib.errors import DomainError


def _district(code: str | None) -> AreaNode:
    districts = AreaNode.objects.filter(level=Level.DISTRICT)
    if code:
        found = districts.filter(code=code).first()
        if found is None:
            known = ", ".join(districts.order_by("code").values_list("code", flat=True)) or "-"
            raise CommandError(
                _("There is no district with the code “%(code)s” (known: %(known)s).") % {"code": code, "known": known}
            )
        return found
    first_two = list(districts.order_by("code")[:2])
    if not first_two:
        raise CommandError(_("There is no district yet; create one first."))
    if len(first_two) > 1:
        known = ", ".join(districts.order_by("code").values_list("code", flat=True))
        raise CommandError(
            _("There are several districts; name one with --district CODE (known: %(known)s).") % {"known": known}
        )
    return first_two[0]


def _read_json(path: str) -> object:
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CommandError(_("The file “%(path)s” does not exist.") % {"path": path}) from None
    except IsADirectoryError:
        raise CommandError(_("“%(path)s” is a directory, not a GeoJSON file.") % {"path": path}) from None
    except UnicodeDecodeError:
        raise CommandError(_("The file “%(path)s” is not UTF-8 text.") % {"path": path}) from None
    except OSError as error:
        raise CommandError(
            _("The file “%(path)s” cannot be read: %(reason)s.") % {"path": path, "reason": error.strerror or error}
        ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise CommandError(
            _("The file “%(path)s” is not valid JSON (line %(line)d, column %(column)d: %(reason)s).")
            % {"path": path, "line": error.lineno, "column": error.colno, "reason": error.msg}
        ) from None


def _refusal(report: GridImportReport, allow_gaps: bool) -> str:
    """Why the file cannot be committed as it is; empty when it can."""
    if report.errors or report.overlaps:
        return _("the file has %(errors)d error(s) and %(overlaps)d overlap(s) between grids.") % {
            "errors": len(report.errors),
            "overlaps": len(report.overlaps),
        }
    if report.gaps and not allow_gaps:
        return _("the grids would leave %(gaps)d gap(s) that belong to no grid; fix them or add --allow-gaps.") % {
            "gaps": len(report.gaps)
        }
    return ""


class Command(BaseCommand):
    help = "Import grid boundaries from GeoJSON (a dry run unless --commit), or export them."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        load = actions.add_parser(
            "import", help="Check a GeoJSON FeatureCollection of grids and, with --commit, apply it."
        )
        load.add_argument("file", metavar="FILE", help="A GeoJSON FeatureCollection (WGS-84), UTF-8.")
        load.add_argument("--district", metavar="CODE", help="The district's code (optional with one district).")
        load.add_argument("--commit", action="store_true", help="Write the boundaries when the file is clean.")
        load.add_argument("--allow-gaps", action="store_true", help="Commit even if gaps between grids remain.")
        load.add_argument("--json", action="store_true", help="Print the report as JSON.")
        dump = actions.add_parser("export", help="Write the current boundaries as a GeoJSON FeatureCollection.")
        dump.add_argument("--district", metavar="CODE", help="The district's code (optional with one district).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "import":
                self._import(options)
            elif options["action"] == "export":
                self._export(options)
        except DomainError as error:
            raise CommandError(f"{error.code}: {error.message}") from None

    # --- import --------------------------------------------------------------------------

    def _import(self, options: dict[str, Any]) -> None:
        data = _read_json(options["file"])
        district = _district(options["district"])
        commit, allow_gaps = options["commit"], options["allow_gaps"]
        report = import_grids(None, district=district, data=data, commit=commit, allow_gaps=allow_gaps)
        refusal = _refusal(report, allow_gaps)
        if options["json"]:
            self.stdout.write(json.dumps({"district": district.code, **report.as_dict()}, ensure_ascii=False, indent=2))
        else:
            self._print_report(district, options["file"], report)
        if report.committed:
            if not options["json"]:
                self.stdout.write(
                    self.style.SUCCESS(
                        _(
                            "Committed: %(communities)d new community(ies), %(new)d new grid(s), %(redrawn)d "
                            "redrawn; earlier generations are kept."
                        )
                        % {
                            "communities": len(report.new_communities),
                            "new": len(report.new),
                            "redrawn": len(report.redrawn),
                        }
                    )
                )
            return
        if commit:
            raise CommandError(_("Nothing was written: %(reason)s") % {"reason": refusal})
        if refusal:
            raise CommandError(
                _("Dry run, nothing was written. This file cannot be committed: %(reason)s") % {"reason": refusal}
            )
        if not options["json"]:
            self.stdout.write(_("Dry run: nothing was written. Run again with --commit to apply these changes."))

    def _print_report(self, district: AreaNode, path: str, report: GridImportReport) -> None:
        write = self.stdout.write
        write(
            _("District %(name)s (%(code)s), file %(path)s: %(count)d feature(s).")
            % {"name": district.name, "code": district.code, "path": path, "count": report.features}
        )
        for label, codes in (
            (_("New communities"), report.new_communities),
            (_("New grids"), report.new),
            (_("Redrawn grids"), report.redrawn),
            (_("Unchanged grids"), report.unchanged),
            (_("Current grids not in the file (they keep their boundary)"), report.not_in_file),
        ):
            write(f"  {label} ({len(codes)}): {', '.join(codes) if codes else '-'}")
        for label, problems in (
            (_("Errors"), report.errors),
            (_("Overlaps"), report.overlaps),
            (_("Gaps"), report.gaps),
        ):
            if problems:
                write(self.style.ERROR(f"{label} ({len(problems)}):"))
                for problem in problems:
                    write(f"  {self._problem(problem)}")

    @staticmethod
    def _problem(problem: ImportProblem) -> str:
        parts = [problem.feature] if problem.feature else []
        if problem.area_m2 is not None:
            parts.append(_("%(area).1f m²") % {"area": problem.area_m2})
        if problem.at is not None:
            parts.append(_("at lng %(lng).6f, lat %(lat).6f") % {"lng": problem.at[0], "lat": problem.at[1]})
        head = " · ".join(parts)
        return f"{head}: [{problem.code}] {problem.message}" if head else f"[{problem.code}] {problem.message}"

    # --- export --------------------------------------------------------------------------

    def _export(self, options: dict[str, Any]) -> None:
        district = _district(options["district"])
        boundaries = current_boundaries(district.pk).select_related("grid", "grid__community").order_by("grid__code")
        features = [
            json.dumps(
                {
                    "type": "Feature",
                    "properties": {
                        "code": b.grid.code,
                        "name": b.grid.name,
                        "community": b.grid.community.code if b.grid.community else None,
                        "generation": b.generation,
                    },
                    "geometry": b.geometry,
                },
                ensure_ascii=False,
            )
            for b in boundaries
        ]
        # One feature per line: valid GeoJSON that diffs well between exports.
        body = ",\n".join(features)
        self.stdout.write('{"type": "FeatureCollection", "features": [\n' + body + ("\n" if body else "") + "]}")
