"""Multi-page articles: the URLs of an article's further pages, and how to join them.

Pure functions, no fetching: the crawler calls :func:`article_page_links` on page 1,
fetches the URLs it returns in order, extracts each page's body with
``extract_article`` and stores :func:`join_pages` of the bodies as one article under
page 1's URL.

A link is a further page of *this* article when its URL is the article's own URL with a
page number added — ``_2.html`` / ``-2.html`` siblings, ``/2`` below it, ``?page=2`` —
(``PAGE_URL_SHAPES``); that is what sets an article's pager (【1】【2】【3】, 第2页,
下一页, ``1/2``) apart from the site's list pagination and from links to other
stories. Pages 2..N come out in order, at most :data:`MAX_PAGES` - 1 of them; missing
numbers between 2 and the highest one seen (a pager showing 1 2 3 … 8) are filled in
from the shape of the links.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

MAX_PAGES = 20
MAX_HREF_CHARS = 400  # longer ones are data: URIs and tracking blobs, never a page link

# path shapes of page N of an article whose page 1 is <stem><ext>
PAGE_URL_SHAPES = (
    re.compile(r"^(?P<stem>.+?)[_-](?P<n>\d{1,2})(?P<ext>\.[A-Za-z]{2,6})$"),   # a_2.html, c1013-31153719-4.html
    re.compile(r"^(?P<stem>.+?)/(?P<n>\d{1,2})/?$"),                            # /articles/373020/2
)
PAGE_QUERY_KEYS = ("page", "p", "pn", "pageno", "page_no", "pg", "pagenum", "currentpage")
# "共4页", "1/4", "第1页/共4页": the page count shown by a pager
PAGE_COUNT_TEXT = re.compile(r"共\s*(?P<n>\d{1,2})\s*页|^\s*\d{1,2}\s*/\s*(?P<n2>\d{1,2})\s*$")
_BASE_KEYS = ("canonical", "og:url")


def _path_stem(path: str) -> tuple[str, str]:
    m = re.match(r"^(?P<stem>.*?)(?P<ext>\.[A-Za-z]{2,6})?$", path)
    return m.group("stem").rstrip("/"), m.group("ext") or ""


def _page_number(href: str, base) -> tuple[int, str] | None:
    """(N, url) when ``href`` is page N >= 2 of the article at ``base`` (a urlsplit)."""
    u = urlsplit(href)
    if u.scheme not in ("http", "https", "") or (u.netloc and u.netloc != base.netloc):
        return None
    stem, ext = _path_stem(base.path)
    if u.path == base.path and u.query:
        q = dict(parse_qsl(u.query))
        bq = dict(parse_qsl(base.query))
        for key in PAGE_QUERY_KEYS:
            if key in q and q[key].isdigit() and key not in bq:
                rest = {k: v for k, v in q.items() if k != key}
                if rest == bq:
                    return int(q[key]), href
        return None
    if u.query != base.query:
        return None
    for shape in PAGE_URL_SHAPES:
        m = shape.match(u.path)
        if m and m.group("stem").rstrip("/") == stem and (m.groupdict().get("ext") or ext) == ext:
            return int(m.group("n")), href
    return None


def _with_number(sample: str, n_sample: int, n: int) -> str:
    """The URL of page ``n`` written in the shape of page ``n_sample``'s URL."""
    u = urlsplit(sample)
    if u.query:
        q = [(k, str(n) if k in PAGE_QUERY_KEYS and v == str(n_sample) else v) for k, v in parse_qsl(u.query)]
        return urlunsplit((u.scheme, u.netloc, u.path, urlencode(q), u.fragment))
    path = re.sub(r"(?<=[_/-])" + str(n_sample) + r"(?=(?:\.[A-Za-z]{2,6})?/?$)", str(n), u.path)
    return urlunsplit((u.scheme, u.netloc, path, u.query, u.fragment))


def _base_url(root, url: str) -> str:
    if url and urlsplit(url).netloc:
        return url
    for link in root.iter("link"):
        if (link.get("rel") or "").lower() == "canonical" and link.get("href"):
            return urljoin(url or "", link.get("href"))
    for m in root.iter("meta"):
        if (m.get("property") or m.get("name") or "").lower() == "og:url" and m.get("content"):
            return urljoin(url or "", m.get("content"))
    return url or ""


