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

from . import dates, vocab

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
))
# a short credit closing the body: "…举行。（张巨峰）"
FINAL_CREDIT = re.compile(r"[。！？”][(（]\s*(?P<v>[\u4e00-\u9fff]{2,3}(?:[ 、][\u4e00-\u9fff]{2,3}){0,2})\s*[)）]\s*$")

ORIGIN_PATTERN = re.compile(r"(?<![\u4e00-\u9fff])" + vocab.LABEL_ORIGIN + r"\s*[:：]\s*(?P<v>[^\s|｜,，;；)）】\]]{1,40}?)" + _STOP)
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


def _search(lines, patterns, max_len=200, **kw):
    for pat in patterns:
        for ln in lines:
            if len(ln) > max_len:
                continue
            for m in pat.finditer(ln):
                v = names(m.group("v"), **kw)
                if v:
                    return v
    return None


def author_from_lines(lines: list[str]) -> str | None:
    return _search(lines, AUTHOR_PATTERNS)


def final_credit(body_lines: list[str]) -> str | None:
    if not body_lines:
        return None
    m = FINAL_CREDIT.search(body_lines[-1])
    return names(m.group("v")) if m else None


def editor_from_lines(lines: list[str]) -> str | None:
    return _search(lines, EDITOR_PATTERNS, max_len=120, role_prefix=False, person=False)


_ORIGIN_TAIL = re.compile(r"\s+(?:发布于|发表于|\d).*$|\[[^\]]{0,6}\]$")  # "经济日报 发布于北京…", "游民星空[整理]"


def origin_value(v: str | None) -> str | None:
    """An outlet name: short, not a counter or a placeholder (本站原创, 网络)."""
    v = _WS.sub(" ", v or "").strip(" :：-—|｜·,，、【】[]()（）\"'“”")
    v = re.sub(r"^(?:发布于|发表于|来自|于)\s*", "", v)
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
    return None


@lru_cache(maxsize=4096)
def _hint_field(attrs: str) -> str | None:
    tokens = [t for t in _TOKEN_SPLIT.split(attrs) if t]
    if any(t.startswith(vocab.BYLINE_HINT_STOP) or t.endswith(vocab.BYLINE_HINT_STOP) for t in tokens):
        return None
    for field, hints in vocab.BYLINE_ELEMENT_HINTS.items():
        for t in tokens:
            if t in hints or (len(t) > 4 and any(t.startswith(h) or t.endswith(h) for h in hints if len(h) >= 4)):
                return field
    return None


_LABEL_HEAD = re.compile(r"^\s*(?:" + vocab.LABEL_ORIGIN + "|" + vocab.LABEL_AUTHOR + "|" + vocab.LABEL_EDITOR
                         + r"|原创|选稿)\s*[:：/|丨]?\s*")


_OTHER_LABEL = re.compile(r"责任编辑|责编|编辑|选稿|来源|稿源")


_CLASS_OR_ID = etree.XPath(".//@class|.//@id")


def _HINTED(scope):
    seen = set()
    for value in _CLASS_OR_ID(scope):
        el = value.getparent()
        if el is None or id(el) in seen:
            continue
        seen.add(id(el))
        yield el


def hinted_elements(scope) -> dict[str, list[str]]:
    """field -> texts of the elements whose class/id names it (in document order)."""
    out: dict[str, list[str]] = {"origin": [], "author": [], "editor": []}
    for el in _HINTED(scope):
        field = _hint_field(((el.get("class") or "") + " " + (el.get("id") or "")).lower())
        if field is None:
            continue
        text = _WS.sub(" ", el.text_content()).strip()
        if not text or len(text) > 80:
            continue
        out[field].append(text)
    return out


class LazyHints:
    """:func:`hinted_elements` of ``scope``, computed on the first lookup."""

    __slots__ = ("scope", "_found")

    def __init__(self, scope):
        self.scope, self._found = scope, None

    def __getitem__(self, field: str) -> list[str]:
        if self._found is None:
            self._found = hinted_elements(self.scope)
        return self._found[field]


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
                v = origin_value(_LABEL_HEAD.sub("", _strip_dates(text)))
        else:
            v = author_from_lines([text])
            if v is None and not _OTHER_LABEL.search(text):
                v = names(_LABEL_HEAD.sub("", _strip_dates(text)))
        if v:
            return v
    return None


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
