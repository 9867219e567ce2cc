"""Builds the bundled copy of a Z-Blog style industry-news site that the offline demo
crawls (`scrapy demo`), under data/sites/taiyuan-industry.example/.

Run from the project root with ../shared present (developers only; the built site is
committed so a fresh clone needs nothing else):

    python data/build_demo_site.py

Article texts: the seed page of ../shared/samples (its article and its real footer
boilerplate), and article bodies from the magic-html benchmark pages in
../shared/data/zh-news-extraction (Apache-2.0). Three stories are also re-published
with syndication edits (转载 prefix, a reporter byline, a dropped paragraph), so the
demo shows deduplication at work.
"""

from __future__ import annotations

import html
import json
import random
import re
import shutil
from datetime import date, timedelta
from pathlib import Path

from lxml import html as lxml_html

ROOT = Path(__file__).resolve().parent
SHARED = ROOT.parent.parent / "shared"
HOST = "taiyuan-industry.example"
SITE = ROOT / "sites" / HOST
PER_PAGE = 8
NEWS_HOSTS = ("people.com.cn", "news.cn", "china.com.cn", "gmw.cn", "southcn.com", "youth.cn", "sina.com", "163.com", "ifeng.com", "caijing.com.cn", "021east.com")

FOOTER = [line for line in """\
本站所刊登的新华社及新华网各种新闻﹑信息和各种专题专栏资料,均为新华网版权所有,未经协议授权禁止下载使用。
新华社上海分社职业道德监督电话 新闻热线
葛毅明微信号
产业招商/厂房土地租售:400 0123 021
或微信/手机:13391219793
请说明您的需求、用途、税收、公司、联系人、手机号,以便快速帮您对接资源。
长按/扫一扫加葛毅明的微信号
版权声明:本文由网络蜘蛛自动收集于网络,如需转载请查明并注明出处,如有不妥之处请联系我们删除 400-0123-021 或 13391219793""".splitlines()]

CHANNELS = {"category-1": "太原产业信息", "category-2": "产业园区动态"}


def seed_article() -> dict:
    text = (SHARED / "samples" / "taiyuan-industry-article.txt").read_text(encoding="utf-8")
    lines = [l.strip() for l in text.splitlines()]
    start = lines.index("2023临港集团创新发展大会举办")
    body = []
    for line in lines[start + 3:]:
        if line.startswith("本站所刊登"):
            break
        if line:
            body.append(line)
    return {"title": lines[start], "paragraphs": body, "date": date(2024, 9, 28)}


def benchmark_articles() -> list[dict]:
    out = []
    pages = SHARED / "data" / "zh-news-extraction" / "pages"
    for line in (SHARED / "data" / "zh-news-extraction" / "truth.jsonl").read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        if not any(h in rec["url"] for h in NEWS_HOSTS) or not 300 <= len(rec["body"]) <= 4000:
            continue
        paragraphs = [p.strip() for p in rec["body"].split("\n") if len(p.strip()) > 1]
        if len(paragraphs) < 3:
            continue
        raw = (pages / f"{rec['id']}.html").read_bytes()
        try:  # several pages declare gb2312 but are UTF-8: decode before lxml guesses
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("gb18030", errors="replace")
        tree = lxml_html.fromstring(text)
        title = re.split(r"\s*[-_|—]+\s*", (tree.findtext(".//title") or "").strip())[0]
        if title:
            out.append({"title": title, "paragraphs": paragraphs})
    return out


def syndicated(article: dict, rng: random.Random) -> dict:
    paragraphs = list(article["paragraphs"])
    del paragraphs[rng.randrange(1, len(paragraphs))]
    paragraphs[0] = "（记者 王晓东）" + paragraphs[0]
    return {**article, "title": "转载：" + article["title"], "paragraphs": paragraphs,
            "date": article["date"] + timedelta(days=1)}


PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{title} - 太原产业信息网</title>
<meta name="keywords" content="产业园区,招商引资,太原"></head>
<body><div id="header"><a href="/">太原产业信息网</a>
<ul class="nav"><li><a href="/">首页</a></li>{nav}</ul></div>
<div id="main">{content}</div>
<div id="sidebar"><h3>热门标签</h3><a href="/tags-1.html">科创</a> <a href="/tags-2.html">园区</a></div>
<div id="footer">Copyright 太原产业信息网 Powered By Z-BlogPHP 晋ICP备00000000号</div>
</body></html>
"""


def nav() -> str:
    return "".join(f'<li><a href="/{slug}.html">{name}</a></li>' for slug, name in CHANNELS.items())


def article_page(a: dict, related: list[dict], crawl_day: date) -> str:
    years = max(0, (crawl_day - a["date"]).days // 365)
    ago = f"{years}年前" if years else f"{(crawl_day - a['date']).days // 30 or 1}个月前"
    body = "\n".join(f"<p>&nbsp;&nbsp;{html.escape(p)}</p>" for p in a["paragraphs"])
    footer = "\n".join(f"<p>{html.escape(line)}</p>" for line in FOOTER[:2])
    ad = "<br>\n".join(html.escape(line) for line in FOOTER[2:7])
    rel = "\n".join(
        f'<li><a href="/post/{r["id"]}.html">{html.escape(r["title"])}</a>'
        f'<p>{html.escape(r["paragraphs"][0][:120])}...</p></li>' for r in related
    )
    content = f"""<div class="place">当前位置:<a href="/">首页</a> &gt; <a href="/{a['channel']}.html">{CHANNELS[a['channel']]}</a> &gt; 正文内容</div>
