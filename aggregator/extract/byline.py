"""Bylines: author, origin (来源) and editor (责任编辑) of an article.

Pure functions over lines of text and the lxml tree, driven by the tables in
:mod:`aggregator.extract.vocab` (``BYLINE_ELEMENT_HINTS``, ``NON_NAMES``,
``NON_NAME_WORDS``, ``CREDIT_ROLE``, ``CREDIT_TAIL``, ``STAFF_CODE``).

Where a field is looked for, in order:

1. labelled credits in the *byline zone* — the meta area under the headline, the first
   and last lines of the body and the lines just after it (作者：…, 文/…, （记者 …）,
   采写：…, "由…张贴", 来源：…, 责任编辑：…, 责编|…);
2. elements whose class/id names the field (``class="source"``, ``id="editor_baidu"``,
   ``class="author-name"``) near the article;
3. meta tags and JSON-LD (author, source).

Several names are kept, joined by a space. A candidate that is not a name — long text,
counters (访问统计), navigation words, the site's own name given as an author — is
rejected.
"""

from __future__ import annotations

import re
from functools import lru_cache

from lxml import etree

from . import dates, meta, vocab

_WS = re.compile(r"\s+")
_NAME_SEP = re.compile(r"[、,，&＆;；/]+|\s+")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN_NAME = re.compile(r"^[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ.'\- ]{1,40}$")
_LATIN_ID = re.compile(r"^[A-Za-z][A-Za-z0-9.\- ]{1,30}$")  # an editor's account name (HN666)
_TOKEN_SPLIT = re.compile(r"[\s_\-]+")
NAMES_MAX = 6
NAME_MAX_CHARS = 12
VALUE_MAX_CHARS = 30

_STOP = r"(?=$|\s{2,}|\s*[|｜，,。;；)）】\]【\[]|\s*(?:" + "|".join(
    (vocab.LABEL_DATE, vocab.LABEL_ORIGIN, r"(?:作者|记者|责任编辑|责编|编辑|审核|校对)\s*[:：]|浏览|点击|阅读|字号|分享|\d{4}[-年/]")) + r"))"
# names: "王乐文 方 敏" (a two-character name spaced out) is two names
_NAMES = r"[\u4e00-\u9fff·]{2,4}(?:\s*[ 、,，&＆]\s*[\u4e00-\u9fff·]{1,4}){0,5}"

# labelled author credits, in order of trust
AUTHOR_PATTERNS = tuple(re.compile(p) for p in (
    r"(?:作者|撰稿|撰文|采写|执笔|文字|原创|(?<![\u4e00-\u9fff])文)\s*[:：/|丨]\s*(?P<v>[^|｜;；)）】\]\n]{1,40}?)" + _STOP,
    r"(?<![\u4e00-\u9fff])(?:记者|通讯员)\s*[:：]\s*(?P<v>[^|｜;；)）】\]\n]{1,30}?)" + _STOP,
    r"[(（【\[]\s*(?:文\s*(?:[/|丨]\s*图)?\s*[/|丨\s]|[^()（）]{0,12}?(?:记者|通讯员|评论员|作者)\s*)\s*(?P<v>[^()（）【】\[\]]{2,40}?)\s*[)）】\]]",
    r"电\s*[(（]\s*(?P<v>" + _NAMES + r")\s*[)）]",
    r"^\s*文\s*[/|丨]\s*(?P<v>[^|｜;；]{2,30}?)\s*$",
    r"^.{0,14}?(?:记者|通讯员|评论员|作者)\s*(?P<v>" + _NAMES + r")\s*(?:$|来源|[(（]|\s{2,})",
    r"^\s*(?:作者|撰稿|执笔)\s+(?P<v>" + _NAMES + r")\s*$",
    r"由\s*(?P<v>[^\s由]{2,16}?)\s*(?:张贴|发表|发布|上传)",
    r"(?:发表于|发布于|Posted)\b.{0,40}?\bby\s+(?P<v>[A-Za-z\u4e00-\u9fff][\w\u4e00-\u9fff .\-]{1,30}?)\s*(?:$|[|,，]|\s{2,})",
    r"^\s*[Bb]y\s+(?P<v>[A-Z][\w.\-]+(?: [A-Z][\w.\-]+){0,3})\s*$",
    # a writer introduced by an affiliation: "作者：…研究部部长、研究员徐占忱）"
    r"(?:作者|撰稿|撰文)\s*[:：]\s*[^)）】\n]{0,60}?" + vocab.AFFILIATION_ROLE.pattern[3:] + r"(?P<v>" + _NAMES + r")\s*(?:$|[)）】\]]|\s{2,})",
))
# "石佳/中国青年报": a writer and the outlet, in the meta area
NAME_OUTLET = re.compile(r"^\s*(?P<a>[\u4e00-\u9fff·]{2,4}(?:[ 、][\u4e00-\u9fff·]{2,4}){0,2})\s*[/／|｜]\s*(?P<o>[^/／|｜\s]{2,20})\s*$")
# how much of a long line (a body paragraph) is read for a credit at its head:
# "本报讯（记者叶婉）近日……"
LONG_LINE_HEAD = 60
# a short credit closing the body: "…举行。（张巨峰）"
FINAL_CREDIT = re.compile(r"[。！？”][(（]\s*(?P<v>[\u4e00-\u9fff]{2,3}(?:[ 、][\u4e00-\u9fff]{2,3}){0,2})\s*[)）]\s*$")

