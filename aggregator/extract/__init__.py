"""Article extraction: title, body and metadata from one HTML page, no site rules needed.

``extract_article`` either returns an :class:`Extracted` or raises a subclass of
:class:`ExtractionError` (``EmptyDocumentError``, ``NotHTMLError``,
``DocumentTooLargeError``); ``exc.reason`` is a short drop-reason name for stats.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import re

from lxml import etree

from . import body as _body
from . import byline as _byline
from . import dates as _dates
from . import datesel as _datesel
from . import meta as _meta
from .errors import DocumentTooLargeError, EmptyDocumentError, ExtractionError, NotHTMLError

__all__ = [
    "Extracted", "extract_article", "ExtractionError", "EmptyDocumentError", "NotHTMLError",
    "DocumentTooLargeError", "MAX_INPUT_BYTES",
]

MAX_INPUT_BYTES = 8 * 1024 * 1024
META_AREA_MAX_LINES = 15
INFO_LINE_MAX_CHARS = 60
TRAILER_MAX_LINES = 8
BODY_HEAD_CREDIT_LINES = 10
HEAD_CREDIT_MAX_CHARS = 24


def _site_names(root, metas, title: str) -> frozenset[str]:
    """The site's own names (og:site_name, the <title> segments around the headline)."""
    out = set()
    if metas.get("og:site_name"):
        out.add(metas["og:site_name"].strip())
    t = root.find(".//title")
    if t is not None:
        for seg in _meta.vocab.TITLE_SPLIT.split(" ".join(t.text_content().split())):
            seg = seg.strip()
            if seg and seg != title:
                out.add(seg)
    return frozenset(out)


@dataclass
class Extracted:
    title: str
    body: str
    published_at: datetime | None
    date_source: str | None
    author: str | None
    origin: str | None
    editor: str | None
    encoding: str | None


def _select(root, expr: str):
    expr = expr.strip()
    try:
        if expr.startswith(("/", "(")):
            found = root.xpath(expr)
        else:
            found = root.cssselect(expr)
    except Exception:  # bad selector from a source config: fall back to automatic
        return []
    return [f for f in found if isinstance(f, (str, etree._Element))] if isinstance(found, list) else []


def _selected_text(root, expr: str) -> str:
    parts = []
    for f in _select(root, expr):
        parts.append(str(f) if isinstance(f, str) else "\n".join(_body.to_lines(f, root_level=False)))
    return "\n".join(p for p in parts if p.strip()).strip()


def _index_of(lines: list[str], needle: str, start: int = 0) -> int:
    if not needle:
        return -1
    for i in range(start, len(lines)):
        if lines[i] == needle:
            return i
    for i in range(start, len(lines)):
        if needle in lines[i] and len(lines[i]) <= len(needle) + 40:
            return i
    return -1


def _index_of_exact(lines: list[str], needle: str, start: int = 0) -> int:
    for i in range(start, len(lines)):
        if lines[i] == needle:
            return i
    return -1


def _strip_head(lines: list[str], title: str) -> list[str]:
    i = 0
    while i < len(lines) and i < 8 and _meta.is_meta_line(lines[i], title):
        i += 1
    return lines[i:]


def _decode(html, encoding):
    if isinstance(html, (bytes, bytearray, memoryview)):
        data = bytes(html)
        if len(data) > MAX_INPUT_BYTES:
            raise DocumentTooLargeError(f"{len(data)} bytes > {MAX_INPUT_BYTES}")
        if not data.strip():
            raise EmptyDocumentError("empty input")
        return _body_decode(data, encoding)
    if not isinstance(html, str):
        raise TypeError("html must be bytes or str")
    if len(html) > MAX_INPUT_BYTES:
        raise DocumentTooLargeError(f"{len(html)} characters > {MAX_INPUT_BYTES}")
    if not html.strip():
        raise EmptyDocumentError("empty input")
    return html, None  # nothing was decoded


def _body_decode(data: bytes, encoding: str | None):
    from .encoding import decode_html

    return decode_html(data, encoding)


def _text_signal(dt, source="text"):
    if dt is None:
        return None
    return _datesel.Signal(dt, source, True, (dt.hour, dt.minute, dt.second) != (0, 0, 0))


def _choose_date(signals, meta_lines, url, title_el, html_text, now):
    """The ranked publication date (see :mod:`aggregator.extract.datesel`)."""
    text = _text_signal(_meta.date_from_lines(meta_lines, now, absolute_only=True))
    loose = None if text is not None else _text_signal(_meta.date_from_lines(meta_lines, now))
    from_url = _dates.date_from_url(url, now)
    url_sig = _datesel.Signal(from_url, "url") if from_url is not None else None
    signals = _datesel.by_closeness(signals, title_el)
    best = _datesel.choose(signals, text, loose, url_sig, _datesel.permalink_signal(title_el, now))
    if best is None:
        best = _datesel.htmldate_signal(html_text, url, now)
    if best is None:
        best = _datesel.fallback_modified(signals)
    if best is None:
        return None, None
    return best.dt, _datesel.PUBLIC_SOURCE.get(best.source, best.source)


