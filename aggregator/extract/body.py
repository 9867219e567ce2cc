"""Find the article container by text/link density and turn it into paragraphs.

Pure functions over an lxml tree and the tables in :mod:`aggregator.extract.vocab`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from lxml import etree, html

from . import vocab

_WS = re.compile(r"[ \t\r\f\v\u00a0\u3000\u2000-\u200b\u202f\u205f\ufeff]+")
_PUNCT = re.compile(r"[，。！？；、,.!?;：:]")
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_TOKEN_SPLIT = re.compile(r"[\s_\-]+")
_END_TAGS = re.compile(r"</\s*(?:html|body)\s*>", re.I)
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_HARD = tuple(h for h in vocab.JUNK_HINTS if h not in vocab.SOFT_JUNK_HINTS)


def parse(text: str):
    """Parse HTML text into an lxml tree; returns the root or None."""
    text = _BAD_XML.sub("", text)
    text = re.sub(r"^\s*<\?xml[^>]*>", "", text)
    # libxml2 stops at </html>; included templates put it mid-page, and both end tags
    # are optional anyway.
    text = _END_TAGS.sub("", text)
    if not text.strip():
        return None
    try:
        # huge_tree: libxml2 otherwise silently drops everything nested deeper than 255
        root = html.document_fromstring(text, parser=html.HTMLParser(huge_tree=True))
    except (etree.ParserError, ValueError):
        return None
    return root


_HARD_PREFIX = re.compile("^(?:" + "|".join(sorted(map(re.escape, _HARD), key=len, reverse=True)) + ")")
_HARD_SUFFIX = re.compile("(?:" + "|".join(sorted((re.escape(h) for h in _HARD if len(h) >= 5), key=len, reverse=True)) + ")$")
_CONTENT_PREFIX = re.compile("^(?:" + "|".join(sorted(map(re.escape, vocab.CONTENT_HINTS), key=len, reverse=True)) + ")")


def _attrs(el) -> str:
    return ((el.get("class") or "") + " " + (el.get("id") or "")).lower()


_HARD_SET = frozenset(_HARD)
_HARD_LONG = tuple(h for h in _HARD if len(h) >= 5)
_PART_SPLIT = re.compile(r"[_\-]+")


def _alt(words) -> str:
    return "|".join(sorted(map(re.escape, words), key=len, reverse=True))


_CONTAINER_ALT = _alt(vocab.CLASS_CONTAINER_WORDS)
_HARD_PART = re.compile(r"^(?:" + _alt(_HARD) + r")(?:" + _CONTAINER_ALT + r"){0,2}\d*$|(?:" + _alt(_HARD_LONG) + r")$")


def _part_is_hard(part: str) -> bool:
    """A class-name part names a hard hint: equal to it, the hint plus a container word or
    a number ("sharebox", "footer2", "comments"), or ending with a long hint ("bdshare")."""
    return _HARD_PART.search(part) is not None


def token_kind(token: str) -> str | None:
    """'hard' / 'soft' / None for one whole class or id token.

    The token is a junk name when its head names a hint and the rest are container words
    ("share-box", "comment-list-wrap", "related-news"), when it ends with a component
    hint ("article-share", "news-comment"), or when its parts glued together are a hint
    ("pre-next"). A hint that only qualifies the token is not enough:
    "field-label-hidden", "pagination-first", "player-2020-580" and "a-list-item" are
    not junk."""
    parts = [p for p in _PART_SPLIT.split(token) if p]
    if not parts:
        return None
    joined = "".join(parts)
    rest_ok = all(p in vocab.CLASS_CONTAINER_WORDS for p in parts[1:])
    if joined in _HARD_SET or (rest_ok and _part_is_hard(parts[0])) \
            or (len(parts) > 1 and _part_is_hard(parts[-1])
                and parts[-1] not in vocab.CLASS_CONTAINER_WORDS):
        return "hard"
    if joined in vocab.SOFT_JUNK_HINTS or (rest_ok and parts[0] in vocab.SOFT_JUNK_HINTS) \
            or (len(parts) > 1 and parts[-1] in vocab.SOFT_JUNK_HINTS and parts[-1] not in vocab.SOFT_STATE_HINTS):
        return "soft"
    return None


@lru_cache(maxsize=8192)
def _kind_of(attrs: str) -> str | None:
    kind = None
    for t in attrs.split():
        k = token_kind(t)
        if k == "hard":
            return "hard"
        kind = kind or k
    return kind


@lru_cache(maxsize=4096)
def _content_of(attrs: str) -> bool:
    return any(_CONTENT_PREFIX.match(t) for t in _TOKEN_SPLIT.split(attrs) if t)


def junk_kind(el) -> str | None:
    """'hard' / 'soft' / None from the class/id tokens of an element."""
    attrs = _attrs(el)
    return _kind_of(attrs) if attrs.strip() else None


def content_hint(el) -> bool:
    attrs = _attrs(el)
    return _content_of(attrs) if attrs.strip() else False


def clean_tree(root) -> None:
    """Drop elements that never hold article text (script, style, small widgets, hidden bits)."""
    etree.strip_elements(root, etree.Comment, etree.ProcessingInstruction, *vocab.DROP_TAGS, with_tail=False)
    for el in list(root.iter(*vocab.DROP_TAGS_IF_SMALL)):
        # widgets; a big one (or one holding paragraphs) is a malformed wrapper
        if el.getparent() is not None and _text_len(el.text_content()) < vocab.DROP_IF_SMALL_MAX_CHARS \
                and el.find(".//p") is None:
            _drop(el)
    for el in root.xpath("//*[@style or @hidden or @aria-hidden]"):
        if el.tag in ("body", "html") or el.getparent() is None:
            continue
        if (el.get("hidden") is not None or el.get("aria-hidden") == "true"
                or _HIDDEN.search(el.get("style") or "")):
            # small hidden bits are widgets; a big hidden block is content revealed by JS
            if _text_len(el.text_content()) < vocab.DROP_IF_SMALL_MAX_CHARS:
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
    return len("".join(s.split())) if s else 0


class Measures:
    """Text and link-text length of every element, computed in one post-order pass."""

    __slots__ = ("text", "link")

    def __init__(self, root):
        text: dict = {}
        link: dict = {}
        for _ev, el in etree.iterwalk(root, events=("end",)):
            n = _text_len(el.text) if isinstance(el.tag, str) else 0
            ln = 0
            for ch in el:
                n += text.get(ch, 0) + _text_len(ch.tail)
                ln += link.get(ch, 0)
            text[el] = n
            link[el] = n if el.tag == "a" else ln
        self.text = text
        self.link = link

    def density(self, el) -> float:
        n = self.text.get(el, 0)
        return self.link.get(el, 0) / n if n else 0.0


def _link_len(el) -> int:
    return sum(_text_len(a.text_content()) for a in el.iter("a"))


def _direct_text(el) -> str:
    parts = [el.text or ""]
    for ch in el:
        if isinstance(ch.tag, str) and ch.tag not in vocab.BLOCK_TAGS and ch.tag != "br":
            parts.append(ch.text_content() if ch.tag != "a" else "")
        parts.append(ch.tail or "")
    return "".join(parts)


# cheap pre-check: every strong rule needs one of these
# (keep in sync with the strong rules in aggregator.clean.rules; tests/clean/test_rules.py checks)
_BOILER_TRIGGER = re.compile(r"[版權权©备備声聲侵蛛载載错錯许許刊收删刪观觀代存供构構举舉未禁凡编編]|copyright|rights|icp|\(c\)",
                             re.I)


@lru_cache(maxsize=1)
def _strong_rules_re():
    from aggregator.clean.rules import DEFAULT_RULES

    return re.compile("|".join(f"(?:{r.pattern.pattern})" for r in DEFAULT_RULES
                               if r.strong and r.pattern is not None), re.I)


def _is_boilerplate(text: str) -> bool:
    """Copyright/disclaimer/ICP text never votes for the article container."""
    return (len(text) <= 400 and _BOILER_TRIGGER.search(text) is not None
            and _strong_rules_re().search(text) is not None)


def _is_meta(text: str) -> bool:
    """A date/source/author line never votes for the article container."""
    from .meta import is_meta_line

    return is_meta_line(" ".join(text.split()))


def junk_map(root, m: Measures | None = None) -> dict:
    """element -> 'hard'/'soft' for class/id-hinted elements.

    A hard-hinted element holding most of the page's text is not junk: it is an
    unclosed ``<div class="breadcrumb">`` swallowing the page, or a badly named wrapper.
    """
    if m is None:
        m = Measures(root)
    total = m.text.get(root, 0) or 1
    out: dict = {}
    for el in root.iter():
        if not isinstance(el.tag, str) or el.tag in ("html", "body"):
            continue
        kind = junk_kind(el)
        if kind == "hard":
            size = m.text.get(el, 0)
            # an unclosed junk wrapper swallowing the page, or a content block whose
            # class list also names a feature (sina: class="BSHARE_POP …" id="artibody")
            ident = (el.get("id") or "").lower()
            if (size > 0.5 * total and total > 400) or (size >= 50 and ident and _content_of(ident)
                                                         and not _kind_of(ident)):
                kind = None
        if kind:
            out[el] = kind
    return out


def score_candidates(root, junk: dict, m: Measures) -> dict:
    """Readability-style: every paragraph gives its score to its ancestors."""
    scores: dict = {}
    body = root.find("body")
    if body is None:
        body = root
    in_junk = set()
    for el, kind in junk.items():
        if kind == "hard" and el not in in_junk:
            in_junk.update(el.iter())
    for el in body.iter():
        tag = el.tag
        if not isinstance(tag, str) or tag in ("a", "title") or el in in_junk:
            continue
        if tag in ("p", "pre", "h1", "h2", "h3", "h4", "h5", "h6"):
            length = m.text.get(el, 0)
            if length < 6 or m.density(el) > 0.5:
                continue
            text = el.text_content()
            target = el.getparent()
        else:
            if m.text.get(el, 0) < 12:
                continue
            text = _direct_text(el)
            length = _text_len(text)
            if length < 12:
                continue
            target = el
        if target is None or _is_boilerplate(text) or (length <= 150 and _is_meta(text)):
            continue
        s = 1.0 + min(len(_PUNCT.findall(text)), 15) + min(length / 40.0, 6.0)
        node, factor = target, 1.0
        for _ in range(3):
            if node is None or node.tag == "html":
                break
            scores[node] = scores.get(node, 0.0) + s * factor
            node = node.getparent()
            factor /= 2.0
    return scores


def find_title_element(root, title: str, m: Measures | None = None):
    """The element showing the article title (h1 first, then any short element)."""
    if not title:
        return None
    body = root.find("body")
    if body is None:
        return None
    norm = "".join(title.split())
    lo, hi = 0.6 * len(norm), len(norm) + 10
    for tags in (("h1",), ("h2", "h3"), ("div", "p", "span", "td", "strong", "font", "b")):
        for el in body.iter(*tags):
            if m is not None and not lo <= m.text.get(el, 0) <= hi:
                continue
            txt = "".join(el.text_content().split())
            if txt and len(txt) <= len(norm) + 10 and (txt == norm or (len(txt) >= 0.6 * len(norm) and norm in txt)):
                return el
    return None


def common_ancestor(a, b):
    seen = {id(x) for x in _ancestors(a)}
    node = b
    while node is not None and id(node) not in seen:
        node = node.getparent()
    return node if node is not None else a.getroottree().getroot()


def _ancestors(el) -> list:
    out = []
    while el is not None:
        out.append(el)
        el = el.getparent()
    return out


def position_factor(el, title_el, title_anc: list | None = None) -> float:
    """Favour containers near the title: articles follow their headline closely."""
    if title_el is None:
        return 1.0
    anc = title_anc if title_anc is not None else _ancestors(title_el)
    if el in anc:  # the candidate contains the title
        up = anc.index(el)
        return 1.3 if up <= 5 else 1.0
    pos = {id(a): i for i, a in enumerate(anc)}
    node = el
    while node is not None and id(node) not in pos:
        node = node.getparent()
    if node is None:
        return 1.0
    up = pos[id(node)]
    if node.tag in ("body", "html"):
        return 0.6
    if up <= 4:
        return 1.5
    if up >= 7:
        return 0.7
    return 1.0


def _in_teaser_list(el) -> bool:
    node, depth = el, 0
    while node is not None and depth < 6:
        if node.tag == "li":
            parent = node.getparent()
            if parent is not None and len(parent.findall("li")) >= 3:
                return True
        node = node.getparent()
        depth += 1
    return False


def _inside_article(el) -> bool:
    node = el
    while node is not None:
        if node.tag == "article" or node.get("itemprop") == "articleBody":
            return True
        node = node.getparent()
    return False


def best_container(root, junk: dict, m: Measures, title: str = ""):
    """Return ``(container, title_element)``; either may be None."""
    scores = score_candidates(root, junk, m)
    title_el = find_title_element(root, title, m)
    if not scores:
        return None, title_el
    title_anc = _ancestors(title_el) if title_el is not None else None
    has_article = root.find(".//article") is not None or bool(root.xpath("//*[@itemprop='articleBody']"))
    best, best_score = None, -1.0
    for el, s in scores.items():
        if not m.text.get(el, 0):
            continue
        final = s * (1.0 - m.density(el))
        if final <= best_score / 3.0:   # no bonus below can make up a factor of 3
            continue
        if content_hint(el):
            final *= 1.25
        kind = junk.get(el)
        if kind == "hard":
            final *= 0.3
        elif kind == "soft":
            final *= 0.6
        final *= position_factor(el, title_el, title_anc)
        if has_article and _inside_article(el):
            final *= 1.3
        if _in_teaser_list(el):
            final *= 0.4
        if final > best_score:
            best, best_score = el, final
    return best, title_el


COLUMN_MIN_CHARS = 60
COLUMN_MAX_LINK_DENSITY = 0.2
_PROSE = re.compile(r"[。！？.!?]")


def _column_sig(el):
    return el.tag, " ".join((el.get("class") or "").split())


def _is_column_of(el, sig, junk: dict, m: Measures) -> bool:
    return (isinstance(el.tag, str) and _column_sig(el) == sig and not junk.get(el)
            and m.text.get(el, 0) >= COLUMN_MIN_CHARS and m.density(el) <= COLUMN_MAX_LINK_DENSITY
            and next(el.iter("h1", "h2", "h3", "h4"), None) is None
            and bool(_PROSE.search(el.text_content())))


def story_columns(container, title_el, junk: dict, m: Measures) -> list:
    """The container and its sibling columns of the same story, in document order.

    A story laid out in columns (``<div class="col">`` side by side) is scored column by
    column, and the bigger column wins alone; its neighbours with the same tag and class,
    holding prose and no headline of their own, are the rest of it. A container holding
    the headline is a whole article, and its look-alike siblings other articles."""
    parent = container.getparent()
    if parent is None or (title_el is not None and (title_el is container or title_el in container.iter())):
        return [container]
    sig = _column_sig(container)
    cols = [container]
    for step in (lambda e: e.getprevious(), lambda e: e.getnext()):
        sib = step(container)
        while sib is not None:
            if not isinstance(sib.tag, str) or (m.text.get(sib, 0) == 0 and _column_sig(sib) != sig):
                sib = step(sib)  # comments, empty spacers between columns
                continue
            if not _is_column_of(sib, sig, junk, m):
                break
            cols.append(sib)
            sib = step(sib)
    if len(cols) == 1:
        return cols
    order = {id(el): i for i, el in enumerate(parent)}
    return sorted(cols, key=lambda el: order[id(el)])


LEAD_MAX_SIBLINGS = 2
LEAD_MIN_CHARS = 20
LEAD_MAX_LINK_DENSITY = 0.1


def lead_siblings(container, title_el, junk: dict, m: Measures) -> list:
    """Blocks just before the container holding a lead/summary paragraph (an intro box,
    an encyclopedia summary): text-like, not junk, after the headline."""
    if title_el is None:
        return []
    out = []
    sib = container.getprevious()
    title_anc = set(map(id, _ancestors(title_el)))
    head = "".join(container.text_content()[:3000].split())
    while sib is not None and len(out) < LEAD_MAX_SIBLINGS:
        if not isinstance(sib.tag, str):
            sib = sib.getprevious()
            continue
        if id(sib) in title_anc or title_el in sib.iter():
            break  # reached the headline block
        n = m.text.get(sib, 0)
        if n == 0:
            sib = sib.getprevious()
            continue
        if (junk.get(sib) or n < LEAD_MIN_CHARS or m.density(sib) > LEAD_MAX_LINK_DENSITY
                or sib.tag in ("ul", "ol", "table", "h1", "h2", "h3")):
            break
        text = sib.text_content()
        if "。" not in text or _is_meta(text[:200]):  # a lead is prose with full stops
            break
        if "".join(text.split())[:40] in head:  # a summary repeating the body (DedeCMS intro)
            break
        out.append(sib)
        sib = sib.getprevious()
    return list(reversed(out))


def _is_link_block(el, m: Measures | None) -> bool:
    if el.tag in ("p", "h2", "h3", "h4", "pre", "blockquote"):
        return False
    if m is not None:
        if m.density(el) < 0.6:
            return False
    else:
        total = _text_len(el.text_content())
        if not total or _link_len(el) / total < 0.6:
            return False
    return len(el.findall(".//a")) >= 2


def _walk(el, out: list[str], depth: int = 0, junk: dict | None = None, m: Measures | None = None) -> None:
    tag = el.tag
    if not isinstance(tag, str):
        if el.tail:
            out.append(el.tail)
        return
    if depth > 0:
        kind = junk.get(el) if junk is not None else junk_kind(el)
        if kind == "soft":
            size = m.text.get(el, 0) if m is not None else _text_len(el.text_content())
        if kind == "hard" or (kind == "soft" and size < 200) or _is_link_block(el, m):
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
            _walk(ch, out, depth + 1, junk, m)
    if block:
        out.append("\n")
    if el.tail and depth > 0:
        out.append(el.tail)


def to_lines(el, *, root_level: bool = True, junk: dict | None = None, m: Measures | None = None) -> list[str]:
    """Linearize an element: block boundaries and <br> become line breaks.

    ``root_level`` (the article container): junk-hinted and link-list descendants are
    skipped. Otherwise the plain text of everything.
    """
    out: list[str] = []
    if root_level:
        _walk(el, out, 0, junk, m)
    else:
        _walk_plain(el, out)
    text = "".join(out)
    lines = []
    for line in text.split("\n"):
        line = " ".join(line.split())
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


_JUNK_LINES_RE = re.compile("|".join(f"(?:{p.pattern})" for p in vocab.JUNK_LINES))


def is_junk_line(line: str) -> bool:
    return _JUNK_LINES_RE.search(line) is not None


TRUNCATE_MIN_SHARE_BEFORE = 0.25


def truncate_index(lines: list[str]) -> int:
    """Index of a 相关文章-style heading that ends the article, or len(lines).

    A heading near the top (less than a quarter of the text before it) is a
    "related links" box placed above the article: it is not a cut point."""
    total = sum(len(x) for x in lines) or 1
    before = 0
    for i, line in enumerate(lines):
        if i > 0 and len(line) <= 20 and vocab.TRUNCATE_HEADINGS.match(line) \
                and before >= TRUNCATE_MIN_SHARE_BEFORE * total:
            return i
        before += len(line)
    return len(lines)


def filter_lines(lines: Iterable[str]) -> list[str]:
    lines = [vocab.JUNK_TAIL.sub("", ln) for ln in lines]
    lines = lines[: truncate_index(lines)]
    out: list[str] = []
    for ln in lines:
        if not ln or is_junk_line(ln) or vocab.TRUNCATE_HEADINGS.match(ln):
            continue
        out.append(ln)
    return out