ORIGIN_PATTERN = re.compile(r"(?<![\u4e00-\u9fff])" + vocab.LABEL_ORIGIN + r"\s*[:：]\s*(?P<v>[^\s|｜,，;；)）】\]]{1,40}?)" + _STOP)
# without a colon, on short lines only: "本文来源于国家统计局", "来源CSDN|"
ORIGIN_BARE_PATTERN = re.compile(r"(?:^|(?<=[\s(（【\[]))(?:本文)?(?:来源于|来源|转自|转载自)\s*(?P<v>[^\s|｜,，;；:：)）】\]]{2,24}?)" + _STOP)
ORIGIN_BARE_MAX_CHARS = 40
# editor credits: 责任编辑 / 责编 first, then 编辑 and its synonyms
EDITOR_PATTERNS = (
    re.compile(r"(?:责任编辑|責任編輯|责编|責編)\s*[:：|｜/]\s*(?P<v>[^|｜,，;；)）】\]\n]{1,40}?)\s*"
               r"(?=$|[|｜)）】\]]|\s{2,}|\s*(?:" + vocab.LABEL_DATE + r"|来源|作者|审核|校对|编辑))"),
    re.compile(r"(?:(?<![总监主责])编辑|本文编辑|值班编辑|选稿|编审)\s*[:：|｜/]\s*(?P<v>[^|｜,，;；)）】\]\n]{1,40}?)\s*"
               r"(?=$|[|｜)）】\]]|\s{2,}|\s*(?:" + vocab.LABEL_DATE + r"|来源|作者|审核|校对|责任编辑|责编))"),
)


def _clean(v: str | None) -> str:
    if not v:
        return ""
    return _WS.sub(" ", v).strip(" :：-—|｜·,，、【】[]()（）\"'“”《》")


