"""Text cleaning: normalisation and footer-boilerplate stripping (rules in ``rules.py``)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from .rules import BRIDGE_MAX, BRIDGE_MAX_LEN, DEFAULT_RULES, Rule, with_learned_lines

__all__ = ["normalize_text", "strip_boilerplate", "Stripped", "learn_source_boilerplate",
           "DEFAULT_RULES", "Rule", "with_learned_lines"]

_ZERO_WIDTH = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_SPACES = re.compile("[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_NEWLINES = re.compile("\r\n|[\r\u2028\u2029\x85\x0b\x0c\x1c-\x1e]")
_CONTROL = re.compile("[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f]")
# full-width ASCII letters and digits → ASCII (punctuation stays full-width)
_FW = {cp: cp - 0xFEE0 for cp in list(range(0xFF10, 0xFF1A)) + list(range(0xFF21, 0xFF3B)) + list(range(0xFF41, 0xFF5B))}


def normalize_text(text: str) -> str:
    """Normalise widths and whitespace; one paragraph per line; idempotent; never raises."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    text = _NEWLINES.sub("\n", text)
    text = _ZERO_WIDTH.sub("", text)
    text = _CONTROL.sub("", text)
    text = text.translate(_FW)
    lines = (_SPACES.sub(" ", ln).strip() for ln in text.split("\n"))
    return "\n".join(ln for ln in lines if ln)


@dataclass
class Stripped:
    body: str
    removed: list[str] = field(default_factory=list)
    hits: dict[str, int] = field(default_factory=dict)


def _match(line: str, rules: Iterable[Rule]) -> Rule | None:
    for r in rules:
        if len(line) <= max(r.max_len, r.anywhere_max_len) and r.matches(line):
            return r
    return None


def _footer_zone(lines: list[str], matched: list[Rule | None]) -> int:
    """Index where the footer zone starts (len(lines) if there is none)."""
    start = len(lines)
    pending = 0
    for i in range(len(lines) - 1, -1, -1):
        r = matched[i]
        if r is not None and len(lines[i]) <= r.max_len:
            start = i
            pending = 0
        elif pending < BRIDGE_MAX and len(lines[i]) <= BRIDGE_MAX_LEN and start < len(lines):
            pending += 1
        else:
            break
    return start


_PROSE_END = re.compile(r"[。！？!?]\s*$")
_CONTACT = re.compile(r"\d{5,}|\d{3,4}[-\s]\d{3,4}|@")


def _trim_prose_top(lines: list[str], matched: list, zone: int) -> int:
    """The article's own last sentence that merely mentions 微信/电话 ("市民可通过微信公众号
    预约。") is not the first line of the footer block: weak prose lines without any
    number or address at the top of the zone are left to the article."""
    while zone < len(lines):
        m = matched[zone]
        line = lines[zone]
        if m is None or m.strong or not _PROSE_END.search(line) or _CONTACT.search(line):
            break
        zone += 1
        while zone < len(lines) and matched[zone] is None:  # bridges above the real block
            zone += 1
    return zone


def strip_boilerplate(body: str, rules=DEFAULT_RULES) -> Stripped:
    """Remove footer boilerplate lines; every removed line is kept in ``removed``."""
    if not isinstance(body, str) or not body:
        return Stripped(body if isinstance(body, str) else "", [], {})
    lines = body.split("\n")
    rules = tuple(rules)
    matched = [_match(ln, rules) if ln.strip() else None for ln in lines]
    zone = _trim_prose_top(lines, matched, _footer_zone(lines, matched))
    anchored = any(m is not None and m.strong and m.anchor and len(lines[i]) <= m.max_len
                   for i, m in enumerate(matched[zone:], zone))
    drop: dict[int, str] = {}
    if anchored:
        # bridges count only when sandwiched between matched lines
        last_match = max(i for i in range(zone, len(lines)) if matched[i] is not None)
        for i in range(zone, last_match + 1):
            m = matched[i]
            drop[i] = m.name if m is not None else "footer_block"
    for i, m in enumerate(matched):
        if i in drop or m is None or not m.strong:
            continue
        if len(lines[i]) <= m.anywhere_max_len:
            drop[i] = m.name
    hits = Counter(drop[i] for i in sorted(drop))
    return Stripped(
        body="\n".join(ln for i, ln in enumerate(lines) if i not in drop),
        removed=[lines[i] for i in sorted(drop)],
        hits=dict(hits),
    )


def learn_source_boilerplate(bodies: Iterable[str], min_share: float = 0.5, min_pages: int = 5,
                             max_line_len: int = 120, edge_lines: int = 8) -> set[str]:
    """Template lines of one source: lines recurring in many of its pages.

    Pure. A line is a template line only if it appears (exactly, after stripping) in at
    least ``min_pages`` pages AND in at least ``min_share`` of all pages, is at most
    ``max_line_len`` characters, and sits among the first/last ``edge_lines`` lines of
    those pages. A real sentence quoted by two articles fails the page-count test, and a
    long paragraph or one from the middle of an article is never considered.
    """
    counts: Counter = Counter()
    n = 0
    for body in bodies:
        n += 1
        lines = [ln.strip() for ln in (body or "").split("\n") if ln.strip()]
        edge = lines[:edge_lines] + lines[-edge_lines:]
        counts.update({ln for ln in edge if len(ln) <= max_line_len})
    if n == 0:
        return set()
    return {ln for ln, c in counts.items() if c >= min_pages and c / n >= min_share}