<div class="post"><h1 class="post-title">{html.escape(a['title'])}</h1>
<div class="post-meta"><span class="author">admin</span><span class="date">{ago} ({a['date'].isoformat()})</span><a href="/{a['channel']}.html">{CHANNELS[a['channel']]}</a><span class="views">{67 + a['id']}</span></div>
<div class="entry">
{body}
{footer}
<p><img src="/zb_users/upload/wx.jpg" alt="微信"><br>{ad}</p>
<p>{html.escape(FOOTER[7])}</p>
</div>
<div class="share">分享给朋友:<a href="#">微信</a> <a href="#">微博</a> <a href="#">QQ</a></div>
<div class="prev-next"><a href="/post/{max(1, a['id'] - 1)}.html">上一篇</a> <a href="/post/{a['id'] + 1}.html">下一篇</a></div>
<div class="related"><h3>相关文章</h3><ul>{rel}</ul></div></div>"""
    return PAGE.format(title=html.escape(a["title"]), nav=nav(), content=content)


def list_page(channel: str, items: list[dict], page: int, pages: int) -> str:
    posts = "\n".join(
        f'<div class="post-item"><h2><a href="/post/{a["id"]}.html">{html.escape(a["title"])}</a></h2>'
        f'<p>{html.escape(a["paragraphs"][0][:80])}...</p><span>{a["date"].isoformat()}</span></div>' for a in items
    )
    links = []
    if page > 1:
        links.append(f'<a href="/{_list_name(channel, page - 1)}">上一页</a>')
    links += [f'<a href="/{_list_name(channel, n)}">{n}</a>' for n in range(1, pages + 1) if n != page]
    if page < pages:
        links.append(f'<a href="/{_list_name(channel, page + 1)}">下一页</a>')
    content = f'<div class="place">当前位置:<a href="/">首页</a> &gt; {CHANNELS[channel]}</div>\n{posts}\n<div class="pagebar">{" ".join(links)}</div>'
    return PAGE.format(title=CHANNELS[channel], nav=nav(), content=content)


def _list_name(channel: str, page: int) -> str:
    return f"{channel}.html" if page == 1 else f"{channel}_{page}.html"


def main() -> None:
    rng = random.Random(20241128)
    articles = [seed_article()] + benchmark_articles()
    day = date(2024, 10, 31)
    for a in articles[1:]:
        a["date"] = day
        day -= timedelta(days=rng.randrange(1, 9))
    articles += [syndicated(a, rng) for a in (articles[0], articles[3], articles[7])]
    for n, a in enumerate(articles, 1):
        a["id"] = n
        a["channel"] = "category-1" if n % 3 else "category-2"
    if SITE.exists():
        shutil.rmtree(SITE)
    (SITE / "post").mkdir(parents=True)
    crawl_day = date(2025, 10, 15)  # the day the copy was "taken": relative dates are as of then
    for a in articles:
        related = [r for r in articles if r is not a and r["channel"] == a["channel"]][:6]
        (SITE / "post" / f"{a['id']}.html").write_text(article_page(a, related, crawl_day), encoding="utf-8")
    for channel in CHANNELS:
        items = sorted((a for a in articles if a["channel"] == channel), key=lambda a: a["date"], reverse=True)
        pages = (len(items) + PER_PAGE - 1) // PER_PAGE
        for page in range(1, pages + 1):
            chunk = items[(page - 1) * PER_PAGE: page * PER_PAGE]
            (SITE / _list_name(channel, page)).write_text(list_page(channel, chunk, page, pages), encoding="utf-8")
    home = "\n".join(f'<h2><a href="/{slug}.html">{name}</a></h2>' for slug, name in CHANNELS.items())
    (SITE / "index.html").write_text(PAGE.format(title="首页", nav=nav(), content=home), encoding="utf-8")
    (SITE / "robots.txt").write_text("User-agent: *\nDisallow: /zb_system/\n", encoding="utf-8")
    (SITE / "SOURCES.md").write_text(
        "Generated by data/build_demo_site.py. Article 1 and the footer lines: the seed page in "
        "shared/samples. Other article texts: magic-html benchmark (Apache-2.0) pages "
        "(see shared/data/zh-news-extraction). Articles "
        f"{len(articles) - 2}-{len(articles)} are syndicated copies of articles 1, 4 and 8.\n",
        encoding="utf-8",
    )
    print(f"wrote {len(articles)} articles to {SITE}")


if __name__ == "__main__":
    main()
