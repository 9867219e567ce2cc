"""Title, date, author, origin and editor from meta tags, JSON-LD, page text and URL."""

from __future__ import annotations

import json
import re
from datetime import datetime

from lxml import etree

from . import dates, vocab

_WS = re.compile(r"\s+")
_NAME_STOP = r"(?=$|\s{2,}|\s*[|｜/，,。;；)）】\]【\[]|\s*(?:" + "|".join(
    (vocab.LABEL_DATE, vocab.LABEL_ORIGIN, vocab.LABEL_AUTHOR, vocab.LABEL_EDITOR, r"浏览|点击|阅读|字号|分享|\d{4}[-年/]")) + r"))"

# not preceded by a CJK character: 资金来源：财政拨款 is prose, not a source credit
ORIGIN_RE = re.compile(r"(?<![\u4e00-\u9fff])" + vocab.LABEL_ORIGIN + r"\s*[:：]\s*(?P<v>[^\s|｜,，;；)）】\]]{1,40}?)" + _NAME_STOP)
EDITOR_RE = re.compile(r"(?:责任编辑|責任編輯|责编|責編|(?<![总监主])编辑|本文编辑|值班编辑)\s*[:：]\s*(?P<v>[^|｜,，;；)）】\]\n]{1,30}?)\s*" + r"(?=$|[|｜)）】\]]|\s{2,}|\s*(?:" + vocab.LABEL_DATE + r"|来源|作者|审核|校对))")
AUTHOR_RES = (
    re.compile(r"(?:作者|撰稿|撰文|记者|通讯员|文字)\s*[:：]\s*(?P<v>[^|｜,，;；)）】\]\n]{1,30}?)" + _NAME_STOP),
    re.compile(r"[(（]\s*(?:本报|本台|本刊|新华社|央视|总台)?\s*记者\s*(?P<v>[\u4e00-\u9fff·]{2,4}(?:[ 、][\u4e00-\u9fff·]{2,4}){0,4})\s*[)）]"),
    re.compile(r"^\s*(?:本报|本台)?记者\s+(?P<v>[\u4e00-\u9fff·]{2,4}(?:[ 、][\u4e00-\u9fff·]{2,4}){0,4})\s*$"),
    re.compile(r"^\s*文\s*[/|｜]\s*(?P<v>[\u4e00-\u9fff·A-Za-z]{2,12}(?:[ 、][\u4e00-\u9fff·]{2,4}){0,3})\s*$"),
)


def _clean_value(v: str | None) -> str | None:
    if not v:
        return None
    v = _WS.sub(" ", v).strip(" :：-—|｜·,，【】[]()（）")
    return v or None


def meta_map(root) -> dict[str, str]:
    out: dict[str, str] = {}
    for m in root.iter("meta"):
        key = (m.get("property") or m.get("name") or m.get("itemprop") or m.get("http-equiv") or "").strip().lower()
        val = m.get("content")
        if key and val and key not in out:
            out[key] = val.strip()
    return out


def json_ld(root) -> list[dict]:
    items: list[dict] = []
    for s in root.iter("script"):
        if (s.get("type") or "").lower() != "application/ld+json" or not s.text:
            continue
        try:
            data = json.loads(s.text.strip())
        except (ValueError, RecursionError):
            continue
        stack = [data]
        while stack and len(items) < 50:
            d = stack.pop()
            if isinstance(d, list):
                stack.extend(d)
            elif isinstance(d, dict):
                items.append(d)
                if "@graph" in d:
                    stack.append(d["@graph"])
    return items


def _junk_kind(el):
    from .body import junk_kind

    return junk_kind(el)


