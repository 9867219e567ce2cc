"""A generated news site of any size, in the shape of the shipped source (太原产业信息网:
channel list pages with 下一页 pagination, article pages with h1.post-title and
div.entry), with exact syndicated copies among its articles. The fault-injection tests
crawl it from a local server with the `site` spider and with the source spider.

Article bodies are made of sentences of the bundled demo site's articles, picked at
random per article, with a numbered lead sentence that makes each story unique.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from tests.conftest import ROOT

DEMO_POSTS = ROOT / "data/sites/taiyuan-industry.example/post"
FIRST_ID = 1000
PLACES = ["太原市小店区", "晋中市榆次区", "大同市平城区", "长治市潞州区", "临汾市尧都区", "运城市盐湖区"]
TOPICS = ["新能源汽车", "光伏组件", "数字经济", "现代煤化工", "生物医药", "高端装备", "氢能产业", "特种钢材"]


@dataclass
class Site:
    root: Path
    articles: list[str] = field(default_factory=list)  # paths, newest first
    copies: dict[str, str] = field(default_factory=dict)  # copy path -> original path
    list_pages: int = 0

    @property
    def channel(self) -> str:
        return "/category-1.html"


def _sentences() -> list[str]:
    out = []
    for page in sorted(DEMO_POSTS.glob("*.html")):
        html = page.read_text(encoding="utf-8")
        m = re.search(r'<div class="entry">(.*?)</div>', html, re.S)
        if not m:
            continue
        text = re.sub(r"<[^>]+>|&nbsp;", "", m.group(1))
        out += [s.strip() + "。" for s in text.split("。") if 25 <= len(s.strip()) <= 160
                and not any(w in s for w in ("版权", "微信", "电话", "热线", "400"))]
    return out


def build(root: Path, n: int, *, per_page: int = 20, copy_every: int = 25, seed: int = 7) -> Site:
    """Write ``n`` articles (every ``copy_every``-th an exact copy of an older one under
    another URL) and their list pages under ``root``."""
    rng = random.Random(seed)
    sentences = _sentences()
    site = Site(root)
    (root / "post").mkdir(parents=True, exist_ok=True)
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /admin/\n", encoding="utf-8")
    bodies: dict[str, tuple[str, list[str]]] = {}
    day = date(2024, 10, 31)
    # oldest first, so a copy always comes after its original
    paths = [f"/post/{FIRST_ID + i}.html" for i in range(n)]
    for i, path in enumerate(paths):
        if i and i % copy_every == 0:
            original = paths[rng.randrange(0, i)]
            while original in site.copies:
                original = paths[rng.randrange(0, i)]
            title, paragraphs = bodies[original]
            site.copies[path] = original
            title = "转载：" + title
        else:
            topic, place = rng.choice(TOPICS), rng.choice(PLACES)
            title = f"{place}{topic}项目第{i + 1}号进展通报"
            lead = f"记者从{place}获悉，{topic}第{i + 1}号重点项目近日取得新进展，累计完成投资{rng.randint(3, 90)}亿元。"
            paragraphs = [lead] + rng.sample(sentences, 6)
        bodies[path] = (title, paragraphs)
    dates = {path: day - timedelta(days=(n - i) // 5) for i, path in enumerate(paths)}
    for path in paths:
        title, paragraphs = bodies[path]
        (root / path.lstrip("/")).write_text(_article(title, paragraphs, dates[path]), encoding="utf-8")
    site.articles = list(reversed(paths))  # list pages show the newest first
    pages = [site.articles[i:i + per_page] for i in range(0, n, per_page)]
    site.list_pages = len(pages)
    for number, chunk in enumerate(pages, 1):
        name = "category-1.html" if number == 1 else f"category-1_{number}.html"
        nxt = f"/category-1_{number + 1}.html" if number < len(pages) else None
        items = [(p, bodies[p][0], dates[p]) for p in chunk]
        (root / name).write_text(_list_page(items, nxt), encoding="utf-8")
    (root / "index.html").write_text(
        _page("太原产业信息网", '<div class="place">当前位置:首页</div><p>欢迎访问</p>'), encoding="utf-8")
    return site


def _page(title: str, main: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{title} - 太原产业信息网</title></head>\n"
        '<body><div id="header"><a href="/">太原产业信息网</a>\n'
        '<ul class="nav"><li><a href="/">首页</a></li><li><a href="/category-1.html">太原产业信息</a></li></ul></div>\n'
        f'<div id="main">{main}</div>\n'
        '<div id="footer">Copyright 太原产业信息网 Powered By Z-BlogPHP 晋ICP备00000000号</div>\n</body></html>\n'
    )


def _list_page(items, next_path: str | None) -> str:
    rows = "".join(
        f'<div class="post-item"><h2><a href="{p}">{t}</a></h2><span>{d.isoformat()}</span></div>\n' for p, t, d in items)
    bar = f'<div class="pagebar"><a href="{next_path}">下一页</a></div>' if next_path else ""
    return _page("太原产业信息", f'<div class="place">当前位置:<a href="/">首页</a> &gt; 太原产业信息</div>\n{rows}{bar}')


def _article(title: str, paragraphs: list[str], day: date) -> str:
    body = "".join(f"<p>{p}</p>\n" for p in paragraphs)
    return _page(title, (
        '<div class="place">当前位置:<a href="/">首页</a> &gt; <a href="/category-1.html">太原产业信息</a> &gt; 正文内容</div>\n'
        f'<div class="post"><h1 class="post-title">{title}</h1>\n'
        f'<div class="post-meta"><span class="author">admin</span><span class="date">{day.isoformat()}</span></div>\n'
        f'<div class="entry">\n{body}<p>版权声明:本文由网络蜘蛛自动收集于网络,如需转载请查明并注明出处</p>\n</div>\n'
        '<div class="share">分享给朋友:<a href="#">微信</a> <a href="#">微博</a></div></div>'
    ))
