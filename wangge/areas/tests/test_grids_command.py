"""`wangge grids import|export`: dry run by default, topology checks, all-or-nothing commit."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from shapely.geometry import Point, Polygon, box, mapping, shape

from wangge.areas.actions import create_district
from wangge.areas.models import AreaNode, GridBoundary, Level
from wangge.areas.tests.factories import STEP, grid_square
from wangge.lib.geo import area_m2

# Messages are checked in English; the default language is Simplified Chinese.
pytestmark = pytest.mark.usefixtures("english")


def _feature(code, geometry, **props):
    geojson = mapping(geometry) if not isinstance(geometry, dict) else geometry
    return {"type": "Feature", "properties": {"code": code, **props}, "geometry": geojson}


def _file(tmp_path, features, name="grids.geojson"):
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return str(path)


def _current(small):
    return [_feature(grid.code, grid_square(i)) for i, grid in enumerate(small.grids)]


def _grids(*args):
    out = io.StringIO()
    call_command("grids", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def _import_json(path, *args):
    out = io.StringIO()
    try:
        call_command("grids", "import", path, "--json", *args, stdout=out, stderr=io.StringIO())
        error = None
    except CommandError as exc:
        error = exc
    return json.loads(out.getvalue()), error


def _snapshot():
    return (
        list(AreaNode.objects.order_by("pk").values_list("pk", "code")),
        list(GridBoundary.objects.order_by("pk").values_list("pk", "generation", "valid_to")),
    )


def test_a_dry_run_reports_and_writes_nothing(small, tmp_path):
    features = _current(small)
    features[0] = _feature(small.grids[0].code, box(117.0, 36.6, 117.01, 36.611))  # redrawn, 0.001° taller
    features.append(
        _feature("T-C2-G3", grid_square(4), community="T-C2", name="社区2第3网格")  # new, east of grid 3
    )
    before = _snapshot()
    output = _grids("import", _file(tmp_path, features))
    assert _snapshot() == before
    assert "T-C2-G3" in output and small.grids[0].code in output
    assert "--commit" in output
    report, error = _import_json(_file(tmp_path, features))
    assert error is None
    assert report["new"] == ["T-C2-G3"]
    assert report["redrawn"] == [small.grids[0].code]
    assert report["unchanged"] == [g.code for g in small.grids[1:]]
    assert report["not_in_file"] == [] and report["committed"] is False
    assert _snapshot() == before


def test_grids_left_out_of_the_file_are_reported_and_kept(small, tmp_path):
    report, error = _import_json(_file(tmp_path, _current(small)[:3]))
    assert error is None
    assert report["not_in_file"] == [small.grids[3].code]


def test_an_overlap_is_reported_with_its_area_and_place(small, tmp_path):
    features = _current(small)
    # Grid 0 reaches 0.002° into grid 1.
    features[0] = _feature(small.grids[0].code, box(117.0, 36.6, 117.012, 36.61))
    path = _file(tmp_path, features)
    before = _snapshot()
    report, error = _import_json(path)
    assert error is not None and "overlap" in str(error)
    [overlap] = report["overlaps"]
    assert overlap["code"] == "grids_overlap"
    assert overlap["feature"] == f"{small.grids[0].code} / {small.grids[1].code}"
    expected = area_m2(box(117.01, 36.6, 117.012, 36.61))
    assert overlap["area_m2"] == pytest.approx(expected, rel=1e-3)
    lng, lat = overlap["at"]
    assert 117.01 <= lng <= 117.012 and 36.6 <= lat <= 36.61
    with pytest.raises(CommandError, match="Nothing was written"):
        _grids("import", path, "--commit")
    assert _snapshot() == before
    with pytest.raises(CommandError) as refused:
        call_command("grids", "import", path, stdout=(out := io.StringIO()))
    assert "m²" in out.getvalue() and "117.01" in out.getvalue()
    assert "cannot be committed" in str(refused.value)


def _with_hole(index, hole):
    square = grid_square(index)
    return Polygon(square.exterior.coords, [hole.exterior.coords])


def test_a_gap_is_reported_with_its_area_and_refused_unless_allowed(small, tmp_path):
    features = _current(small)
    x0 = 117.0 + STEP  # grid 1
    hole = box(x0 + 0.004, 36.604, x0 + 0.006, 36.606)
    features[1] = _feature(small.grids[1].code, _with_hole(1, hole))
    path = _file(tmp_path, features)
    report, error = _import_json(path)
    [gap] = report["gaps"]
    assert gap["code"] == "gap_between_grids"
    assert gap["area_m2"] == pytest.approx(area_m2(hole), rel=1e-3)
    assert hole.contains(Point(*gap["at"]))
    assert error is not None and "--allow-gaps" in str(error)
    before = _snapshot()
    with pytest.raises(CommandError, match="--allow-gaps"):
        _grids("import", path, "--commit")
    assert _snapshot() == before
    output = _grids("import", path, "--commit", "--allow-gaps")
    assert "1 redrawn" in output
    assert GridBoundary.objects.get(grid=small.grids[1], valid_to__isnull=True).generation == 2


def test_a_self_intersecting_polygon_is_an_invalid_geometry(small, tmp_path):
    features = _current(small)
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[117.0, 36.6], [117.01, 36.61], [117.01, 36.6], [117.0, 36.61], [117.0, 36.6]]],
    }
    features[0] = _feature(small.grids[0].code, bowtie)
    before = _snapshot()
    report, error = _import_json(_file(tmp_path, features), "--commit")
    assert [(e["code"], e["feature"]) for e in report["errors"]] == [("invalid_geometry", small.grids[0].code)]
    assert error is not None and "Nothing was written" in str(error)
    assert _snapshot() == before


def test_each_feature_error_is_reported(small, tmp_path):
    features = [
        *_current(small),
        {"type": "Point"},
        _feature("", grid_square(5)),
        _feature(small.grids[0].code, grid_square(0)),
        _feature("T-NEW", {"type": "LineString", "coordinates": [[117, 36], [118, 37]]}, community="T-C1", name="x"),
        _feature("T-NEW2", grid_square(6), community="T-C1"),
        {"type": "Feature", "properties": ["T-NEW3"], "geometry": mapping(grid_square(7))},
    ]
    report, error = _import_json(_file(tmp_path, features))
    assert [e["code"] for e in report["errors"]] == [
        "not_a_feature",
        "grid_code_missing",
        "grid_code_repeated",
        "bad_geometry_type",
        "grid_name_missing",
        "grid_code_missing",
    ]
    assert error is not None


def test_an_unknown_community_for_a_new_grid_writes_nothing(small, tmp_path):
    features = [*_current(small), _feature("T-C9-G1", grid_square(4), community="T-C9", name="新网格")]
    features[0] = _feature(small.grids[0].code, box(117.0, 36.6, 117.01, 36.611))  # a valid redraw alongside
    before = _snapshot()
    report, error = _import_json(_file(tmp_path, features), "--commit")
    assert [(e["code"], e["feature"]) for e in report["errors"]] == [("unknown_community", "T-C9-G1")]
    assert error is not None and "Nothing was written" in str(error)
    assert _snapshot() == before


def test_a_new_grid_code_taken_by_another_node_is_an_error(small, tmp_path):
    taken = small.buildings[0].code
    features = [*_current(small), _feature(taken, grid_square(4), community="T-C2", name="新网格")]
    before = _snapshot()
    report, error = _import_json(_file(tmp_path, features), "--commit")
    assert [(e["code"], e["feature"]) for e in report["errors"]] == [("grid_code_taken", taken)]
    assert error is not None
    assert _snapshot() == before


def test_commit_on_a_clean_file_adds_a_generation_and_keeps_the_old_one(small, tmp_path):
    features = _current(small)
    features[0] = _feature(small.grids[0].code, box(117.0, 36.6, 117.01, 36.611))
    features.append(_feature("T-C2-G3", grid_square(4), community="T-C2", name="社区2第3网格"))
    output = _grids("import", _file(tmp_path, features), "--commit")
    assert "1 new" in output and "1 redrawn" in output
    rows = list(GridBoundary.objects.filter(grid=small.grids[0]).order_by("generation"))
    assert [r.generation for r in rows] == [1, 2]
    assert rows[0].valid_to is not None and rows[1].valid_to is None
    assert shape(rows[0].geometry).equals(grid_square(0))
    assert shape(rows[1].geometry).equals(box(117.0, 36.6, 117.01, 36.611))
    new = AreaNode.objects.get(code="T-C2-G3")
    assert new.level == Level.GRID and new.parent_id == small.communities[1].pk and new.grid_id == new.pk
    assert GridBoundary.objects.get(grid=new).generation == 1
    # Unchanged grids keep their single generation.
    assert GridBoundary.objects.filter(grid=small.grids[1]).count() == 1


def test_a_malformed_file_is_a_clear_error(small, tmp_path):
    path = tmp_path / "broken.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    with pytest.raises(CommandError, match="not valid JSON"):
        _grids("import", str(path))
    with pytest.raises(CommandError, match="does not exist"):
        _grids("import", str(tmp_path / "missing.geojson"))
    binary = tmp_path / "binary.geojson"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(CommandError, match="UTF-8"):
        _grids("import", str(binary))
    with pytest.raises(CommandError, match="directory"):
        _grids("import", str(tmp_path))


def test_json_that_is_not_a_feature_collection_is_reported(small, tmp_path):
    path = tmp_path / "list.json"
    path.write_text("[1, 2]", encoding="utf-8")
    report, error = _import_json(str(path))
    assert [e["code"] for e in report["errors"]] == ["not_a_feature_collection"]
    assert error is not None


def test_the_district_is_chosen_by_code_or_implied_when_alone(small, tmp_path):
    path = _file(tmp_path, _current(small))
    assert _import_json(path, "--district", "T")[1] is None
    with pytest.raises(CommandError, match="NOPE"):
        _grids("import", path, "--district", "NOPE")
    create_district(None, name="第二区", code="U")
    with pytest.raises(CommandError, match="--district"):
        _grids("import", path)
    assert _import_json(path, "--district", "T")[1] is None


def test_no_district_at_all_is_a_clear_error(db, tmp_path):
    with pytest.raises(CommandError, match="no district"):
        _grids("export")


def test_export_writes_the_current_boundaries(small):
    document = json.loads(_grids("export"))
    assert document["type"] == "FeatureCollection"
    features = document["features"]
    assert [f["properties"]["code"] for f in features] == [g.code for g in small.grids]
    assert features[2]["properties"] == {
        "code": small.grids[2].code,
        "name": small.grids[2].name,
        "community": small.communities[1].code,
        "generation": 1,
    }
    assert features[0]["geometry"]["type"] == "Polygon"


def test_export_then_import_round_trips_unchanged(small, tmp_path):
    path = tmp_path / "export.geojson"
    path.write_text(_grids("export", "--district", "T"), encoding="utf-8")
    report, error = _import_json(str(path), "--commit")
    assert error is None
    assert report["unchanged"] == [g.code for g in small.grids]
    assert report["new"] == report["redrawn"] == report["errors"] == report["overlaps"] == report["gaps"] == []
    assert GridBoundary.objects.count() == 4


def test_a_code_with_a_control_character_is_an_error_not_a_database_failure(small, tmp_path):
    """A NUL cannot be stored by PostgreSQL: the feature is refused by name, before any query."""
    features = [*_current(small), _feature("T-C2-G\x003", grid_square(4), community="T-C2", name="新网格")]
    before = _snapshot()
    report, error = _import_json(_file(tmp_path, features), "--commit")
    assert [(e["code"], e["feature"]) for e in report["errors"]] == [("invalid_characters", "feature 5")]
    assert error is not None
    assert _snapshot() == before


def test_a_new_grids_name_is_stored_without_bidi_or_control_characters(small, tmp_path):
    features = [*_current(small), _feature("T-C2-G3", grid_square(4), community="T-C2", name="\u202e社区2\x00第3网格")]
    _grids("import", _file(tmp_path, features), "--commit")
    assert AreaNode.objects.get(code="T-C2-G3").name == "社区2第3网格"


# --- communities created from the file ---------------------------------------------------------


def _new_community_features():
    return [
        _feature(
            "N-C1-G1", box(117.1, 36.65, 117.105, 36.655), community="N-C1", community_name="东湖社区", name="东湖1"
        ),
        _feature(
            "N-C1-G2", box(117.105, 36.65, 117.11, 36.655), community="N-C1", community_name="东湖社区", name="东湖2"
        ),
        _feature(
            "N-C2-G1", box(117.1, 36.655, 117.105, 36.66), community="N-C2", community_name="西山社区", name="西山1"
        ),
    ]


def test_a_dry_run_lists_the_communities_a_file_would_create_and_writes_nothing(db, tmp_path):
    create_district(None, name="新区", code="N")
    before = _snapshot()
    report, error = _import_json(_file(tmp_path, _new_community_features()))
    assert error is None
    assert report["new_communities"] == ["N-C1", "N-C2"]
    assert report["community_names"] == {"N-C1": "东湖社区", "N-C2": "西山社区"}
    assert report["new"] == ["N-C1-G1", "N-C1-G2", "N-C2-G1"]
    assert _snapshot() == before
    assert "New communities (2): N-C1, N-C2" in _grids("import", _file(tmp_path, _new_community_features()))


def test_commit_creates_the_communities_with_their_grids_and_a_second_run_changes_nothing(db, tmp_path):
    district = create_district(None, name="新区", code="N")
    path = _file(tmp_path, _new_community_features())
    report, error = _import_json(path, "--commit")
    assert error is None and report["committed"] is True
    communities = AreaNode.objects.filter(district=district, level=Level.COMMUNITY).order_by("code")
    assert [(c.code, c.name, c.parent_id, c.community_id) for c in communities] == [
        ("N-C1", "东湖社区", district.pk, communities[0].pk),
        ("N-C2", "西山社区", district.pk, communities[1].pk),
    ]
    grid = AreaNode.objects.get(code="N-C2-G1")
    assert (grid.level, grid.parent_id, grid.community_id) == (Level.GRID, communities[1].pk, communities[1].pk)
    before = _snapshot()
    again, error = _import_json(path, "--commit")
    assert error is None
    assert again["new_communities"] == [] and again["new"] == []
    assert again["unchanged"] == ["N-C1-G1", "N-C1-G2", "N-C2-G1"]
    assert _snapshot()[0] == before[0]


def test_a_new_community_without_a_name_or_with_two_names_is_an_error(db, tmp_path):
    create_district(None, name="新区", code="N")
    features = _new_community_features()
    features[1]["properties"]["community_name"] = "东湖"
    features[2]["properties"].pop("community_name")
    before = _snapshot()
    report, error = _import_json(_file(tmp_path, features), "--commit")
    assert [(e["code"], e["feature"]) for e in report["errors"]] == [
        ("community_name_conflict", "N-C1-G2"),
        ("unknown_community", "N-C2-G1"),
    ]
    assert error is not None
    assert _snapshot() == before


def test_a_new_community_code_taken_by_a_grid_is_an_error(small, tmp_path):
    features = [
        *_current(small),
        _feature("T-X-G1", grid_square(4), community=small.grids[0].code, community_name="某社区", name="某网格"),
    ]
    before = _snapshot()
    report, error = _import_json(_file(tmp_path, features), "--commit")
    assert [(e["code"], e["feature"]) for e in report["errors"]] == [("community_code_taken", small.grids[0].code)]
    assert report["new_communities"] == []
    assert error is not None
    assert _snapshot() == before