def _heading_text(h) -> str:
    """A heading's text up to its first <br> or block child (PHPCMS puts the meta line
    inside the <h1> after a <br>)."""
    parts = [h.text or ""]
    for ch in h:
        if isinstance(ch.tag, str):
            if ch.tag == "br" or ch.tag in vocab.BLOCK_TAGS:
                break
            if not (ch.get("class") or ch.get("id")) or _junk_kind(ch) != "hard":  # an [编辑] edit link
                parts.append(ch.text_content())
        parts.append(ch.tail or "")
    text = _WS.sub(" ", "".join(parts)).strip()
    return text or _WS.sub(" ", h.text_content()).strip()


HEADLINE_TAGS = ("h1", "h2", "h3", "h4", "h5")
CHANNEL_MAX_CHARS = 8       # a "headline" this short may be a channel name (新闻动态)
HEADLINE_MIN_CHARS = 10     # … when a heading at least this long is on the page
_BARE_SUFFIX = re.compile(r"^(?P<head>.{8,}?)\s*[-–—]\s*(?P<site>[^-–—，。！？,.!?]{2,12})$")


def _norm_title(s: str) -> str:
    return "".join(s.split())


def _match_score(c: str, refs: list[str]) -> float:
    """How well a displayed heading matches the <title>/og:title: equal, a prefix or suffix
    segment, contained."""
    n = _norm_title(c)
    best = 0.0
    for ref in refs:
        r = _norm_title(ref)
        if not r or len(n) < 2:
            continue
        if n == r:
            return 3.0
        if len(n) >= 4 and r.startswith(n):
            best = max(best, 2.0)
        elif len(n) >= 4 and r.endswith(n):
            best = max(best, 1.2)  # a suffix: often the site's name
        elif len(n) >= 4 and n in r:
            best = max(best, 1.0)
    return best


def displayed_headline(root, refs: list[str]) -> str:
    """The h1–h5 heading that best matches the page's <title>/og:title/JSON-LD headline
    (longest among the best), trimmed to the title's segment when it carries a counter
    ("第二章 失乡号的船长241"); a short match that is a channel name (新闻动态) loses to a
    long heading of the page. '' when no heading matches."""
    level = {t: i for i, t in enumerate(HEADLINE_TAGS)}
    found = sorted(((level[h.tag], i, h) for i, h in enumerate(root.iter(*HEADLINE_TAGS))), key=lambda x: x[:2])
    heads = []
    for _lvl, _i, h in found:
        t = _heading_text(h)
        if 2 <= len(t) <= 150:
            heads.append(t)
    if not heads:
        return ""
    segments = [seg for ref in refs for seg in vocab.TITLE_SPLIT.split(ref) if len(seg) >= 4]
    scored = []
    for i, t in enumerate(heads):
        sc = _match_score(t, refs)
        if sc == 0.0:
            for seg in segments:
                if _norm_title(t).startswith(_norm_title(seg)) and len(seg) >= 0.5 * len(t):
                    t, sc = seg, 1.5
                    break
        if sc > 0:
            scored.append((sc, len(t), -i, t))
    if not scored:
        return ""
    top = max(scored)
    best = top[3]
    if len(best) <= CHANNEL_MAX_CHARS and top[0] < 2.0:
        longer = [t for t in heads if len(t) >= HEADLINE_MIN_CHARS and not vocab.JUNK_HEADINGS.search(t)
                  and not re.search(r"@|https?:|www\.", t)]
        if longer:
            return max(longer, key=len) if len(longer) > 1 and not any(_match_score(t, refs) for t in longer) \
                else longer[0]
    return best


def strip_site_suffix(title: str) -> str:
    """"法国全国大罢工再次严重影响交通-新华网" -> the headline (a short trailing segment after
    a bare dash)."""
    m = _BARE_SUFFIX.match(title)
    return m.group("head") if m and len(m.group("head")) >= 2 * len(m.group("site")) else title


_COPYRIGHT_HOLDER = re.compile(r"(?:版权所有|版權所有|主办单位|主办)\s*[:：]?\s*(?:©|\(c\))?\s*(?P<v>[^\s©|｜，,。:：]{2,24})")


_HOLDER_TEXT = etree.XPath("//body//text()[contains(., '版权所有') or contains(., '版權所有') or contains(., '主办')]")


