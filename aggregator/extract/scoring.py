"""Evaluation helpers shared by the quality-gate test and the benchmark."""

from __future__ import annotations

import re
from collections import Counter

# Boilerplate markers: if one is in an extracted body but not in the human truth, the
# page "leaks". 责任编辑/责编 are not markers: the truth often keeps an editor trailer.
LEAK_MARKERS = (
    "版权所有", "未经授权", "未经许可", "免责声明", "分享到", "分享给朋友", "相关文章", "相关新闻",
    "相关阅读", "上一篇", "下一篇", "扫一扫", "打印本页", "关闭窗口", "ICP备", "网络蜘蛛",
    "当前位置", "您的位置", "版权声明", "举报电话", "违法和不良信息", "返回顶部", "推荐阅读",
    "猜你喜欢", "发表评论", "网友评论", "Copyright", "All Rights Reserved",
)

_KEEP = re.compile(r"[0-9A-Za-z\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def char_bag(text: str) -> Counter:
    import unicodedata

    return Counter(_KEEP.findall(unicodedata.normalize("NFKC", text or "")))


def prf(pred: str, truth: str) -> tuple[float, float, float]:
    p, t = char_bag(pred), char_bag(truth)
    overlap = sum((p & t).values())
    np_, nt = sum(p.values()), sum(t.values())
    if np_ == 0 and nt == 0:
        return 1.0, 1.0, 1.0
    precision = overlap / np_ if np_ else 0.0
    recall = overlap / nt if nt else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def leaked_markers(pred: str, truth: str) -> list[str]:
    low_p, low_t = (pred or "").lower(), (truth or "").lower()
    return [m for m in LEAK_MARKERS if m.lower() in low_p and m.lower() not in low_t]
