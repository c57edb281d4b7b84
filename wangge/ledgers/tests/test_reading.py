"""Reading messy ledgers: encodings, merged and two-row headers, title and empty rows, stray
spaces and line breaks, full-width characters, ID numbers in every shape, dates in every shape."""

import datetime as dt

import openpyxl
import pytest

from wangge.ledgers.actions import check_file
from wangge.ledgers.cleaning import EXCEL_EPOCH, Invalid, clean_name, parse_date, parse_id_number, parse_phone, text
from wangge.ledgers.layouts import LAYOUTS, Mapping, normalise_header
from wangge.ledgers.matching import Status
from wangge.ledgers.reading import read_table
from wangge.ledgers.tests.factories import (
    GRID_HEADER,
    MEMBERS_HEADER,
    first_generation,
    grid_row,
    id_number,
    member_row,
    write_csv,
    write_xlsx,
)
from wangge.lib.errors import DomainError

STANDARD = "11010519491231002X"  # GB 11643's own example


# --- cells ----------------------------------------------------------------------------------


def test_text_is_nfkc_with_spaces_and_line_breaks_collapsed():
    assert text("  泉华路\u00a01号\r\n1号楼\u3000 ") == "泉华路 1号 1号楼"
    assert text("ＡＢＣ１２３") == "ABC123"
    assert text("\u200b本科\ufeff") == "本科"
    assert text(13812345678.0) == "13812345678"


def test_names_lose_the_spaces_typed_to_line_them_up():
    assert clean_name("张  三") == "张三"
    assert clean_name(" 王\u00a0小明\n") == "王小明"
    assert clean_name("欧阳\u3000娜娜") == "欧阳娜娜"
    assert clean_name("买买提·艾力") == "买买提·艾力"
    assert clean_name("John  Smith") == "John Smith"


@pytest.mark.parametrize(
    "raw",
    [
        STANDARD,
        STANDARD.lower(),
        " 110105 1949 1231 002x ",
        "１１０１０５１９４９１２３１００２Ｘ",  # full-width digits and letter
        "１１０１０５１９４９１２３１００２ｘ",
        "110105-19491231-002X",
        "110105491231002",  # first generation, 15 digits
        "'11010519491231002X",  # typed with Excel's text apostrophe
    ],
)
def test_id_numbers_in_every_shape_become_the_same_18_characters(raw):
    assert parse_id_number(raw) == STANDARD


def test_a_15_digit_number_gets_19_and_its_check_digit():
    birth = dt.date(1962, 7, 3)
    assert parse_id_number(first_generation(birth, 15)) == id_number(birth, 15)
    assert parse_id_number(float(first_generation(birth, 15))) == id_number(birth, 15)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("110105194912310021", "id_number_check_digit"),
        ("110105194902300023", "id_number_birth_date"),
        ("110105490230002", "id_number_birth_date"),  # 15 digits, 30 February
        ("11010519491231", "id_number_format"),
        (1.1010519491231002e17, "id_number_as_number"),  # an 18-digit number kept as a float
    ],
)
def test_bad_id_numbers_say_what_is_wrong_and_never_repeat_the_number(raw, code):
    with pytest.raises(Invalid) as error:
        parse_id_number(raw)
    assert error.value.code == code
    assert "1101051949" not in error.value.message


JAN_5 = dt.date(2026, 1, 5)


@pytest.mark.parametrize(
    "raw",
    [
        "2026-01-05",
        "2026/1/5",
        "2026.1.5",
        "2026年1月5日",
        "２０２６年１月５日",
        "20260105",
        20260105,
        46027,  # Excel serial number
        46027.0,
        "2026-01-05 00:00:00",
        dt.date(2026, 1, 5),
        dt.datetime(2026, 1, 5, 0, 0),  # noqa: DTZ001 (a spreadsheet's cell value: naive)
    ],
)
def test_dates_in_every_shape(raw):
    assert parse_date(raw, "birth_date") == JAN_5


def test_the_excel_serial_number_counts_from_1899_12_30():
    assert EXCEL_EPOCH + dt.timedelta(days=46027) == JAN_5


@pytest.mark.parametrize(
    ("raw", "code"), [("2026-02-30", "date_impossible"), ("明年", "date_format"), (-3, "date_format")]
)
def test_impossible_and_unreadable_dates(raw, code):
    with pytest.raises(Invalid) as error:
        parse_date(raw, "birth_date")
    assert error.value.code == code