def site_words(root, metas: dict[str, str]) -> set[str]:
    """Names the site gives itself: og:site_name, the copyright holder (not the keywords
    tag: it repeats the headline's words)."""
    words = set()
    if metas.get("og:site_name"):
        words.add(metas["og:site_name"].strip())
    for text in _HOLDER_TEXT(root):
        for m in _COPYRIGHT_HOLDER.finditer(text[:400]):
            words.add(m.group("v"))
    return words


def strip_site_words(title: str, words: set[str]) -> str:
    """"…开展调研工作 东区办事处" -> the headline, when the last space-separated segment is
    one of the site's own names."""
    head, sep, last = title.rpartition(" ")
    if sep and last in words and len(head) >= 2 * len(last):
        return head.rstrip(" -_|")
    return title


def title_of(root, metas: dict[str, str], ld: list[dict] | None = None) -> str:
    title = _title_of(root, metas, ld)
    return strip_site_words(title, site_words(root, metas)) if " " in title else title


def _title_of(root, metas: dict[str, str], ld: list[dict] | None = None) -> str:
    title_tag = ""
    t = root.find(".//title")
    if t is not None and t.text_content():
        title_tag = _WS.sub(" ", t.text_content()).strip()
    refs = [title_tag] + [_WS.sub(" ", metas[k]).strip() for k in vocab.META_TITLE_KEYS if metas.get(k)]
    for item in ld or ():
        if isinstance(item.get("headline"), str):
            refs.append(_WS.sub(" ", item["headline"]).strip())
            break
    shown = displayed_headline(root, [r for r in refs if r])
    if shown:
        return shown
    h1s = [_heading_text(h) for h in root.iter("h1")]
    h1s = [h for h in h1s if 2 <= len(h) <= 150]
    title_tag = ""
    t = root.find(".//title")
    if t is not None and t.text_content():
        title_tag = _WS.sub(" ", t.text_content()).strip()
    og = ""
    for k in vocab.META_TITLE_KEYS:
        if metas.get(k):
            og = _WS.sub(" ", metas[k]).strip()
            break
    ref = og + " " + title_tag
    segments = [p for p in vocab.TITLE_SPLIT.split(og or title_tag) if p]
    first = segments[0] if segments else ""
    for h in h1s:
        if h in segments[:2] or (first and first in h) or (h in ref and len(h) >= 0.5 * len(first)) \
                or (len(h) >= 8 and h[:8] in ref):
            return h
    if og:
        return strip_site_suffix(vocab.TITLE_SPLIT.split(og)[0] if len(og) > 30 and vocab.TITLE_SPLIT.search(og) else og)
    if title_tag and re.match(r"^\s*[-_|｜—]", title_tag) and h1s:
        return h1s[0]  # "-铜雀历史网": the headline is missing from the <title>
    if title_tag:
        # "标题_栏目_网站": the first segment, unless it is too short to be a headline
        # ("明日股市预测--最新出炉联合国贸发报告…": a channel, then the headline)
        if len(segments) >= 2 and len(first) <= CHANNEL_MAX_CHARS and len(segments[1]) > 2 * len(first):
            return strip_site_suffix(segments[1])
        if len(first) >= 4 or len(segments) < 2:
            return strip_site_suffix(first or title_tag)
        return max(segments[:2], key=len)
    for tag in ("h1", "h2"):
        for h in root.iter(tag):
            s = _WS.sub(" ", h.text_content()).strip()
            if s:
                return s
    return ""


def date_from_meta(metas: dict[str, str], ld: list[dict], now: datetime) -> tuple[datetime | None, str | None]:
    for key in vocab.META_DATE_KEYS:
        v = metas.get(key)
        if v:
            dt = dates.parse_iso_or_fuzzy(v, now)
            if dt:
                return dt, "meta"
    for item in ld:
        for key in ("datePublished", "dateCreated", "uploadDate", "pubDate", "dateModified"):
            v = item.get(key)
            if isinstance(v, str) and v:
                dt = dates.parse_iso_or_fuzzy(v, now)
                if dt:
                    return dt, "json-ld"
    return None, None