def names(value: str | None, *, role_prefix: bool = True, person: bool = True) -> str | None:
    """The names in a credit value, joined by a space; None if it is not a list of names.

    ``role_prefix``: drop outlet and job words before the names ("南都记者 余毅菁")."""
    v = _clean(value)
    if not v:
        return None
    v = vocab.LATIN_CREDIT_PREFIX.sub("", v)
    if role_prefix:
        v = vocab.CREDIT_ROLE.sub("", v) or v
    v = re.sub(r"^(?:图|摄影?)\s*[/|丨]?\s+", "", v)  # 文/图 张三
    v = vocab.CREDIT_TAIL.sub("", v)
    v = vocab.STAFF_CODE.sub("", v).strip()
    v = _clean(v)
    if not v or len(v) > VALUE_MAX_CHARS or vocab.NON_NAMES.match(v) or vocab.NON_NAME_WORDS.search(v) \
            or (person and vocab.AUTHOR_NON_WORDS.search(v)):
        return None
    if re.search(r"[。！？!?]", v):
        return None
    if not _CJK.search(v):
        if (_LATIN_NAME.match(v) or (not person and _LATIN_ID.match(v))) and not v.isdigit() and "_" not in v:
            return v
        return None
    parts = [p for p in _NAME_SEP.split(v) if p]
    if not parts or len(parts) > NAMES_MAX:
        return None
    # "王乐文 方 敏": consecutive single characters split by spaces are one name
    merged: list[str] = []
    run = ""
    for p in parts + [""]:
        if len(p) == 1 and _CJK.match(p):
            run += p
            continue
        if run:
            if len(run) == 1 and merged:
                merged[-1] += run
            else:
                merged.append(run)
            run = ""
        if p:
            merged.append(p)
    if any(len(p) > NAME_MAX_CHARS or vocab.NON_NAMES.match(p) for p in merged):
        return None
    return " ".join(merged)


_KANA = re.compile(r"[\u3040-\u30ff]")


def is_chinese(text: str) -> bool:
    """Han characters and no kana: a Chinese page (its headline), not a Japanese one."""
    return bool(_CJK.search(text or "")) and not _KANA.search(text or "")


def meta_author(metas: dict[str, str]) -> str | None:
    """A writer named by the author meta tags (not an outlet, not an id)."""
    for k in vocab.META_AUTHOR_KEYS:
        v = metas.get(k)
        v = meta.plausible_name(meta._clean_value(v))  # not an id (103553, sina_mobile) or a URL
        if v and not is_outlet(v):
            n = names(v[:60], role_prefix=False)
            if n:
                return n
    return None


def is_outlet(v: str | None) -> bool:
    """A news outlet's or a site's name (新京报, IT之家, 中国新闻网), not a writer's."""
    return bool(v) and bool(vocab.OUTLET_NAME.search(v.strip()))


def is_org(v: str | None) -> bool:
    """An organisation's name (医技药剂党支部, …董事会), not a writer's."""
    return bool(v) and bool(vocab.ORG_NAME.search(v.strip()))


def _search(lines, patterns, max_len=200, head=0, accept=None, **kw):
    for pat in patterns:
        for ln in lines:
            if len(ln) > max_len:
                if not head:
                    continue
                ln = ln[:head]
            for m in pat.finditer(ln):
                v = names(m.group("v"), **kw)
                if v and (accept is None or accept(v)):
                    return v
    return None


def _person(v: str) -> bool:
    return not (is_outlet(v) or is_org(v))


def author_from_lines(lines: list[str]) -> str | None:
    """The first labelled credit naming people; an outlet or an organisation given as the
    author ("作者：新京报", "作者：医技药剂党支部") is passed over for the next credit."""
    return _search(lines, AUTHOR_PATTERNS, head=LONG_LINE_HEAD, accept=_person)


def outlet_from_author_lines(lines: list[str]) -> str | None:
    """An outlet given in an author credit ("作者：新京报", "原创：39健康网")."""
    for pat in AUTHOR_PATTERNS[:1]:
        for ln in lines:
            if len(ln) > 200:
                continue
            for m in pat.finditer(ln):
                v = origin_value(m.group("v"))
                if v and is_outlet(v):
                    return v
    return None


def name_and_outlet(lines: list[str]) -> tuple[str | None, str | None]:
    """("石佳", "中国青年报") from a meta-area line "石佳/中国青年报"."""
    for ln in lines:
        m = NAME_OUTLET.match(ln)
        if m and is_outlet(m.group("o")):
            a = names(m.group("a"))
            o = origin_value(m.group("o"))
            if a and o:
                return a, o
    return None, None


