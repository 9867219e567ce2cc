from __future__ import annotations

import pytest

from aggregator.clean import normalize_text


@pytest.mark.parametrize("raw, expected", [
    ("ＡＢＣ　１２３", "ABC 123"),                      # full-width letters/digits/space
    ("价格上涨５％，达到１００元。", "价格上涨5％，达到100元。"),  # keep Chinese/full-width punctuation
    ("你好，世界！（测试）：“引号”", "你好，世界！（测试）：“引号”"),
    ("零\u200b宽\u200d字\ufeff符\u2060", "零宽字符"),
    ("a\u00a0\u00a0b\tc", "a b c"),
    ("  第一段  \r\n\r\n\r\n  第二段\r第三段\u2028第四段 ", "第一段\n第二段\n第三段\n第四段"),
    ("\u3000\u3000首行缩进的段落", "首行缩进的段落"),
    ("控制\x00字符\x07", "控制字符"),
    ("", ""),
    ("\n\n \n", ""),
])
def test_normalize_table(raw, expected):
    assert normalize_text(raw) == expected


def test_normalize_keeps_paragraph_breaks():
    assert normalize_text("甲。\n乙。").split("\n") == ["甲。", "乙。"]


def test_normalize_never_raises_on_non_str():
    assert normalize_text(None) == ""  # type: ignore[arg-type]
    assert normalize_text(123) == "123"  # type: ignore[arg-type]
