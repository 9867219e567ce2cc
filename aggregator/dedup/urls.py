"""URL canonicalisation (pure). Two URLs that canonicalise to the same string are the
same page, so the store stage's unique ``articles.url`` doubles as the seen-URL set
shared by every crawler."""

from __future__ import annotations

import posixpath
import re
from urllib.parse import parse_qsl, quote, unquote, urljoin, urlsplit, urlunsplit

CANONICAL_SCHEME = "https"  # http and https are taken as the same page; stored as https

# Query parameters that only say how a visitor arrived, not which page it is.
# Matched case-insensitively on the parameter name.
TRACKING_PARAMS: frozenset[str] = frozenset(
    {
        # analytics / ad click ids
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "yclid", "msclkid", "twclid", "ttclid",
        "igshid", "mc_cid", "mc_eid", "_hsenc", "_hsmi", "mkt_tok", "_ga", "_gl",
        # Chinese portals and apps (Alibaba spm, WeChat/Weibo/QQ share links, Baidu feeds)
        "spm", "scm", "from", "frm", "src", "source_from", "isappinstalled", "scene",
        "clicktime", "enterid", "wfr", "wxfrom", "sharer", "sharer_shareid", "sharer_sharetime",
        "share_token", "share_from", "share_source", "share_medium", "shareid", "sharetype",
        "share", "tt_from", "tt_medium", "utm",
        "ref", "ref_src", "ref_url", "referer", "referrer",
    }
)
# Any parameter whose name starts with one of these is tracking too.
TRACKING_PREFIXES: tuple[str, ...] = ("utm_", "share_", "sharer_", "hmsr", "hmpl", "hmcu", "hmkw", "hmci", "pk_", "mtm_")  # not "__": WeChat's __biz identifies the article

# Directory index documents: /news/index.html is the same page as /news
DEFAULT_DOCUMENTS: frozenset[str] = frozenset(
    {"index.html", "index.htm", "index.shtml", "default.htm", "default.html", "default.aspx", "default.asp"}
)

DEFAULT_PORTS = {"http": 80, "https": 443}

# Second-level labels under which registrations happen (example.com.cn is a site, com.cn is not).
SECOND_LEVEL_SUFFIXES: frozenset[str] = frozenset(
    {"com", "net", "org", "gov", "edu", "ac", "mil", "co", "ne", "or", "go", "int"}
)

_HOST_RE = re.compile(r"^[a-z0-9.\-_]+$|^\[[0-9a-f:.]+\]$")
# Characters left as they are in paths and queries; the rest is percent-encoded (UTF-8).
_PATH_SAFE = "/:@!$&'()*+,;=-._~"
_QUERY_SAFE = ":@!$'()*+,;/?-._~"


class InvalidURL(ValueError):
    """The URL cannot be canonicalised: not http(s), no host, bad port or bad host."""


def _host(parts, url: str) -> str:
    host = parts.hostname  # lowercased by urllib, brackets stripped for IPv6
    if not host:
        raise InvalidURL(f"no host in URL: {url!r}")
    host = host.rstrip(".")
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    else:
        try:
            host = host.encode("idna").decode("ascii") if not host.isascii() else host
        except UnicodeError as e:
            raise InvalidURL(f"bad host in URL: {url!r}") from e
    if not host or not _HOST_RE.match(host) or ".." in host:
        raise InvalidURL(f"bad host in URL: {url!r}")
    return host


def _norm_path(path: str) -> str:
    if not path:
        return "/"
    # decode then re-encode: %E6%96%B0 and 新 and %e6%96%b0 all end up the same
    path = quote(unquote(path), safe=_PATH_SAFE)
    trailing = path.endswith("/")
    path = posixpath.normpath(re.sub(r"/{2,}", "/", path))
    if not path.startswith("/"):
        path = "/" + path
    if path.startswith("//"):
        path = "/" + path.lstrip("/")
    head, tail = posixpath.split(path)
    if tail.lower() in DEFAULT_DOCUMENTS:
        path = head
    elif trailing and path != "/":
        pass  # the trailing slash is dropped: /news/ == /news
    return path.rstrip("/") or "/"


