"""The publication date of a page: every signal gathered as a :class:`Signal`, then ranked.

Signals (``source`` is what ``Extracted.date_source`` says):

* structured, read before the page is cleaned — ``meta`` (``vocab.META_PUBLISHED_KEYS``,
  modified keys apart), ``json-ld`` (the article item first), ``microdata`` (``itemprop``
  with ``content`` / ``datetime`` or text), ``time`` (``<time datetime>`` hinted as the
  publication), ``abbr`` (``<abbr title>``), ``script`` (dates assigned in inline scripts);
* ``text`` — the meta area between headline and body (absolute, then yearless/relative,
  resolved against the fetch time);
* ``url`` — the page's URL, or the headline's own permalink;
* ``htmldate`` — htmldate's page-wide search, asked only when nothing above names a
  publication date (see docs/extraction.md for why and the figures).

Ranking (:func:`choose`): a publication signal over a modified one; structured over
text; a visible time of day on the same day over a date-only structured value; and the
page's local calendar day: an instant with an explicit offset whose day is one off
from a local signal (a naive value with the same minutes, the URL's day, the visible
date) is read on that local day.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from lxml import etree

from . import dates, vocab

_HAS_TIME = re.compile(r"\d{1,2}\s*[:：时点]\s*\d{2}")


@dataclass(frozen=True)
class Signal:
    dt: datetime
    source: str
    published: bool = True  # False: a modification date
    has_time: bool = False
    el: object = field(default=None, compare=False, repr=False)  # the element it was read from

    @property
    def naive(self) -> bool:
        """Printed without an offset (read as local time)."""
        return self.dt.tzinfo is dates.SHANGHAI


def _signal(value: str, source: str, now: datetime, published: bool = True, el=None) -> Signal | None:
    if not value or not isinstance(value, str):
        return None
    dt = dates.parse_iso_or_fuzzy(value.strip()[:100], now)
    if dt is None:
        return None
    has_time = bool(_HAS_TIME.search(value)) or value.strip().isdigit()
    return Signal(dt, source, published, has_time, el)


def meta_signals(metas: dict[str, str], now: datetime) -> list[Signal]:
    out = []
    for keys, pub, source in ((vocab.META_PUBLISHED_KEYS, True, "meta"),
                              (vocab.META_GENERIC_DATE_KEYS, True, "meta-generic"),
                              (vocab.META_MODIFIED_KEYS, False, "meta")):
        for key in keys:
            s = _signal(metas.get(key, ""), source, now, pub)
            if s:
                out.append(s)
    return out


def json_ld_signals(ld: list[dict], now: datetime) -> list[Signal]:
    def rank(item):
        t = item.get("@type")
        t = " ".join(t) if isinstance(t, list) else str(t or "")
        return 0 if vocab.LD_ARTICLE_TYPES.search(t) and "WebPage" not in t else (1 if t else 2)

    out = []
    for item in sorted(ld, key=rank):
        for keys, pub in ((vocab.LD_PUBLISHED_KEYS, True), (vocab.LD_MODIFIED_KEYS, False)):
            for key in keys:
                s = _signal(item.get(key), "json-ld", now, pub)
                if s:
                    out.append(s)
    return out


_ITEMPROPS = etree.XPath("//@itemprop")
_DATE_PROPS = frozenset({"datePublished", "dateCreated", "dateModified"})


def _MICRODATA(root):
    """Non-meta elements whose itemprop is a date (a scan of the itemprop attributes only)."""
    for value in _ITEMPROPS(root):
        if value in _DATE_PROPS:
            el = value.getparent()
            if el is not None and el.tag != "meta":
                yield el


def element_signals(root, now: datetime) -> list[Signal]:
    """microdata itemprop dates, <time datetime>, <abbr title> (before the tree is cleaned)."""
    out: list[Signal] = []
    for el in _MICRODATA(root):
        value = el.get("content") or el.get("datetime") or el.text_content()
        s = _signal(value, "microdata", now, el.get("itemprop") != "dateModified", el)
        if s:
            out.append(s)
    plain: list[Signal] = []
    for el in root.iter("time", "abbr"):
        value = el.get("datetime") if el.tag == "time" else (el.get("title") or el.get("data-utime"))
        if not value:
            if el.tag == "abbr":
                continue
            value = el.text_content()
        parent = el.getparent()
        hints = " ".join(filter(None, (el.get("class"), el.get("itemprop"), el.get("id"),
                                       parent.get("class") if parent is not None else None)))
        s = _signal(value, el.tag, now, not vocab.DATE_MODIFIED_HINT.search(hints), el)
        if s is None:
            continue
        if el.get("pubdate") is not None or vocab.DATE_PUBLISHED_HINT.search(hints):
            out.append(s)
        elif s.published and el.tag == "time":
            plain.append(Signal(s.dt, "time", True, s.has_time, el))
        elif not s.published:
            out.append(s)
    # an unhinted <time>: the first one on the page, trusted below the visible text
    if plain:
        out.extend(Signal(p.dt, "time-plain", True, p.has_time, p.el) for p in plain)
    return out


def by_closeness(signals: list[Signal], title_el) -> list[Signal]:
    """Element-read signals ordered by closeness to the headline (the deepest common
    ancestor first; a sidebar's "latest posts" dates come last); others keep their order."""
    if title_el is None:
        return signals
    anc: dict[int, int] = {}
    node, i = title_el, 0
    while node is not None:
        anc[id(node)] = i
        node, i = node.getparent(), i + 1

    def distance(s: Signal) -> int:
        node = s.el
        while node is not None and id(node) not in anc:
            node = node.getparent()
        return anc[id(node)] if node is not None else 10_000

    return sorted(signals, key=lambda s: distance(s) if s.el is not None else -1)


def permalink_signal(title_el, now: datetime) -> Signal | None:
    """The date in the headline's own link (/archive/2005/07/31/…)."""
    if title_el is None:
        return None
    links = list(title_el.iter("a"))
    node = title_el.getparent()
    if not links and node is not None and node.tag == "a":
        links = [node]
    for a in links:
        dt = dates.date_from_url(a.get("href") or "", now)
        if dt is not None:
            return Signal(dt, "url")
    return None


HTMLDATE_EXTENSIVE = True
# htmldate logs at ERROR when a page does not parse ("parsed tree length: 0"): for the
# crawl that is a page without a date, not a failure (an ERROR line fails the run).
logging.getLogger("htmldate").setLevel(logging.CRITICAL)


def htmldate_signal(html_text: str, url: str, now: datetime) -> Signal | None:
    try:
        from htmldate import find_date
    except ImportError:  # pragma: no cover - an optional component
        return None
    try:
        day = find_date(html_text, url=url or None, original_date=True, extensive_search=HTMLDATE_EXTENSIVE,
                        max_date=now.astimezone(dates.SHANGHAI).date().isoformat())
    except Exception:  # noqa: BLE001 - a third-party engine must never break extraction
        return None
    if not day:
        return None
    try:
        d = date.fromisoformat(day[:10])
    except ValueError:
        return None
    if d.year < dates.MIN_YEAR:
        return None
    return Signal(datetime(d.year, d.month, d.day, tzinfo=dates.SHANGHAI), "htmldate")


def _as_local_day(s: Signal, day: date) -> datetime | None:
    """``s.dt`` seen in the UTC offset nearest its own that puts it on ``day``."""
    own = s.dt.utcoffset() or timedelta(0)
    for step in range(1, 15):
        for sign in (-1, 1):
            off = own + sign * timedelta(hours=step)
            if not timedelta(hours=-12) <= off <= timedelta(hours=14):
                continue
            local = s.dt.astimezone(timezone(off))
            if local.date() == day:
                return local
    return None


def settle_local_day(s: Signal, witnesses: list[Signal]) -> Signal:
    """An instant printed with an offset (often UTC) lies on the page's local day, which
    local signals name: a naive value of the same instant in local time (same minutes),
    or a day-only signal (URL, visible date) one day off."""
    if s.naive or s.dt.utcoffset() != timedelta(0):
        return s  # only a UTC instant hides the local day (an explicit local offset is the page's)
    for w in witnesses:
        if w is s or not w.naive or abs((w.dt.date() - s.dt.date()).days) != 1:
            continue
        if w.has_time and s.has_time:
            if w.dt.minute == s.dt.minute and w.source in ("meta", "json-ld", "microdata", "text"):
                return w
            continue
        local = _as_local_day(s, w.dt.date())
        if local is not None:
            return Signal(local, s.source, s.published, s.has_time)
    return s


# internal signal kinds -> the date_source reported
PUBLIC_SOURCE = {"time-plain": "time", "meta-generic": "meta"}
STRUCTURED = ("meta", "json-ld", "microdata", "time", "abbr", "script")


def choose(structured: list[Signal], text: Signal | None, text_loose: Signal | None,
           url: Signal | None, permalink: Signal | None) -> Signal | None:
    """Rank the signals (see the module docstring); None when no publication signal."""
    pubs = [s for s in structured if s.published and s.source in STRUCTURED]
    day_witnesses = [s for s in (text, url, permalink) if s is not None] + \
        [s for s in structured if s.naive]
    if pubs:
        best = pubs[0]
        best = settle_local_day(best, day_witnesses)
        if text is not None and text.has_time and not best.has_time and text.dt.date() == best.dt.date():
            return text  # the visible time of day on the same day
        return best
    if text is not None:
        return text
    if text_loose is not None and (url is None or text_loose.dt.date() == url.dt.date()):
        return text_loose
    if url is not None:
        return url
    if permalink is not None:
        return permalink
    for weak in ("time-plain", "meta-generic"):
        found = [s for s in structured if s.source == weak]
        if found:
            return settle_local_day(found[0], day_witnesses)
    return None


def fallback_modified(structured: list[Signal]) -> Signal | None:
    mods = [s for s in structured if not s.published]
    return mods[0] if mods else None
