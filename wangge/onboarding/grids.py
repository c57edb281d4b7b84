"""The grid step of onboarding: a GeoJSON file of the district's grids (and the communities they
belong to, created when missing) read from a stored upload and handed to
`wangge.areas.actions.import_grids`, which checks, reports and (with `commit`) writes."""

import json
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from shapely.geometry import mapping

from wangge.accounts.models import User
from wangge.areas.actions import GridImportReport, import_grids
from wangge.areas.models import AreaNode
from wangge.areas.topology import ImportProblem
from wangge.lib.errors import DomainError
from wangge.lib.geo import polygon_from_geojson
from wangge.lib.text import clean_text


def import_grids_file(
    acting_user: User | None,
    *,
    district: AreaNode,
    path: str | Path,
    commit: bool = False,
    allow_gaps: bool = False,
) -> GridImportReport:
    """Dry run (or, with `commit`, apply) the grids of a GeoJSON file; a file that is not
    UTF-8 JSON is reported as an error of the file, nothing written."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        return _file_error("not_utf8", _("The file is not UTF-8 text."))
    except json.JSONDecodeError as error:
        return _file_error(
            "not_json",
            _("The file is not valid JSON (line %(line)d, column %(column)d).")
            % {"line": error.lineno, "column": error.colno},
        )
    return import_grids(acting_user, district=district, data=data, commit=commit, allow_gaps=allow_gaps)


def _file_error(code: str, message: str) -> GridImportReport:
    report = GridImportReport()
    report.errors.append(ImportProblem(code, message))
    return report


def grid_preview(path: str | Path, report: GridImportReport) -> dict[str, Any]:
    """What the dry-run map shows (WGS-84): the file's grids that could be read, each with what
    the import does with it (`state`: new, redrawn, unchanged) and whether it overlaps another,
    and the places of the overlaps and gaps (`places`: kind, [lng, lat], message)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        data = None
    features = data.get("features") if isinstance(data, dict) else None
    states = dict.fromkeys(report.new, "new")
    states |= dict.fromkeys(report.redrawn, "redrawn") | dict.fromkeys(report.unchanged, "unchanged")
    overlapping = {code for problem in report.overlaps for code in problem.feature.split(" / ")}
    grids: list[dict[str, Any]] = []
    for feature in features if isinstance(features, list) else []:
        props = feature.get("properties") if isinstance(feature, dict) else None
        code = str(props.get("code") or "").strip() if isinstance(props, dict) else ""
        if code not in states:
            continue
        try:
            geometry = mapping(polygon_from_geojson(feature.get("geometry")))
        except DomainError:
            continue
        grids.append(
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {
                    "code": code,
                    "name": clean_text(str(props.get("name") or "")) or code,  # type: ignore[union-attr]
                    "state": states[code],
                    "overlaps": code in overlapping,
                },
            }
        )
    places = [
        {"kind": kind, "lnglat": list(problem.at), "label": problem.message}
        for kind, problems in (("overlap", report.overlaps), ("gap", report.gaps))
        for problem in problems
        if problem.at is not None
    ]
    return {"grids": {"type": "FeatureCollection", "features": grids}, "places": places}
