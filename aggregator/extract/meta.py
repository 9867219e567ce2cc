"""Title, date, author, origin and editor from meta tags, JSON-LD, page text and URL."""

from __future__ import annotations

import json
import re
from datetime import datetime

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


def _heading_text(h) -> str:
    """A heading's text up to its first <br> or block child (PHPCMS puts the meta line
    inside the <h1> after a <br>)."""
    parts = [h.text or ""]
    for ch in h:
        if isinstance(ch.tag, str):
            if ch.tag == "br" or ch.tag in vocab.BLOCK_TAGS:
                break
            parts.append(ch.text_content())
        parts.append(ch.tail or "")
    text = _WS.sub(" ", "".join(parts)).strip()
    return text or _WS.sub(" ", h.text_content()).strip()


def title_of(root, metas: dict[str, str]) -> str:
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
        return vocab.TITLE_SPLIT.split(og)[0] if len(og) > 30 and vocab.TITLE_SPLIT.search(og) else og
    if title_tag:
        # "标题_栏目_网站": the first segment, unless it is too short to be a headline
        if len(first) >= 4 or len(segments) < 2:
            return first or title_tag
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
    for k in vocab.META_ORIGIN_KEYS[:4]:
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


def author_of(lines: list[str], metas: dict[str, str], ld: list[dict]) -> str | None:
    for pat in AUTHOR_RES:
        for ln in lines:
            if len(ln) > 200:
                continue
            m = pat.search(ln)
            v = plausible_name(_clean_value(m.group("v"))) if m else None
            if v:
                return v
    for k in vocab.META_AUTHOR_KEYS:
        v = plausible_name(_clean_value(metas.get(k)))
        if v:
            return v
    for item in ld:
        a = item.get("author")
        if isinstance(a, list) and a:
            a = a[0]
        if isinstance(a, dict):
            a = a.get("name")
        if isinstance(a, str):
            v = plausible_name(_clean_value(a[:60]))
            if v:
                return v
    return None


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