def _site_name_of(v: str, site_names) -> bool:
    """``v`` is the site's own name ("网易" on a page titled "…_网易新闻"), not a channel
    that starts with a writer's name ("白居易诗词")."""
    for n in site_names:
        if len(n) < 2:
            continue
        if n == v or (n.startswith(v) and _byline.is_outlet(n)) or (v.startswith(n) and _byline.is_outlet(v)):
            return True
    return False


def _credits(author, title, meta_lines, author_lines, info_lines, body_lines, hints, metas, ld, site_names):
    """(author, origin). Labelled credits first; then a writer and an outlet side by side
    ("石佳/中国青年报"); the unlabelled name beside the date (a self-media account); names in
    class/id-hinted slots; a short closing credit; JSON-LD and meta tags last. An outlet's
    name found where a writer's is expected is the origin, never the author."""
    origin = _byline.origin_from_lines(info_lines)
    pair_author, pair_outlet = _byline.name_and_outlet(meta_lines)
    # the account conventions (a bare name beside the date, account slots) are those of
    # Chinese self-media platforms; elsewhere "media" names a picture box and the word
    # beside a time is "Uhr" or "pm"
    chinese = _byline.is_chinese(title)
    dateline = _byline.dateline_credit(meta_lines) if chinese else None
    dateline_outlet = dateline if dateline and (_byline.is_outlet(dateline) or _site_name_of(dateline, site_names)) else None
    dateline_person = None if dateline_outlet or not dateline or not _byline.names(dateline, role_prefix=False) \
        else dateline
    account = (_byline.account_from_hinted(hints["account"]) if chinese else None) \
        or _byline.account_from_hinted(hints["author"])
    account_outlet = account if account and (_byline.is_outlet(account) or _site_name_of(account, site_names)) else None
    ld_person, ld_outlet = _byline.ld_credits(ld, metas)
    meta_account = next((_byline.account_from_hinted([metas[k]]) for k in _meta.vocab.META_ACCOUNT_KEYS
                         if metas.get(k)), None)
    # meta author: on Chinese CMS the account that uploaded the page (an editor, a number),
    # elsewhere the writer
    meta_person = None if chinese else _byline.meta_author(metas)
    meta_account_outlet = meta_account if meta_account and _byline.is_outlet(meta_account) else None
    if origin is None:
        origin = (pair_outlet or dateline_outlet or _byline.from_hinted(hints["origin"], "origin") or account_outlet
                  or _byline.outlet_from_author_lines(author_lines) or _meta.origin_of([], metas) or ld_outlet
                  or meta_account_outlet)
    selected = author is not None
    if author is None:
        author = (_byline.author_from_lines(author_lines) or pair_author or dateline_person
                  or _byline.from_hinted(hints["author"], "author")
                  or (None if account_outlet else account) or _byline.final_credit(body_lines) or ld_person
                  or (None if meta_account_outlet else meta_account) or meta_person)
    if not selected and author is not None:
        # (an account's name may look like an organisation's: "A-肖老师-树谷学院"; labelled
        # credits naming organisations were passed over already)
        if _byline.is_outlet(author) or _site_name_of(author, site_names):
            author = None  # "网易", "新华社": the site or an outlet, not a writer
    return author, origin