_DATELINE_DATE = re.compile(r"\d{2,4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?|\d{1,2}\s*月\s*\d{1,2}\s*日"
                            r"|\d{1,2}:\d{2}(?::\d{2})?|\d{1,2}\s*[時时]\s*\d{1,2}\s*分|\d{1,2}[-/]\d{1,2}")
_RELATIVE = re.compile(r"^(?:昨天|前天|今天|刚刚|\d+\s*(?:秒|分钟|小时|天)前|[周週][一二三四五六日天]|[上下]午|星期[一二三四五六日天])$")
_DATELINE_LABEL = re.compile(r"来源|稿源|作者|记者|编辑|责编|发布|发表|时间|日期|浏览|阅读|来自|属地|农历|举报|星期|礼拜")
DATELINE_LINES = 4
DATELINE_WINDOW_LINE_MAX = 24
DATELINE_NAME_MAX_CHARS = 12  # an account's name; a longer phrase is a headline or a teaser


def dateline_credit(lines: list[str]) -> str | None:
    """The one unlabelled name beside the date right under the headline — the publishing
    account of a self-media page ("华夏人文 2020-03-09 18:14:21", "2019-05-17 · 苏皖城市报道",
    "原创 南方都市报 2019-09-09", "2019-09-05 11:10 游民星空[整理]"). Up to three short
    consecutive lines are read together (the date and the name in separate elements)."""
    head = lines[:DATELINE_LINES + 2]
    for i in range(min(len(head), DATELINE_LINES)):
        for size in (1, 2, 3):
            window = head[i:i + size]
            if len(window) < size or (size > 1 and any(len(x) > DATELINE_WINDOW_LINE_MAX for x in window)):
                break
            text = " ".join(window)
            if len(text) > 60 or not _DATELINE_DATE.search(text):
                continue
            rest = _DATELINE_DATE.sub(" ", text)
            if re.search(r"[:：()（）]", rest):
                continue  # a labelled line, or a counter: not a bare name
            rest = re.sub(r"\[[^\]]{0,6}\]", " ", vocab.DATELINE_BADGES.sub(" ", rest))
            tokens = [t for t in rest.split() if not _RELATIVE.match(t)]
            if len(tokens) != 1:
                continue
            v = tokens[0].strip("-—_,，。")
            if 2 <= len(v) <= DATELINE_NAME_MAX_CHARS and not _DATELINE_LABEL.search(v) \
                    and not vocab.PLACE_NAME.match(v) and not v.isdigit() and not vocab.NON_NAMES.match(v) \
                    and not vocab.NON_NAME_WORDS.search(v):
                return v
    return None


CLOSING_CREDIT = re.compile(AUTHOR_PATTERNS[2].pattern + r"\s*$")
CLOSING_LINES = 3
CLOSING_PROSE_MIN_CHARS = 20


def final_credit(body_lines: list[str]) -> str | None:
    """A credit closing the last paragraph of the body: "…举行。（张巨峰）",
    "…生活需要。(文/图 刘玺东 易赛楠)". The last prose line is read, past the short widget
    and editor lines that may follow it ("[", "责编：杨煜 ]")."""
    tail = body_lines[-CLOSING_LINES:]
    prose = [ln for ln in tail if len(ln) >= CLOSING_PROSE_MIN_CHARS] or tail[-1:]
    if not prose:
        return None
    last = prose[-1]
    m = FINAL_CREDIT.search(last)
    if m is None:
        m = CLOSING_CREDIT.search(last[-LONG_LINE_HEAD:])
    v = names(m.group("v")) if m else None
    return v if v and _person(v) else None


def editor_from_lines(lines: list[str]) -> str | None:
    return _search(lines, EDITOR_PATTERNS, max_len=120, role_prefix=False, person=False)


_ORIGIN_TAIL = re.compile(r"\s+(?:发布于|发表于|\d).*$|\[[^\]]{0,6}\]$")  # "经济日报 发布于北京…", "游民星空[整理]"


