"""Every text cell of a ledger loses the bidirectional controls and control characters it may
carry (a name like `\u202e三张` must not reach the registry turned around); white space inside
a cell is collapsed as before."""

import pytest

from wangge.ledgers.cleaning import clean_name, text


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("\u202e三张\u202c", "三张"),
        ("\u2066王 小明\u2069", "王小明"),  # the space between Chinese characters goes too
        ("张\u200f三", "张三"),
        ("张\x00三", "张三"),
        ("Zhang\x00 San\x7f", "Zhang San"),
        ('=HYPERLINK(\u202e"x")', '=HYPERLINK("x")'),
    ],
)
def test_a_name_cell_loses_bidi_and_control_characters(cell, expected):
    assert clean_name(cell) == expected


def test_any_text_cell_loses_them_and_keeps_its_white_space_rules():
    assert text("泉华路\u202e1号\x00 \t 2号楼\r\n101室\x1f") == "泉华路1号 2号楼 101室"
    assert text("plain ascii 12") == "plain ascii 12"