def extract_article(html: bytes | str, url: str, *, encoding: str | None = None,
                    selectors: Mapping[str, str] | None = None,
                    now: datetime | None = None) -> Extracted:
    """Extract one article. See the module docstring for the failure contract."""
    now = _dates.aware_now(now)
    text, used_enc = _decode(html, encoding)
    root = _body.parse(text)
    if root is None:
        raise EmptyDocumentError("nothing parseable")
    selectors = dict(selectors or {})
    metas = _meta.meta_map(root)
    ld = _meta.json_ld(root)
    script_date = _meta.date_from_scripts(root, now)
    signals = _datesel.meta_signals(metas, now) + _datesel.json_ld_signals(ld, now) \
        + _datesel.element_signals(root, now)
    if script_date is not None:
        signals.append(_datesel.Signal(script_date, "script", True, True))
    title = _selected_text(root, selectors["title"]) if selectors.get("title") else ""
    if not title:
        title = _meta.title_of(root, metas, ld)
    title = " ".join(title.split())
    site_names = _site_names(root, metas, title)

    _body.clean_tree(root)
    page = root.find("body")
    if page is None:
        page = root
    m = _body.Measures(page)
    junk = _body.junk_map(page, m)

    # body
    body_lines: list[str] = []
    if selectors.get("body"):
        for el in _select(root, selectors["body"]):
            if isinstance(el, etree._Element):
                body_lines.extend(_body.to_lines(el))
    container, title_el = _body.best_container(root, junk, m, title)
    body_end = container
    if not body_lines and container is not None:
        columns = _body.story_columns(container, title_el, junk, m)
        for lead in _body.lead_siblings(columns[0], title_el, junk, m):
            body_lines.extend(_body.to_lines(lead, junk=junk, m=m))
        for col in columns:
            body_lines.extend(_body.to_lines(col, junk=junk, m=m))
        body_end = columns[-1]
    body_lines = _strip_head(_body.filter_lines(body_lines), title)
    # the page text around title and body (their common ancestor), for the meta area
    scope = _body.common_ancestor(title_el, container) if title_el is not None and container is not None else page
    page_lines = _body.to_lines(scope, root_level=False)
    if not body_lines:  # fallback: every paragraph, then the whole page; filtered if that leaves text
        body_lines = [ln for p in root.iter("p") for ln in _body.to_lines(p, root_level=False)]
        if not body_lines:
            body_lines = _body.to_lines(page, root_level=False)
        body_lines = _strip_head(_body.filter_lines(body_lines), title) or body_lines

    # the meta area: lines between the title and the first body line
    ti = _index_of(page_lines, title)
    bs = _index_of(page_lines, body_lines[0], max(ti, 0)) if body_lines else -1
    if ti >= 0:
        end = bs if bs > ti else ti + 1 + META_AREA_MAX_LINES
        meta_lines = page_lines[ti + 1: min(end, ti + 1 + META_AREA_MAX_LINES)]
    elif bs > 0:
        meta_lines = page_lines[max(0, bs - META_AREA_MAX_LINES): bs]
    else:
        meta_lines = []
    # credits inside the body sit at its head or tail ("新华社北京电（记者 张三）…", "(责编：李四)"),
    # or just after it; 来源/编辑 labels are only trusted on short body lines (prose says 资金来源：…)
    edge = body_lines[:3] + body_lines[-6:]
    be = _index_of(page_lines, body_lines[-1], max(bs, 0)) if body_lines else -1
    trailer = page_lines[be + 1: be + 1 + TRAILER_MAX_LINES] if be >= 0 else []
    # a short credit line a little further into the body ("《棱镜》作者 周纯" after a summary box)
    head_credits = [ln for ln in body_lines[3:BODY_HEAD_CREDIT_LINES] if len(ln) <= HEAD_CREDIT_MAX_CHARS]
    # a page with two headers (desktop and mobile) has its meta area after either headline
    ti2 = _index_of_exact(page_lines, title, ti + 1) if ti >= 0 else -1
    meta2 = page_lines[ti2 + 1: ti2 + 1 + META_AREA_MAX_LINES] if ti2 > 0 and ti2 != bs else []
    author_lines = meta_lines + meta2 + edge + head_credits  # not the trailer: teasers below quote other stories' reporters
    info_lines = meta_lines + meta2 + [ln for ln in edge + trailer if len(ln) <= INFO_LINE_MAX_CHARS]

    # date
    published_at, date_source = None, None
    if selectors.get("date"):
        published_at = _dates.parse_date(_selected_text(root, selectors["date"]), now)
        date_source = "selector" if published_at else None
    if published_at is None:
        published_at, date_source = _choose_date(signals, meta_lines, url, title_el, text, now)

    hints = _byline.LazyHints(scope, body_end)  # class/id-hinted elements, scanned only if a field needs them
    editor = _byline.editor_from_lines(info_lines) or _byline.from_hinted(hints["editor"], "editor")
    if editor is None:  # an editor credit anywhere on the page (outside the article's block)
        editor = _byline.editor_from_lines(_byline.editor_label_lines(page))
    author = None
    if selectors.get("author"):
        author = _selected_text(root, selectors["author"]) or None
        if author:
            author = _meta._clean_value(author[:60])
    auto_author = author is None
    author, origin = _credits(author, title, meta_lines, author_lines, info_lines, body_lines, hints, metas, ld,
                              site_names)
    if auto_author and author is not None and author in (origin, editor):
        author = None  # the outlet or the CMS account of the editor (meta author), not a writer
    return Extracted(
        title=title,
        body="\n".join(body_lines),
        published_at=published_at,
        date_source=date_source,
        author=author,
        origin=origin,
        editor=editor,
        encoding=used_enc,
    )