@pytest.mark.parametrize(
    "raw",
    [
        "13812345678",
        "138-1234-5678",
        "+86 138 1234 5678",
        "13812345678/13900000000",
        13812345678.0,
        "１３８１２３４５６７８",
    ],
)
def test_phones(raw):
    assert parse_phone(raw) == "13812345678"


def test_headers_are_compared_without_marks_notes_and_spaces():
    assert normalise_header("* 公民身份号码（必填）") == "公民身份号码"
    assert normalise_header("联系 电话\n(手机)") == "联系电话"
    assert normalise_header("低保、特困") == "低保/特困"
    assert normalise_header("(单元)") == "单元"


# --- files ----------------------------------------------------------------------------------


def test_a_title_row_a_two_row_header_with_merged_cells_and_empty_rows(tmp_path):
    """The grid system's export: a merged title, then 基本信息 / 残疾 spanning sub-headers, with
    姓名 and 身份证号 merged over both header rows; blank rows between the data."""
    upper = ["社区", "网格", "楼栋", "房号", "姓名", "身份证号", "残疾", None, "困难情况", None]
    lower = [None, None, None, None, None, None, "类别", "等级", "低保", "独居老人"]
    merges = ["A2:A3", "B2:B3", "C2:C3", "D2:D3", "E2:E3", "F2:F3", "G2:H2", "I2:J2"]
    rows = [
        ["社区1", "第1网格", "1号楼", "101", "王小明", STANDARD, "肢体", "二级", "是", "√"],
        [None] * 10,
        [],
        ["社区1", "第1网格", "1号楼", "201", "赵丽", "", "", "", "否", ""],
    ]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["泉华区网格人员台账（2026年1月）"])
    sheet.merge_cells("A1:J1")
    sheet.append(upper)
    sheet.append(lower)
    for merged in merges:
        sheet.merge_cells(merged)
    for row in rows:
        sheet.append(row)
    path = tmp_path / "two-row.xlsx"
    book.save(path)
    table = read_table(path, LAYOUTS["grid"], Mapping())
    assert table.header_rows == (2, 3)
    assert sorted(table.columns.values()) == sorted(
        [
            "community",
            "grid",
            "building",
            "room",
            "name",
            "id_number",
            "disability_kind",
            "disability_level",
            "low_income",
            "elderly_alone",
        ]
    )
    data = list(table.rows)
    assert [number for number, _cells in data] == [4, 7]  # spreadsheet row numbers; empty rows skipped
    assert data[0][1]["disability_kind"] == "肢体" and data[0][1]["disability_level"] == "二级"


def test_header_synonyms_and_columns_not_read(tmp_path):
    header = ["*姓名", "证件号码", "手机号码", "报到社区", "党员类别", "备注"]
    path = write_xlsx(
        tmp_path / "m.xlsx", [["李建国", STANDARD, "13812345678", "社区1", "在职党员", "无"]], header=header
    )
    table = read_table(path, LAYOUTS["members"], Mapping())
    assert table.columns == {0: "name", 1: "id_number", 2: "phone", 3: "home_community", 4: "member_kind"}
    assert table.ignored_headers == ["备注"]


def test_a_file_without_the_required_columns_is_refused_as_a_whole(tmp_path):
    path = write_xlsx(tmp_path / "m.xlsx", [["李建国", STANDARD]], header=["姓名", "身份证号"])
    with pytest.raises(DomainError) as error:
        read_table(path, LAYOUTS["grid"], Mapping())
    assert error.value.code == "column_missing"
    path = write_xlsx(tmp_path / "n.xlsx", [["a", "b"]], header=["甲", "乙"])
    with pytest.raises(DomainError) as error:
        read_table(path, LAYOUTS["grid"], Mapping())
    assert error.value.code == "header_not_found"


