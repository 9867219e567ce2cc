"""Find the article container by text/link density and turn it into paragraphs.

Pure functions over an lxml tree and the tables in :mod:`aggregator.extract.vocab`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from lxml import etree, html

from . import vocab

_WS = re.compile(r"[ \t\r\f\v\u00a0\u3000\u2000-\u200b\u202f\u205f\ufeff]+")
_PUNCT = re.compile(r"[，。！？；、,.!?;：:]")
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_TOKEN_SPLIT = re.compile(r"[\s_\-]+")
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_HARD = tuple(h for h in vocab.JUNK_HINTS if h not in vocab.SOFT_JUNK_HINTS)


def parse(text: str):
    """Parse HTML text into an lxml tree; returns the root or None."""
    text = _BAD_XML.sub("", text)
    text = re.sub(r"^\s*<\?xml[^>]*>", "", text)
    if not text.strip():
        return None
    try:
        root = html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        return None
    return root


def _tokens(el) -> list[str]:
    attrs = (el.get("class") or "") + " " + (el.get("id") or "")
    return [t for t in _TOKEN_SPLIT.split(attrs.lower()) if t]


def junk_kind(el) -> str | None:
    """'hard' / 'soft' / None from the class/id tokens of an element."""
    toks = _tokens(el)
    if not toks:
        return None
    kind = None
    for t in toks:
        for h in _HARD:
            if t == h or t.startswith(h) or (len(h) >= 5 and t.endswith(h)):
                return "hard"
        if kind is None and t in vocab.SOFT_JUNK_HINTS:
            kind = "soft"
    return kind


def content_hint(el) -> bool:
    for t in _tokens(el):
        for h in vocab.CONTENT_HINTS:
            if t == h or t.startswith(h):
                return True
    return False


def clean_tree(root) -> None:
    """Drop elements that never hold article text (script, nav, hidden…)."""
    for el in list(root.iter(etree.Comment, etree.ProcessingInstruction)):
        _drop(el)
    for el in list(root.iter()):
        if not isinstance(el.tag, str):
            continue
        if el.tag in vocab.DROP_TAGS or _HIDDEN.search(el.get("style") or "") or el.get("hidden") is not None \
                or el.get("aria-hidden") == "true" and el.tag not in ("body", "html"):
            if el.tag in ("head",) or el.getparent() is not None:
                _drop(el)


def _drop(el) -> None:
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


def _text_len(s: str | None) -> int:
    return len(_WS.sub("", s or "").replace("\n", "")) if s else 0


def _link_len(el) -> int:
    return sum(_text_len(a.text_content()) for a in el.iter("a"))


def _direct_text(el) -> str:
    parts = [el.text or ""]
    for ch in el:
        if isinstance(ch.tag, str) and ch.tag not in vocab.BLOCK_TAGS and ch.tag != "br":
            parts.append(ch.text_content() if ch.tag != "a" else "")
        parts.append(ch.tail or "")
    return "".join(parts)


def score_candidates(root) -> dict:
    """Readability-style: every paragraph gives its score to its ancestors."""
    scores: dict = {}
    body = root.find("body")
    if body is None:
        body = root
    for el in body.iter():
        tag = el.tag
        if not isinstance(tag, str) or tag in ("a", "h1", "title"):
            continue
        if tag in ("p", "pre"):
            text = el.text_content()
            length = _text_len(text)
            if length < 6:
                continue
            ld = _link_len(el) / max(length, 1)
            if ld > 0.5:
                continue
            target = el.getparent()
        else:
            text = _direct_text(el)
            length = _text_len(text)
            if length < 12:
                continue
            target = el
        if target is None:
            continue
        s = 1.0 + len(_PUNCT.findall(text)) + min(length / 40.0, 6.0)
        # skip paragraphs inside obvious junk (share bars, comment lists, footers)
        anc = el
        junk = False
        depth = 0
        while anc is not None and anc.tag not in ("body", "html") and depth < 12:
            if junk_kind(anc) == "hard":
                junk = True
                break
            anc = anc.getparent()
            depth += 1
        if junk:
            continue
        node, factor = target, 1.0
        for _ in range(3):
            if node is None or node.tag == "html":
                break
            scores[node] = scores.get(node, 0.0) + s * factor
            node = node.getparent()
            factor /= 2.0
    return scores


def best_container(root):
    scores = score_candidates(root)
    if not scores:
        return None
    best, best_score = None, -1.0
    for el, s in scores.items():
        length = _text_len(el.text_content())
        if length == 0:
            continue
        ld = _link_len(el) / length
        final = s * (1.0 - ld)
        if content_hint(el):
            final *= 1.25
        kind = junk_kind(el)
        if kind == "hard":
            final *= 0.3
        if final > best_score:
            best, best_score = el, final
    return best


def _is_link_block(el) -> bool:
    if el.tag in ("p", "h2", "h3", "h4", "pre", "blockquote"):
        return False
    links = el.findall(".//a")
    if len(links) < 2:
        return False
    total = _text_len(el.text_content())
    return total > 0 and _link_len(el) / total >= 0.6


def _walk(el, out: list[str], depth: int = 0) -> None:
    tag = el.tag
    if not isinstance(tag, str):
        if el.tail:
            out.append(el.tail)
        return
    if depth > 0:
        kind = junk_kind(el)
        if kind == "hard" or (kind == "soft" and _text_len(el.text_content()) < 200) or _is_link_block(el):
            if el.tail:
                out.append(el.tail)
            return
    block = tag in vocab.BLOCK_TAGS
    if tag == "br":
        out.append("\n")
    elif block:
        out.append("\n")
    if el.text and tag != "br":
        out.append(el.text)
    if depth < 200:
        for ch in el:
            _walk(ch, out, depth + 1)
    if block:
        out.append("\n")
    if el.tail and depth > 0:
        out.append(el.tail)


def to_lines(el, *, root_level: bool = True) -> list[str]:
    """Linearize an element: block boundaries and <br> become line breaks."""
    out: list[str] = []
    if root_level:
        _walk(el, out, 0)
    else:
        _walk_plain(el, out)
    text = "".join(out)
    lines = []
    for line in text.split("\n"):
        line = _WS.sub(" ", line).strip()
        if line:
            lines.append(line)
    return lines


def _walk_plain(el, out: list[str]) -> None:
    for ev, node in etree.iterwalk(el, events=("start", "end")):
        if not isinstance(node.tag, str):
            continue
        if ev == "start":
            if node.tag in vocab.BLOCK_TAGS or node.tag == "br":
                out.append("\n")
            if node.text:
                out.append(node.text)
        else:
            if node.tag in vocab.BLOCK_TAGS:
                out.append("\n")
            if node.tail and node is not el:
                out.append(node.tail)


def is_junk_line(line: str) -> bool:
    return any(p.search(line) for p in vocab.JUNK_LINES)


def truncate_index(lines: list[str]) -> int:
    for i, line in enumerate(lines):
        if i > 0 and len(line) <= 20 and vocab.TRUNCATE_HEADINGS.match(line):
            return i
    return len(lines)


def filter_lines(lines: Iterable[str]) -> list[str]:
    lines = list(lines)
    lines = lines[: truncate_index(lines)]
    return [ln for ln in lines if not is_junk_line(ln)]