def date_from_scripts(root, now: datetime) -> datetime | None:
    """Dates assigned in inline scripts (call before the scripts are stripped)."""
    for s in root.iter("script"):
        text = s.text
        if not text or len(text) > 200_000:
            continue
        for pat in vocab.SCRIPT_DATE_PATTERNS:
            m = pat.search(text)
            if m:
                dt = dates.parse_iso_or_fuzzy(m.group("v"), now)
                if dt:
                    return dt
    return None


def date_from_lines(lines: list[str], now: datetime, absolute_only: bool = False) -> datetime | None:
    """Meta-area lines (between title and body): absolute date first, then others."""
    short = [ln for ln in lines if len(ln) <= 200]
    for ln in short:
        dt = dates.find_absolute(ln, now)
        if dt:
            return dt
    if absolute_only:
        return None
    for ln in short:
        if len(ln) <= 80:
            dt = dates.parse_date(ln, now)
            if dt:
                return dt
    return None


def find_field(lines: list[str], pattern: re.Pattern) -> str | None:
    for ln in lines:
        if len(ln) > 200:
            continue
        m = pattern.search(ln)
        if m:
            v = _clean_value(m.group("v"))
            if v:
                return v
    return None


def origin_of(lines: list[str], metas: dict[str, str]) -> str | None:
    v = find_field(lines, ORIGIN_RE)
    if v:
        return v
    for k in vocab.META_ORIGIN_KEYS:
        if metas.get(k):
            val = re.sub("^" + vocab.LABEL_ORIGIN + r"\s*[:：]\s*", "", metas[k])
            return _clean_value(val[:60])
    return None


AUTHOR_MAX_LEN = 24
_ID_LIKE = re.compile(r"[\d\W_]+|[a-z0-9_.\-]+", re.I)


def plausible_name(v: str | None) -> str | None:
    """Reject ids (103553, sina_mobile), URLs and job descriptions posing as names."""
    if not v:
        return None
    v = v.strip()
    if not v or len(v) > AUTHOR_MAX_LEN or v.startswith("http") or (_ID_LIKE.fullmatch(v) and not v.isalpha()):
        return None
    if _ID_LIKE.fullmatch(v) and "_" in v:
        return None
    return v


def editor_of(lines: list[str]) -> str | None:
    return find_field(lines, EDITOR_RE)


_PROSE_END = re.compile(r"[。！？!?]")
_LABEL_START = re.compile(r"^\s*(" + vocab.LABEL_ORIGIN + "|" + vocab.LABEL_AUTHOR + r"|发布时间|发布日期|浏览次数|点击数)\s*[:：]")
_LOOSE_DATE = re.compile(r"\d{1,2}[-/]\d{1,2}\s+\d{1,2}:\d{2}|\d+\s*(?:分钟|小时|天)前|昨天\s*\d")


def is_meta_line(line: str, title: str = "") -> bool:
    """A title-area line made of labels/dates/counters, not article prose.

    Prose (a line with 。！？) is never a meta line: "2009年7月11日，任继愈先生悄然离世。"
    or an interview's "记者：……？" stay in the body.
    """
    n = len(line)
    if n > 150:
        return False
    if title and (line == title or (n <= len(title) + 4 and title in line)):
        return True
    if _PROSE_END.search(line):
        return False
    has_date = dates.find_absolute(line, dates.aware_now(None)) is not None or bool(_LOOSE_DATE.search(line))
    labels = vocab.META_LINE_LABELS.findall(line)
    if has_date and (labels or n <= 60):
        if n > 40 and len(re.findall(r"[，；]", line)) >= 2:
            return False
        return True
    if labels and n <= 80 and len(labels) >= 2:
        return True
    return bool(n <= 60 and _LABEL_START.match(line))