def test_a_spreadsheet_that_is_not_one_is_refused(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"not a zip file at all")
    with pytest.raises(DomainError) as error:
        read_table(path, LAYOUTS["grid"], Mapping())
    assert error.value.code == "file_unreadable"
    with pytest.raises(DomainError) as error:
        read_table(tmp_path / "ledger.pdf", LAYOUTS["grid"], Mapping())
    assert error.value.code == "file_type"


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig", "utf-8", "utf-16"])
def test_csv_in_gbk_and_utf8_with_or_without_bom_reads_the_same(small, tmp_path, encoding):
    rows = [
        grid_row(name="王小明", id_number=STANDARD.lower(), phone="13812345678", education="大专", ethnicity="汉"),
        grid_row(room="201", name="赵\u3000丽" if encoding != "gbk" else "赵  丽", current_address="泉华路1号"),
    ]
    path = write_csv(tmp_path / f"ledger-{encoding}.csv", rows, encoding=encoding)
    check = check_file(None, district=small.district, path=path, layout="grid")
    assert [r.status for r in check.results] == [Status.NEW, Status.NEW]
    first, second = (r.facts for r in check.results)
    assert (first.name, first.id_number, first.education, first.ethnicity) == ("王小明", STANDARD, "college", "汉族")
    assert second.name == "赵丽" and second.current_address == "泉华路1号"


def test_messy_cells_in_a_members_export(small, tmp_path):
    """Full-width digits, line breaks inside cells, a 15-digit number, dates of every kind."""
    birth_a, birth_b, birth_c = dt.date(1962, 7, 3), dt.date(1999, 12, 1), dt.date(1985, 4, 9)
    rows = [
        member_row(
            number=1,
            name="李 建国",
            id_number=first_generation(birth_a, 15),
            birth="1962年7月3日",
            kind="离退休党员",
            reported_on="2019/3/8",
        ),
        member_row(
            number=2,
            name="陈\n静",
            gender="女",
            id_number="３７０１０２" + id_number(birth_b, 24)[6:],
            kind="学生党员",
            reported_on=43532,
            phone="１３８１２３４５６７８",
        ),
        member_row(
            number=3,
            name="周明",
            id_number=id_number(birth_c, 33).lower().replace("x", "x"),
            birth=dt.date(1985, 4, 9),
            reported_on="20190308",
            education="研究生",
        ),
    ]
    path = write_xlsx(tmp_path / "members.xlsx", rows, header=MEMBERS_HEADER)
    check = check_file(None, district=small.district, path=path, layout="members")
    assert [r.status for r in check.results] == [Status.NEW] * 3, [r.reasons() for r in check.results]
    a, b, c = (r.facts for r in check.results)
    assert (a.name, a.id_number, a.birth_date, a.member_kind) == ("李建国", id_number(birth_a, 15), birth_a, "retired")
    assert a.reported_on == dt.date(2019, 3, 8) == b.reported_on == c.reported_on
    assert (b.name, b.id_number, b.phone, b.member_kind) == ("陈静", id_number(birth_b, 24), "13812345678", "student")
    assert (c.education, c.home_community_id) == ("master", small.communities[0].pk)


def test_duplicated_rows_name_the_earlier_row(small, tmp_path):
    rows = [
        grid_row(name="王小明", id_number=STANDARD),
        grid_row(room="201", name="赵丽", birth="1975-03-01", current_address="泉华路1号"),
        grid_row(name="王小明", id_number=STANDARD.lower()),  # same number
        grid_row(room="201", name="赵丽", birth="1975/3/1", current_address="泉华路1号"),  # same row
        grid_row(room="201", name="赵丽", birth="1975-03-01", current_address="泉华路1号", phone="13900000000"),
    ]
    path = write_xlsx(tmp_path / "dups.xlsx", rows)
    results = check_file(None, district=small.district, path=path, layout="grid").results
    assert [r.status for r in results] == [Status.NEW, Status.NEW] + [Status.INVALID] * 3
    assert results[2].problems[0].code == "duplicate_row" and "第 2 行" in results[2].problems[0].message
    assert results[3].problems[0].code == "duplicate_row" and "第 3 行" in results[3].problems[0].message
    assert results[4].problems[0].code == "possible_duplicate_row" and "第 3 行" in results[4].problems[0].message


def test_a_repeated_header_row_is_not_a_row(small, tmp_path):
    rows = [grid_row(name="王小明"), GRID_HEADER, grid_row(room="201", name="赵丽")]
    path = write_xlsx(tmp_path / "pages.xlsx", rows)
    results = check_file(None, district=small.district, path=path, layout="grid").results
    assert [r.number for r in results] == [2, 4]