# the text of a pager link: 2, 【2】, [2], 第2页, 下一页, next
PAGER_LABEL = re.compile(r"^\s*(?:[【\[(（]?\s*(?:第\s*)?(?P<n>\d{1,2})\s*(?:页)?\s*[】\])）]?|(?P<next>下一页|下页|后一页|next\s*(?:page)?\s*[>»›]*))\s*$",
                         re.I)


def _links(root):
    for a in root.iter("a"):
        href = (a.get("href") or "").strip()
        if href and len(href) <= MAX_HREF_CHARS and not href.startswith(("#", "javascript:", "mailto:", "data:")):
            yield a, href


def _by_own_url(root, base_url: str) -> dict[int, str]:
    base = urlsplit(base_url)
    found: dict[int, str] = {}
    for _a, href in _links(root):
        got = _page_number(urljoin(base_url, href), base)
        if got is not None and 2 <= got[0] <= MAX_PAGES:
            found.setdefault(got[0], urlsplit(got[1])._replace(fragment="").geturl())
    return found


def _by_pager_labels(root, base_url: str) -> dict[int, str]:
    """Where the article's own URL is not known (or its pager links another host): links
    whose label names the page their URL numbers (【3】 -> …-3.html, 下一页 -> …_2.html),
    all of one stem."""
    groups: dict[tuple, dict[int, str]] = {}
    for a, href in _links(root):
        label = " ".join((a.text_content() or "").split())
        m = PAGER_LABEL.match(label) if len(label) <= 20 else None
        if not m:
            continue
        full = urljoin(base_url, href)
        u = urlsplit(full)
        for shape in PAGE_URL_SHAPES:
            sm = shape.match(u.path)
            if not sm:
                continue
            n = int(sm.group("n"))
            if (m.group("next") and n == 2) or (m.group("n") and int(m.group("n")) == n):
                key = (u.netloc, sm.group("stem").rstrip("/"), sm.groupdict().get("ext"), u.query)
                if 2 <= n <= MAX_PAGES:
                    groups.setdefault(key, {}).setdefault(n, full)
            break
    if base_url:
        # the pager must still name this article: the id in its stem is in the URL
        # (a desktop URL …/1220000.shtml for a mobile pager Content-1220000_2.html)
        runs = re.findall(r"\d{4,}", urlsplit(base_url).path.rstrip("/").rsplit("/", 1)[-1])
        ident = max(runs, key=len) if runs else None
        groups = {k: v for k, v in groups.items()
                  if ident and ident in re.findall(r"\d{4,}", k[1].rsplit("/", 1)[-1])}
    if not groups:
        return {}
    return max(groups.values(), key=len)


def page_links_in_tree(root, url: str) -> list[str]:
    """:func:`article_page_links` over an already parsed lxml tree."""
    base_url = _base_url(root, url)
    found = _by_own_url(root, base_url) if base_url else {}
    if not found:
        found = _by_pager_labels(root, base_url)
    if not found:
        return []
    shown = 0
    for el in root.xpath("//*[contains(text(),'页') or contains(text(),'/')][string-length(normalize-space(.)) < 16]"):
        m = PAGE_COUNT_TEXT.search(el.text or "")
        if m:
            shown = max(shown, int(m.group("n") or m.group("n2")))
    last = min(max(max(found), shown), MAX_PAGES)
    n0 = min(found)
    return [found.get(n) or _with_number(found[n0], n0, n) for n in range(2, last + 1)]


def article_page_links(html: bytes | str, url: str) -> list[str]:
    """The URLs of pages 2..N of the multi-page article ``html`` (page 1, at ``url``),
    in order, at most ``MAX_PAGES - 1``; ``[]`` for a single-page article. Never raises
    on bad input (returns ``[]``)."""
    from . import body

    try:
        if isinstance(html, (bytes, bytearray, memoryview)):
            from .encoding import decode_html

            text, _enc = decode_html(bytes(html), None)
        else:
            text = html
        root = body.parse(text)
    except Exception:  # noqa: BLE001 - a pager is optional; extraction reports real errors
        return []
    if root is None:
        return []
    return page_links_in_tree(root, url)


def join_pages(bodies: list[str]) -> str:
    """One article body from the bodies of its pages, in order: blank pages dropped, and
    a page's first lines that repeat the end of the previous page (a recap, the pager's
    own lead) not repeated."""
    out: list[str] = []
    for b in bodies:
        lines = [ln for ln in (b or "").split("\n") if ln.strip()]
        seen = set(out[-20:])
        while lines and lines[0] in seen:
            lines.pop(0)
        out.extend(lines)
    return "\n".join(out)