def origin_value(v: str | None) -> str | None:
    """An outlet name: short, not a counter or a placeholder (本站原创, 网络)."""
    v = _WS.sub(" ", v or "").strip(" :：-—|｜·,，、【】[]()（）\"'“”")
    v = re.sub(r"^(?:发布于|发表于|来自|于)\s*", "", v)
    v = vocab.LATIN_CREDIT_PREFIX.sub("", v)
    v = _ORIGIN_TAIL.sub("", v).strip()
    if not v or len(v) > 24 or vocab.NON_NAMES.match(v) or vocab.NON_NAME_WORDS.search(v):
        return None
    return v


def origin_from_lines(lines: list[str]) -> str | None:
    for ln in lines:
        if len(ln) > 200:
            continue
        for m in ORIGIN_PATTERN.finditer(ln):
            v = origin_value(m.group("v"))
            if v:
                return v
    for ln in lines:
        if len(ln) > ORIGIN_BARE_MAX_CHARS:
            continue
        for m in ORIGIN_BARE_PATTERN.finditer(ln):
            v = origin_value(m.group("v"))
            if v:
                return v
    return None


def _token_field(t: str) -> str | None:
    for field, hints in vocab.BYLINE_ELEMENT_HINTS.items():
        if t in hints or (len(t) > 4 and any(t.startswith(h) or t.endswith(h) for h in hints if len(h) >= 4)):
            return field
    return None


def _is_stop(t: str) -> bool:
    return t.startswith(vocab.BYLINE_HINT_STOP) or t.endswith(vocab.BYLINE_HINT_STOP)


@lru_cache(maxsize=4096)
def _hint_field(attrs: str, el_id: str = "") -> str | None:
    """The byline field a class/id names. Each class word is read on its own: a stop word
    after a hint makes it something else ("author-follow", "source-list"), one before it
    does not ("follow-nickname")."""
    if el_id in vocab.BYLINE_ELEMENT_IDS:
        return vocab.BYLINE_ELEMENT_IDS[el_id]
    found = None
    for word in attrs.split():
        hint = None
        for t in (t for t in _TOKEN_SPLIT.split(word) if t):
            if _is_stop(t):
                if hint is not None:
                    return None  # the element is a button, a list, a picture of the field
                continue
            hint = hint or _token_field(t)
        found = found or hint
    return found


_LABEL_HEAD = re.compile(r"^\s*(?:" + vocab.LABEL_ORIGIN + "|" + vocab.LABEL_AUTHOR + "|" + vocab.LABEL_EDITOR
                         + r"|原创|选稿)\s*[:：/|丨]?\s*")


_OTHER_LABEL = re.compile(r"责任编辑|责编|编辑|选稿|来源|稿源")


def _last_descendant(el):
    while len(el):
        el = el[-1]
    return el


def hinted_elements(scope, body=None) -> dict[str, list[str]]:
    """field -> texts of the elements whose class/id names it (in document order); the
    elements after the article's body under ``field + "/after"``."""
    out: dict[str, list[str]] = {}
    end = _last_descendant(body) if body is not None else None
    after = False
    for el in scope.iter():
        if after is False and end is not None and el is end:
            after = None  # the next element is past the body
            continue
        if after is None:
            after = True
        if not isinstance(el.tag, str):
            continue
        cls, el_id = el.get("class"), (el.get("id") or "").strip()
        if not cls and not el_id:
            continue
        field = _hint_field(((cls or "") + " " + el_id).lower(), el_id)
        if field is None:
            continue
        text = _WS.sub(" ", el.text_content()).strip()
        if not text or len(text) > 80:
            continue
        out.setdefault(field + "/after" if after else field, []).append(text)
    return out