def is_tracking_param(name: str) -> bool:
    n = name.lower()
    return n in TRACKING_PARAMS or n.startswith(TRACKING_PREFIXES)


def _norm_query(query: str) -> str:
    if not query:
        return ""
    pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k and not is_tracking_param(k)]
    pairs.sort()
    return "&".join(
        quote(k, safe=_QUERY_SAFE.replace("&", "").replace("=", "")) + ("=" + quote(v, safe=_QUERY_SAFE.replace("&", "")) if v != "" else "")
        for k, v in pairs
    )


def _canonical(url: str) -> str:
    if not isinstance(url, str):
        raise InvalidURL(f"not a string: {url!r}")
    url = url.strip()
    if any(c in url for c in "\r\n\t"):
        url = re.sub(r"[\r\n\t]", "", url)
    if not url:
        raise InvalidURL("empty URL")
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in DEFAULT_PORTS:
            raise InvalidURL(f"not an http(s) URL: {url!r}")
        host = _host(parts, url)
        port = parts.port  # raises ValueError on a non-numeric or out-of-range port
    except InvalidURL:
        raise
    except ValueError as e:
        raise InvalidURL(f"malformed URL: {url!r}: {e}") from e
    if " " in parts.netloc:
        raise InvalidURL(f"space in host: {url!r}")
    netloc = host
    if port is not None and port not in DEFAULT_PORTS.values():
        netloc = f"{host}:{port}"
    if parts.username is not None:
        userinfo = parts.username + (f":{parts.password}" if parts.password is not None else "")
        netloc = f"{userinfo}@{netloc}"
    fragment = parts.fragment if parts.fragment.startswith("!") else ""  # keep only #! (AJAX crawlable) fragments
    return urlunsplit((CANONICAL_SCHEME, netloc, _norm_path(parts.path), _norm_query(parts.query), fragment))


def site_of(host: str) -> str:
    """The registrable part of a host, without a public-suffix list: the last two labels,
    or three when the second-to-last is a generic second-level label (news.sina.com.cn ->
    sina.com.cn, www.example.com -> example.com). IP literals are their own site."""
    host = host.split("@")[-1].split(":")[0] if not host.startswith("[") else host
    labels = host.split(".")
    if host.startswith("[") or all(p.isdigit() for p in labels):
        return host
    if len(labels) >= 3 and labels[-2] in SECOND_LEVEL_SUFFIXES and len(labels[-1]) == 2:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def canonical_url(url: str, canonical_link: str | None = None) -> str:
    """The canonical form of a page URL.

    Drops tracking parameters (``TRACKING_PARAMS``/``TRACKING_PREFIXES``), the fragment,
    default ports, a trailing index document (``DEFAULT_DOCUMENTS``) and trailing slash;
    lowercases the host (IDN hosts become punycode); maps http and https to
    ``CANONICAL_SCHEME``; sorts the remaining query parameters; normalises percent-encoding.

    ``canonical_link`` (the page's ``<link rel=canonical>``, may be relative) wins when it
    is on the same site (same registrable domain, see ``site_of``) and is not just the
    site's home page (a common CMS misconfiguration); a malformed one is ignored.

    Raises ``InvalidURL`` (a ``ValueError``) when ``url`` itself is malformed.
    """
    base = _canonical(url)
    if canonical_link and canonical_link.strip():
        try:
            cand = _canonical(urljoin(url.strip(), canonical_link.strip()))
        except (InvalidURL, ValueError):
            return base
        b, c = urlsplit(base), urlsplit(cand)
        if site_of(b.hostname or "") == site_of(c.hostname or "") and not (c.path == "/" and not c.query and b.path != "/"):
            return cand
    return base
