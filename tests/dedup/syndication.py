"""A syndication fixture built from real Chinese news (cnews-dev.tsv).

``build_fixture()`` returns articles spread over several fixture "sites": ~40 stories are
each published on 2-4 sites with the edits that syndication makes (``转载：`` title
prefix, an added ``（记者 …）`` byline, a dropped paragraph, half-width vs full-width
punctuation, each site's own boilerplate footer), next to unique articles of the same
topic label. ``write_sites()`` writes the same articles as static HTML sites (paginated
list pages and article pages, one template, encoding and footer per site), so the
quality test can later be run through the real spiders. Everything is seeded.

Ground truth: two articles are copies when they carry the same ``story_id``. The
dataset itself contains a few real near-duplicates (``KNOWN_NEAR_DUPLICATES``, checked
by ``test_quality``); ``true_pairs()`` counts those as copies too.
"""

from __future__ import annotations

import html
import itertools
import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CNEWS = REPO.parent / "shared" / "data" / "cnews-dev.tsv"

# Pairs of 0-based line numbers of cnews-dev.tsv whose texts are near-duplicates of each
# other already (true 5-shingle Jaccard >= 0.5); test_quality verifies this list.
KNOWN_NEAR_DUPLICATES: tuple[tuple[int, int], ...] = ((53, 54), (347, 473))

SHANGHAI = timezone(timedelta(hours=8))


