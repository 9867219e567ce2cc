"""Decode page bytes: hint, BOM, declared charset, then sniffing for mislabelled pages."""

from __future__ import annotations

import codecs
import re

from w3lib.encoding import html_body_declared_encoding, read_bom, resolve_encoding

from .errors import NotHTMLError

# Superset codecs: a page declared GB2312/GBK nearly always uses GB18030 characters.
_WIDEN = {"gb2312": "gb18030", "gbk": "gb18030", "gb_2312-80": "gb18030", "x-gbk": "gb18030",
          "big5": "big5hkscs", "ascii": "utf-8", "iso-8859-1": "cp1252", "latin-1": "cp1252"}

_BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf")
_SINGLE_BYTE = frozenset({"cp1252", "latin-1", "iso8859-1", "iso8859-15", "ascii", "windows-1252"})
_CJK = re.compile(r"[\u4e00-\u9fff]")
# Share of a page's non-ASCII bytes that must form valid UTF-8 sequences for it to be
# read as UTF-8 with replacement. Text in another encoding forms valid UTF-8 only by
# chance: GBK/GB18030 pages measure 0.29-0.37 (tests/fixtures and ../shared), Latin-1
# and cp1252 pages 0.0-0.1, while a UTF-8 page with a few stray GBK bytes is above 0.95.
UTF8_CLEAN_SHARE = 0.9
_NON_ASCII = re.compile(rb"[\x80-\xff]")
_ESCAPED = re.compile("[\udc80-\udcff]")


def _norm(enc: str | None) -> str | None:
    if not enc:
        return None
    enc = enc.strip().strip("\"'").lower()
    try:
        name = codecs.lookup(resolve_encoding(enc) or enc).name
    except LookupError:
        return None
    return _WIDEN.get(name, name)


def _strict(data: bytes, enc: str) -> str | None:
    try:
        return data.decode(enc)
    except (UnicodeDecodeError, LookupError):
        return None


def _errors(data: bytes, enc: str) -> int:
    try:
        return data.decode(enc, errors="replace").count("\ufffd")
    except LookupError:
        return 1 << 30


def utf8_clean_share(data: bytes) -> float:
    """Share of the non-ASCII bytes of ``data`` that decode as UTF-8 (1.0 when none)."""
    non_ascii = len(_NON_ASCII.findall(data))
    if not non_ascii:
        return 1.0
    bad = len(_ESCAPED.findall(data.decode("utf-8", errors="surrogateescape")))  # one per invalid byte
    return 1.0 - bad / non_ascii


def check_binary(data: bytes) -> None:
    if data.startswith(_BINARY_MAGIC) or data[:2048].count(b"\x00") > 16:
        raise NotHTMLError("input looks like binary data, not HTML")


def decode_html(data: bytes, hint: str | None = None) -> tuple[str, str]:
    """Return ``(text, encoding)``.

    Order: BOM; then UTF-8 if the bytes are valid UTF-8 with non-ASCII content (GBK
    text is practically never valid UTF-8, while pages re-saved as UTF-8 often keep a
    stale ``charset=gb2312``); then UTF-8 with replacement characters if at least
    ``UTF8_CLEAN_SHARE`` (90 %) of the non-ASCII bytes form valid UTF-8 — a UTF-8 page
    with a few stray GBK bytes, which GB18030 would otherwise "decode" without an
    error into mojibake, since nearly any byte pair is GB18030; then the caller's hint,
    then the ``<meta charset>``, each accepted only if it decodes cleanly (or nearly
    so, < 0.1 % errors). Otherwise the candidate (hint, declared, UTF-8, GB18030) with
    the fewest errors wins.
    """
    check_binary(data)
    bom_enc, bom = read_bom(data)
    if bom_enc:
        enc = _norm(bom_enc) or "utf-8"
        return data[len(bom):].decode(enc, errors="replace"), enc
    if not data.isascii():
        text = _strict(data, "utf-8")
        if text is not None:
            return text, "utf-8"
        if utf8_clean_share(data) >= UTF8_CLEAN_SHARE:
            return data.decode("utf-8", errors="replace"), "utf-8"
    candidates: list[str] = []
    for enc in (_norm(hint), _norm(html_body_declared_encoding(data[:8192]))):
        if enc and enc not in candidates:
            candidates.append(enc)
    for enc in ("utf-8", "gb18030"):
        if enc not in candidates:
            candidates.append(enc)
    # A single-byte Western label decodes any bytes "cleanly"; on non-ASCII pages it is
    # almost always a wrong label, so try it last.
    candidates.sort(key=lambda e: e in _SINGLE_BYTE)
    budget = max(2, len(data) // 1000)
    for enc in candidates[:2]:
        text = _strict(data, enc)
        if text is not None:
            return text, enc
        if _errors(data, enc) <= budget and enc != "cp1252":
            return data.decode(enc, errors="replace"), enc
    # Mislabelled or undeclared: pick the candidate with the fewest decoding errors;
    # on a tie prefer the one producing CJK text.
    best = min(candidates, key=lambda e: (_errors(data, e), -len(_CJK.findall(data[:20000].decode(e, "replace")))))
    return data.decode(best, errors="replace"), best