class LazyHints:
    """:func:`hinted_elements` of ``scope``, computed on the first lookup. ``hints[field]``
    is the slots up to the end of the body, then those after it unless they form a list of
    other stories' names (:func:`is_teaser_list`)."""

    __slots__ = ("scope", "body", "_found")

    def __init__(self, scope, body=None):
        self.scope, self.body, self._found = scope, body, None

    def __getitem__(self, field: str) -> list[str]:
        if self._found is None:
            self._found = hinted_elements(self.scope, self.body)
        before, after = self._found.get(field, []), self._found.get(field + "/after", [])
        if field == "origin" and is_teaser_list(before):
            before = []  # a story has one source slot: repeated ones are a list of teasers
        if field != "editor" and is_teaser_list(after):
            after = []
        return before + after


def _strip_dates(text: str) -> str:
    for _name, pat in dates.ABSOLUTE_PATTERNS[:3]:
        text = pat.sub(" ", text)
    return text


def from_hinted(texts: list[str], field: str) -> str | None:
    for text in texts:
        if field == "editor":
            v = editor_from_lines([text])
        elif field == "origin":
            v = origin_from_lines([text])
            if v is None:
                bare = _LABEL_HEAD.sub("", _strip_dates(text))
                # an unlabelled text with a colon in it is a headline or a note, not a name
                v = None if re.search(r"[:：]", bare) else origin_value(bare)
        else:
            v = author_from_lines([text])
            if v is None and not _OTHER_LABEL.search(text):
                v = names(_LABEL_HEAD.sub("", _strip_dates(text)))
        if v:
            return v
    return None


HINT_LIST_MIN = 3


def is_teaser_list(texts: list[str]) -> bool:
    """The same slot repeated with several different names is a list of other stories'
    writers (related articles, a columnists' box), not this article's byline."""
    kept: list[str] = []
    for t in sorted({"".join(t.split()) for t in texts}, key=len):
        if not any(k in t for k in kept):  # nested elements repeat one name ("管不饿", "管不饿关注")
            kept.append(t)
    return len(kept) >= HINT_LIST_MIN


def account_from_hinted(texts: list[str]) -> str | None:
    """A name in an author or account slot (``class="author-name"``, ``media-user``,
    ``follow-nickName``), outlet or person: the caller tells them apart."""
    for text in texts:
        if _OTHER_LABEL.search(text):
            continue
        raw = _LABEL_HEAD.sub("", _strip_dates(text))
        v = names(raw, role_prefix=False)
        if v is None:
            o = origin_value(raw)
            v = o if o and is_outlet(o) else None
        if v:
            return v
    return None


def ld_credits(ld: list[dict], metas: dict[str, str]) -> tuple[str | None, str | None]:
    """(writer, outlet) from JSON-LD ``author`` (an Organization, or a name of an outlet,
    is the origin) and meta ``article:author`` (an outlet's name on Sina and others)."""
    person = outlet = None
    for item in ld:
        authors = item.get("author")
        for a in authors if isinstance(authors, list) else [authors]:
            kind = None
            if isinstance(a, dict):
                kind, a = str(a.get("@type") or ""), a.get("name")
            if not isinstance(a, str) or not a.strip():
                continue
            if kind == "Organization" or is_outlet(a):
                outlet = outlet or origin_value(a[:40])
            else:
                person = person or names(a[:60], role_prefix=False)
    for k in ("article:author", "og:article:author"):
        v = metas.get(k)
        if v and is_outlet(v.strip()):
            outlet = outlet or origin_value(v[:40])
    return person, outlet


_EDITOR_TEXT = etree.XPath(".//text()[contains(., '编') or contains(., '選稿') or contains(., '选稿')]")


def editor_label_lines(page, max_chars: int = 60) -> list[str]:
    """Short lines of the whole page holding an editor label (found by XPath, not by
    linearising the page): the text of each such text node's parent element."""
    out = []
    for t in _EDITOR_TEXT(page):
        parent = t.getparent()
        if parent is None:
            continue
        text = _WS.sub(" ", parent.text_content()).strip()
        if text and len(text) <= max_chars:
            out.append(text)
    return out