def load_cnews(path: Path | str | None = None, required: bool = True) -> list[tuple[str, str]] | None:
    """[(label, text)] from cnews-dev.tsv; when absent: pytest.skip (required) or None."""
    p = Path(path) if path else CNEWS
    if not p.exists():
        if not required:
            return None
        import pytest

        pytest.skip(f"syndication fixture data not found: {p} (expected <repo>/../shared/data/cnews-dev.tsv)")
    rows = []
    with open(p, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line:
                label, text = line.split("\t", 1)
                rows.append((label, text.strip()))
    return rows


_SENT_END = re.compile(r"(?<=[。！？!?；])(?![”’」』）)])|(?<=[。！？!?][”’」』])")


def split_title(text: str, max_len: int = 22) -> tuple[str, str]:
    """cnews lines are title and body run together: take a title-sized head (up to the
    first full stop, at most ``max_len`` characters) as the title, the rest as the body."""
    m = re.search(r"[。！？!?]", text[:max_len])
    cut = m.end() if m else max_len
    return text[:cut].strip(), text[cut:].strip()


def paragraphs(body: str, min_len: int = 80, max_len: int = 260) -> list[str]:
    """Group the sentences of a run-together body into paragraphs of min_len..max_len chars."""
    sents = [s.strip() for s in _SENT_END.split(body) if s and s.strip()]
    paras, cur = [], ""
    for s in sents:
        if cur and len(cur) + len(s) > max_len:
            paras.append(cur)
            cur = ""
        cur += s
        if len(cur) >= min_len and len(cur) + 40 > max_len:
            paras.append(cur)
            cur = ""
    if cur:
        if paras and len(cur) < min_len // 2:
            paras[-1] += cur
        else:
            paras.append(cur)
    return paras or [body]


_TO_HALF = str.maketrans({"，": ",", "。": ".", "：": ":", "；": ";", "！": "!", "？": "?", "（": "(", "）": ")", "“": '"', "”": '"'})
_TO_FULL = str.maketrans({",": "，", ":": "：", ";": "；", "!": "！", "?": "？", "(": "（", ")": "）"})
REPORTERS = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨帆", "赵磊", "黄敏", "周杰", "吴昊"]


def syndicate_body(paras: list[str], rng: random.Random, *, drop: bool | None = None, byline: bool | None = None,
                   punct: bool | None = None) -> str:
    """A syndicated copy of a body: the edits, each applied at random unless forced."""
    paras = list(paras)
    if (drop if drop is not None else rng.random() < 0.4) and len(paras) >= 3:
        del paras[rng.randrange(1, len(paras))]  # never the lead paragraph
    if byline if byline is not None else rng.random() < 0.5:
        who = rng.sample(REPORTERS, 2)
        paras[0] = rng.choice([f"（记者 {who[0]}）", f"本报讯（记者 {who[0]} 通讯员 {who[1]}）", f"记者 {who[0]} 报道 "]) + paras[0]
    if punct if punct is not None else rng.random() < 0.5:
        paras = [p.translate(_TO_HALF) if rng.random() < 0.5 else p.translate(_TO_FULL) for p in paras]
    return "\n".join(paras)


@dataclass(frozen=True)
class Site:
    name: str
    host: str
    template: str
    encoding: str
    body_footer: str  # boilerplate lines that end up in the extracted body
    page_footer: str  # site chrome, outside the article text
    url_pattern: str  # str.format(n=, d=datetime)
    indent: str = ""


SITES: tuple[Site, ...] = (
    Site("xinhuanet", "news.site1.test", "portal", "utf-8",
         "【纠错】 责任编辑：{editor}", "版权所有 新华网 未经授权禁止转载", "/{d:%Y-%m/%d}/c_{n}.htm"),
    Site("dongfang", "www.site2.test", "cms_table", "gbk",
         "（来源：东方财经网 编辑：{editor}）\n免责声明：本文仅代表作者观点，不代表本网立场。", "东方财经网 ICP备12345678号 联系我们", "/news/{d:%Y%m}/t{d:%Y%m%d}_{n}.html", "　　"),
    Site("hangzhou", "hz.site3.test", "article_tag", "utf-8",
         "本文来源：杭州日报 转载请注明出处", "杭州网 © 2024 hz.site3.test 浙ICP备0000号", "/a/{d:%Y-%m-%d}/{n}.shtml"),
    Site("ifeng", "finance.site4.test", "portal", "utf-8",
         "[责任编辑：{editor} PN{n:05d}]", "凤凰网版权所有 举报邮箱", "/c/{n}"),
    Site("sohu", "www.site5.test", "div_br", "utf-8",
         "返回搜狐，查看更多\n声明：该文观点仅代表作者本人，搜狐号系信息发布平台。", "搜狐 违法和不良信息举报", "/a/{n}_{d:%H%M}"),
    Site("gov", "www.site6.test", "cms_table", "utf-8",
         "信息来源：市经信局\n【打印本页】【关闭窗口】", "主办单位：市人民政府办公室 政府网站标识码", "/art/{d:%Y/%m/%d}/art_{n}.html", "　　"),
)


@dataclass(frozen=True)
class FixtureArticle:
    site: str
    url: str
    title: str
    body: str  # the main text as an extractor should return it (site body footer included)
    published_at: datetime  # aware, Asia/Shanghai
    story_id: int  # cnews line number of the original text
    label: str
    origin: str | None = None  # 来源：, the outlet the text came from
    is_origin_copy: bool = False  # the story's first (original) publication


def build_fixture(seed: int = 20240501, n_stories: int = 40, path: Path | str | None = None,
                  min_story_chars: int = 200, data: list[tuple[str, str]] | None = None) -> list[FixtureArticle]:
    """The fixture: every cnews article appears once on one site; ``n_stories`` of them
    (texts of at least ``min_story_chars`` characters) are syndicated to 1-3 more sites
    with random edits. Sites get articles of the topic labels they cover."""
    rows = data if data is not None else load_cnews(path)
    rng = random.Random(seed)
    eligible = [i for i, (_, t) in enumerate(rows) if len(t) >= min_story_chars]
    known = {i for pair in KNOWN_NEAR_DUPLICATES for i in pair}
    stories = set(rng.sample([i for i in eligible if i not in known], n_stories))
    labels = sorted({lab for lab, _ in rows})
    # each topic label is covered by 3-5 of the sites, so copies sit next to articles of
    # the same topic and a story can be syndicated to up to 4 sites
    sites_for = {lab: rng.sample(SITES, rng.randint(3, 5)) for lab in labels}
    base = datetime(2024, 5, 1, 8, 0, tzinfo=SHANGHAI)
    counters = itertools.count(10001)
    out: list[FixtureArticle] = []

    def make(site: Site, story: int, label: str, title: str, body_paras_text: str, when: datetime,
             origin: str | None, is_origin: bool) -> FixtureArticle:
        n = next(counters)
        editor = rng.choice(REPORTERS)
        footer = site.body_footer.format(editor=editor, n=n)
        body = body_paras_text + "\n" + footer
        if site.indent:
            body = "\n".join(site.indent + line for line in body.split("\n"))
        url = f"http://{site.host}{site.url_pattern.format(n=n, d=when)}"
        return FixtureArticle(site.name, url, title, body, when, story, label, origin, is_origin)

    for i, (label, text) in enumerate(rows):
        title, body = split_title(text)
        paras = paragraphs(body)
        cands = sites_for[label]
        when = base + timedelta(minutes=rng.randrange(0, 60 * 24 * 20))
        if i not in stories:
            out.append(make(rng.choice(cands), i, label, title, "\n".join(paras), when, None, True))
            continue
        k = rng.randint(2, min(4, len(cands)))
        chosen = rng.sample(cands, k)
        origin_site = chosen[0]
        out.append(make(origin_site, i, label, title, "\n".join(paras), when, None, True))
        for s in chosen[1:]:
            t = ("转载：" + title) if rng.random() < 0.4 else title
            later = when + timedelta(minutes=rng.randrange(5, 60 * 48))
            out.append(make(s, i, label, t, syndicate_body(paras, rng), later, origin_site.name, False))
    rng.shuffle(out)  # crawl order is not publication order
    return out


def story_groups(articles: list[FixtureArticle]) -> dict[int, int]:
    """story_id -> group id, merging the stories that KNOWN_NEAR_DUPLICATES link."""
    parent = {a.story_id: a.story_id for a in articles}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in KNOWN_NEAR_DUPLICATES:
        if a in parent and b in parent:
            parent[find(a)] = find(b)
    return {s: find(s) for s in parent}


def true_pairs(articles: list[FixtureArticle], keys: list) -> set[frozenset]:
    """Pairs of ``keys`` (parallel to ``articles``) that are copies of the same original."""
    groups = story_groups(articles)
    by: dict[int, list] = {}
    for a, k in zip(articles, keys):
        by.setdefault(groups[a.story_id], []).append(k)
    return {frozenset(p) for ks in by.values() for p in itertools.combinations(ks, 2)}


# ---- static HTML sites -------------------------------------------------------------------

_TEMPLATES = {
    "portal": """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="{charset}"><title>{title_e}_{site_title}</title>
<meta name="publishdate" content="{date_iso}">
<link rel="canonical" href="{url}"></head>
<body><div class="topnav"><a href="{home}">首页</a> | <a href="{home}">财经</a> | <a href="{home}">科技</a></div>
<div class="main"><h1 class="main-title">{title_e}</h1>
<div class="info"><span class="time">{date_cn}</span> <span class="source">来源：{origin_e}</span></div>
<div id="detail" class="article-content">
{paras_p}
</div>
<div class="related"><h3>相关新闻</h3><ul>{related}</ul></div></div>
<div class="footer">{page_footer}</div></body></html>
""",
    "cms_table": """<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>{title_e}</title></head>
<body><table width="960" align="center"><tr><td class="nav"><a href="{home}">网站首页</a> &gt; 新闻中心</td></tr>
<tr><td align="center" class="biaoti">{title_e}</td></tr>
<tr><td align="center" class="laiyuan">发布时间：{date_plain}&nbsp;&nbsp;信息来源：{origin_e}&nbsp;&nbsp;浏览次数：{views}</td></tr>
<tr><td class="bt_content"><div id="zoom">
{paras_p}
</div></td></tr>
<tr><td class="share">分享到：微信 微博 QQ空间</td></tr></table>
<div id="footer">{page_footer}</div></body></html>
""",
    "article_tag": """<!doctype html>
<html><head><meta charset="{charset}"><title>{title_e} - {site_title}</title>
<script type="application/ld+json">{{"@type":"NewsArticle","headline":"{title_j}","datePublished":"{date_iso}"}}</script></head>
<body><header><nav><a href="{home}">{site_title}</a></nav></header>
<main><article><header><h1>{title_e}</h1><p class="meta"><time datetime="{date_iso}">{date_cn}</time> · {origin_e}</p></header>
<section class="article-body">
{paras_p}
</section></article>
<aside><h2>热门文章</h2><ol>{related}</ol></aside></main>
<footer><p>{page_footer}</p></footer></body></html>
""",
    "div_br": """<html><head><meta charset="{charset}"><title>{title_e}</title>
<meta property="article:published_time" content="{date_iso}"></head>
<body><div id="header"><a href="{home}">{site_title}</a></div>
<div class="text-title"><h1>{title_e}</h1><div class="article-info"><span>{date_plain}</span><span>{origin_e}</span></div></div>
<div class="article" id="mp-editor">{paras_br}</div>
<div class="statement">{page_footer}</div></body></html>
""",
}

_LIST = """<html><head><meta charset="{charset}"><title>{site_title} - 新闻列表 第{page}页</title></head>
<body><h1>{site_title}</h1><ul class="news-list">
{items}
</ul>
<div class="pages">{prev} <span>第{page}/{pages}页</span> {next}</div>
<div class="footer">{page_footer}</div></body></html>
"""


def _rel(from_path: str, to_path: str) -> str:
    import posixpath

    return posixpath.relpath(to_path, posixpath.dirname(from_path) or "/")


def _page_path(url: str) -> str:
    from urllib.parse import urlsplit

    path = urlsplit(url).path
    return path if re.search(r"\.(s?html?|htm)$", path) else path + ".html"


def write_sites(articles: list[FixtureArticle], directory: Path | str, per_page: int = 10) -> dict[str, Path]:
    """Write each fixture site as static HTML under ``directory/<host>/``: list pages
    ``index.html``, ``index_2.html`` … (newest first, 下一页/上一页 links) and article pages
    at their URL paths (a path without an extension gets ``.html``). Links are relative,
    so a site can be served from any base URL. Returns {site name: site directory}."""
    directory = Path(directory)
    by_site: dict[str, list[FixtureArticle]] = {}
    for a in articles:
        by_site.setdefault(a.site, []).append(a)
    out = {}
    for site in SITES:
        arts = sorted(by_site.get(site.name, []), key=lambda a: a.published_at, reverse=True)
        root = directory / site.host
        root.mkdir(parents=True, exist_ok=True)
        out[site.name] = root
        charset = site.encoding

        def write(rel_path: str, text: str) -> None:
            p = root / rel_path.lstrip("/")
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(text.encode(charset, errors="xmlcharrefreplace"))

        for i, a in enumerate(arts):
            path = _page_path(a.url)
            lines = a.body.split("\n")
            related = "".join(f'<li><a href="{_rel(path, _page_path(o.url))}">{html.escape(o.title)}</a></li>'
                              for o in arts[max(0, i - 3):i])
            write(path, _TEMPLATES[site.template].format(
                charset=charset, title_e=html.escape(a.title), title_j=a.title.replace('"', '\\"'),
                site_title=site.name, url=html.escape(a.url), home=_rel(path, "/index.html"),
                date_iso=a.published_at.isoformat(), date_cn=a.published_at.strftime("%Y年%m月%d日 %H:%M"),
                date_plain=a.published_at.strftime("%Y-%m-%d %H:%M:%S"), origin_e=html.escape(a.origin or site.name),
                paras_p="\n".join(f"<p>{html.escape(line)}</p>" for line in lines),
                paras_br="<br>\n".join(html.escape(line) for line in lines),
                related=related, page_footer=html.escape(site.page_footer), views=100 + i * 7,
            ))
        pages = max(1, -(-len(arts) // per_page))
        for page in range(1, pages + 1):
            name = "/index.html" if page == 1 else f"/index_{page}.html"
            chunk = arts[(page - 1) * per_page: page * per_page]
            items = "\n".join(
                f'<li><a href="{_rel(name, _page_path(a.url))}">{html.escape(a.title)}</a> <span>{a.published_at:%Y-%m-%d}</span></li>'
                for a in chunk)
            prev = "" if page == 1 else f'<a href="{"index.html" if page == 2 else f"index_{page - 1}.html"}">上一页</a>'
            nxt = "" if page == pages else f'<a href="index_{page + 1}.html">下一页</a>'
            write(name, _LIST.format(charset=charset, site_title=site.name, page=page, pages=pages, items=items,
                                     prev=prev, next=nxt, page_footer=html.escape(site.page_footer)))
    return out
