"""Publication dates: a regex table for the common Chinese forms, dateparser as fallback.

All returned datetimes are timezone-aware; naive values are Asia/Shanghai. A date more
than :data:`FUTURE_TOLERANCE` after ``now`` is rejected (template clocks, typos).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

try:
    from zoneinfo import ZoneInfo

    SHANGHAI = ZoneInfo("Asia/Shanghai")
except Exception:  # pragma: no cover - no tz database
    SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")

FUTURE_TOLERANCE = timedelta(days=1)
MIN_YEAR = 1990

_TIME_CORE = r"\s*(?:T|\s)?\s*(?P<ampm>上午|下午|晚上|凌晨|中午)?\s*(?P<H>\d{1,2})\s*[:：时点]\s*(?P<M>\d{1,2})(?:\s*[:：分]\s*(?P<S>\d{1,2})(?:\.\d+)?)?\s*(?:分|秒)?"
_TIME = "(?:" + _TIME_CORE + ")?"
_TZ = r"(?:\s*(?P<tz>Z|[+-](?:0\d|1[0-4]):?[0-5]\d|GMT[+-]\d{1,2}|UTC[+-]\d{1,2})(?![\d:]))?"

# Month names of the European languages of the dates-web pages (and their abbreviations,
# matched as prefixes of at least 3 letters): name -> month number.
MONTH_NAMES: dict[str, int] = {}
for _m, _names in enumerate((
    "january januar janvier enero gennaio januari janeiro jänner stycznia leden",
    "february februar février fevrier febrero febbraio februari fevereiro lutego",
    "march märz maerz mars marzo maart março marca",
    "april avril abril aprile kwietnia",
    "may mai mayo maggio mei maio maja",
    "june juni juin junio giugno junho czerwca",
    "july juli juillet julio luglio julho lipca",
    "august août aout agosto augustus sierpnia",
    "september septembre septiembre settembre setembro września",
    "october oktober octobre octubre ottobre outubro października",
    "november novembre noviembre novembro listopada",
    "december dezember décembre decembre diciembre dicembre dezembro grudnia",
), start=1):
    for _n in _names.split():
        MONTH_NAMES[_n] = _m
MONTH_ABBREVIATIONS = {"jan": 1, "feb": 2, "febr": 2, "mar": 3, "mär": 3, "apr": 4, "jun": 6, "jul": 7,
                       "aug": 8, "sep": 9, "sept": 9, "oct": 10, "okt": 10, "nov": 11, "dec": 12, "dez": 12,
                       "déc": 12, "janv": 1, "févr": 2, "avr": 4, "juil": 7}
_MONTH_WORD = r"(?P<mname>[A-Za-zÀ-ÿąćęłńóśźż]{3,10})\.?"

# Absolute forms, most specific first. Named groups: Y m d (H M S ampm tz); a month
# name is group ``mname`` (looked up in MONTH_NAMES / MONTH_ABBREVIATIONS).
ABSOLUTE_PATTERNS: tuple[tuple[str, re.Pattern], ...] = (
    ("ymd_cn", re.compile(r"(?<!\d)(?P<Y>(?:19|20)\d{2})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]" + _TIME)),
    ("ymd_sep", re.compile(r"(?<!\d)(?P<Y>(?:19|20)\d{2})\s*(?P<sep>[-/.])\s*(?P<m>\d{1,2})\s*(?P=sep)\s*(?P<d>\d{1,2})(?=\d{1,2}:\d{2}|(?!\d))" + _TIME + _TZ)),
    ("ymd_compact_time", re.compile(r"(?<!\d)(?P<Y>(?:19|20)\d{2})(?P<m>[01]\d)(?P<d>[0-3]\d)\s*(?P<H>[0-2]\d):?(?P<M>[0-5]\d)(?::?(?P<S>[0-5]\d))?(?!\d)")),
    # European day-first: 21.01.2022, 3.2.2019 (a dot between all parts), 21/01/2022
    # (a US month-first 03/21/2019 is read when the second number cannot be a month)
    ("dmy_dot", re.compile(r"(?<![\d.])(?P<d>[0-3]?\d)\.\s?(?P<m>[01]?\d)\.\s?(?P<Y>(?:19|20)\d{2})(?![\d.]\d)" + _TIME)),
    ("dmy_sep", re.compile(r"(?<![\d/\-])(?P<d>[0-3]?\d)(?P<sep>[/\-])(?P<m>[0-3]?\d)(?P=sep)(?P<Y>(?:19|20)\d{2})(?![\d/\-])" + _TIME + _TZ)),
    # 12. März 2019, 12 mars 2019, 1er janvier 2019, 12 de marzo de 2019
    ("d_month_y", re.compile(r"(?<![\w])(?P<d>[0-3]?\d)(?:\.|er|st|nd|rd|th)?\s+(?:de\s+)?" + _MONTH_WORD
                             + r",?\s+(?:de\s+)?(?P<Y>(?:19|20)\d{2})(?!\d)" + _TIME)),
    # March 12, 2019; Mar. 12th 2019
    ("month_d_y", re.compile(r"(?<![\w])" + _MONTH_WORD + r"\s+(?P<d>[0-3]?\d)(?:st|nd|rd|th)?,?\s+(?P<Y>(?:19|20)\d{2})(?!\d)" + _TIME)),
)
# Patterns whose month is a name.
_NAMED_MONTH = frozenset({"d_month_y", "month_d_y"})
# Forms without a year: the year is taken from ``now`` (previous year if that is in the future).
YEARLESS_PATTERNS: tuple[tuple[str, re.Pattern], ...] = (
    ("md_cn", re.compile(r"(?<![\d年])(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]" + _TIME)),
    # not a citation marker "[1-2]", not a range "1-3 Tage" / "1-3天" / "3/4 cup"
    ("md_sep", re.compile(r"(?<![\d\-/.\[(（【])(?P<m>[01]?\d)[-/](?P<d>[0-3]?\d)(?![\d\-/.\])）】])"
                          r"(?!\s*[A-Za-zÀ-ÿ\u4e00-\u9fff%])" + _TIME)),
)
# Relative forms, resolved against ``now``.
RELATIVE_PATTERNS: tuple[tuple[str, re.Pattern], ...] = (
    # a bare day word must stand alone ("今日中国" is a column name, not a date)
    ("day_word", re.compile(r"(?<![\u4e00-\u9fff])(?P<word>今天|昨天|前天|今日|昨日)(?:" + _TIME_CORE + r"|(?=\s*(?:$|[\s|｜,，)）\]】/])))")),
    ("ago", re.compile(r"(?P<n>\d+|半|一|两|二|三|四|五|六|七|八|九|十)\s*(?P<unit>秒|分钟|分|小时|个小时|天|日|周|星期|个月|月|年)\s*前")),
    ("just_now", re.compile(r"刚刚|刚才")),
)
# Date shapes in URLs: /2023-10/31/, /2023/1031/, t20231031_, /20231031/, doc-2024-05-16.
URL_PATTERNS: tuple[tuple[str, re.Pattern], ...] = (
    ("url_ymd_sep", re.compile(r"(?<!\d)(?P<Y>(?:19|20)\d{2})[-/_](?P<m>[01]?\d)[-/_](?P<d>[0-3]?\d)(?!\d)")),
    ("url_ym_slash_dd", re.compile(r"(?<!\d)(?P<Y>(?:19|20)\d{2})-?(?P<m>[01]\d)/(?P<d>[0-3]\d)(?!\d)")),
    ("url_compact", re.compile(r"(?<!\d)(?P<Y>(?:19|20)\d{2})(?P<m>[01]\d)(?P<d>[0-3]\d)(?!\d)")),
    ("url_y_mmdd", re.compile(r"(?<!\d)(?P<Y>(?:19|20)\d{2})/(?P<m>[01]\d)(?P<d>[0-3]\d)(?!\d)")),
)

_CN_NUM = {"半": 0.5, "一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_UNIT = {"秒": timedelta(seconds=1), "分钟": timedelta(minutes=1), "分": timedelta(minutes=1),
         "小时": timedelta(hours=1), "个小时": timedelta(hours=1), "天": timedelta(days=1), "日": timedelta(days=1),
         "周": timedelta(weeks=1), "星期": timedelta(weeks=1), "个月": timedelta(days=30), "月": timedelta(days=30),
         "年": timedelta(days=365)}
_DAY_WORD = {"今天": 0, "今日": 0, "昨天": 1, "昨日": 1, "前天": 2}


_HAS_LETTER = re.compile(r"[A-Za-z]")


def aware_now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(SHANGHAI)
    return now if now.tzinfo else now.replace(tzinfo=SHANGHAI)


def _tz(value: str | None):
    if not value:
        return SHANGHAI
    if value == "Z":
        return timezone.utc
    m = re.match(r"(?:GMT|UTC)?([+-])(\d{1,2}):?(\d{2})?$", value)
    if not m:
        return SHANGHAI
    delta = timedelta(hours=int(m.group(2)), minutes=int(m.group(3) or 0))
    return timezone(delta if m.group(1) == "+" else -delta)


def _build(gd: dict, year: int) -> datetime | None:
    try:
        hour = int(gd.get("H") or 0)
        minute = int(gd.get("M") or 0)
        sec = int(gd.get("S") or 0)
        if gd.get("ampm") in ("下午", "晚上") and hour < 12:
            hour += 12
        if gd.get("H") is None:
            hour = minute = sec = 0
        if year < MIN_YEAR:
            return None
        return datetime(year, int(gd["m"]), int(gd["d"]), hour, minute, sec, tzinfo=_tz(gd.get("tz")))
    except (ValueError, TypeError, OverflowError):
        return None


def _ok(dt: datetime | None, now: datetime) -> bool:
    return dt is not None and dt <= now + FUTURE_TOLERANCE


def month_number(word: str) -> int | None:
    """The month a (European) month name or abbreviation stands for."""
    w = word.lower().rstrip(".")
    if w in MONTH_NAMES:
        return MONTH_NAMES[w]
    return MONTH_ABBREVIATIONS.get(w)


def _groups(name: str, m: re.Match) -> dict | None:
    gd = m.groupdict()
    if name in _NAMED_MONTH:
        month = month_number(gd["mname"])
        if month is None:
            return None
        gd["m"] = month
    elif name == "dmy_sep" and int(gd["m"]) > 12 >= int(gd["d"]):
        gd["m"], gd["d"] = gd["d"], gd["m"]  # 03/21/2019
    return gd


def find_absolute(text: str, now: datetime) -> datetime | None:
    """First full (year-month-day) date in ``text`` that is not in the future."""
    best: tuple[int, datetime] | None = None
    for name, pat in ABSOLUTE_PATTERNS:
        if name in _NAMED_MONTH and not _HAS_LETTER.search(text):
            continue
        for m in pat.finditer(text):
            gd = _groups(name, m)
            if gd is None:
                continue
            dt = _build(gd, int(m.group("Y")))
            if _ok(dt, now):
                if best is None or m.start() < best[0]:
                    best = (m.start(), dt)
                break
    return best[1] if best else None


def find_yearless(text: str, now: datetime) -> datetime | None:
    for _name, pat in YEARLESS_PATTERNS:
        for m in pat.finditer(text):
            gd = m.groupdict()
            dt = _build(gd, now.year)
            if dt is not None and not _ok(dt, now):
                dt = _build(gd, now.year - 1)
            if _ok(dt, now):
                return dt
    return None


def find_relative(text: str, now: datetime) -> datetime | None:
    local = now.astimezone(SHANGHAI)
    for name, pat in RELATIVE_PATTERNS:
        m = pat.search(text)
        if not m:
            continue
        if name == "day_word":
            day = local - timedelta(days=_DAY_WORD[m.group("word")])
            gd = m.groupdict()
            dt = _build({**gd, "m": day.month, "d": day.day}, day.year)
            if dt is not None and _ok(dt, now):
                return dt
        elif name == "ago":
            n = m.group("n")
            num = float(n) if n.isdigit() else _CN_NUM.get(n, 1)
            try:
                return local - _UNIT[m.group("unit")] * num
            except OverflowError:
                return None
        else:
            return local
    return None


def parse_date(text: str, now: datetime | None = None, *, allow_yearless: bool = True,
               allow_relative: bool = True) -> datetime | None:
    """Parse the publication date in a short text (a meta line, a meta tag value).

    An absolute date beats a relative one: ``admin1年前 (2024-09-28)`` → 2024-09-28.
    """
    if not text:
        return None
    now = aware_now(now)
    text = text[:2000]
    dt = find_absolute(text, now)
    if dt is None and allow_yearless:
        dt = find_yearless(text, now)
    if dt is None and allow_relative:
        dt = find_relative(text, now)
    return dt


def parse_iso_or_fuzzy(value: str, now: datetime | None = None) -> datetime | None:
    """Meta-tag / JSON-LD values: regex table first, dateparser for English/odd forms."""
    now = aware_now(now)
    dt = find_absolute(value, now)
    if dt is not None:
        return dt
    value = value.strip()
    if re.fullmatch(r"\d{10}(\d{3})?", value):  # unix timestamp
        try:
            dt = datetime.fromtimestamp(int(value[:10]), tz=SHANGHAI)
        except (OverflowError, OSError, ValueError):
            return None
        return dt if _ok(dt, now) else None
    if not value or len(value) > 60 or not re.search(r"\d", value):
        return None
    try:
        import dateparser

        dt = dateparser.parse(value, settings={"TIMEZONE": "Asia/Shanghai", "RETURN_AS_TIMEZONE_AWARE": True,
                                               "RELATIVE_BASE": now.replace(tzinfo=None), "STRICT_PARSING": True})
    except Exception:
        return None
    return dt if _ok(dt, now) and dt.year >= MIN_YEAR else None


def date_from_url(url: str, now: datetime | None = None) -> datetime | None:
    now = aware_now(now)
    path = re.sub(r"^[a-z]+://[^/]+", "", url or "")
    for _name, pat in URL_PATTERNS:
        for m in pat.finditer(path):
            dt = _build(m.groupdict(), int(m.group("Y")))
            if _ok(dt, now):
                return dt
    return None
