"""The characters text may hold (`wangge.lib.text`): control characters and lone surrogates are
refused, bidirectional controls removed, tab, line feed and carriage return are text."""

import pytest

from wangge.lib.text import BIDI_CONTROLS, clean_text, has_refused_characters, strip_bidi


@pytest.mark.parametrize("value", ["a\x00b", "\x01", "\x1f", "\x7f", "\x85", "\x9f", "x\ud800", "\udfff"])
def test_control_characters_and_lone_surrogates_are_refused(value):
    assert has_refused_characters(value)


@pytest.mark.parametrize("value", ["", "路灯不亮", "第一行\r\n第二行\t完", "\U0001f4a1", "\u00a0\u3000", BIDI_CONTROLS])
def test_ordinary_text_white_space_and_emoji_are_not_refused(value):
    assert not has_refused_characters(value)


def test_every_bidi_control_is_removed_and_nothing_else():
    controls = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
    assert set(controls) == set(BIDI_CONTROLS)
    assert strip_bidi(f"{controls}exe.\u202egpj 张三 مرحبا") == "exe.gpj 张三 مرحبا"


def test_clean_text_drops_bidi_and_control_characters_and_trims():
    assert clean_text(" \u202e张\x00三\u202c ") == "张三"
    assert clean_text("\u2067王\u2069 小明") == "王 小明"
