"""A local news site of N realistic article pages for the throughput benchmark.

Texts: sentences of ../shared/data/cnews-dev.tsv (THUCNews sample), recombined within
a topic label so every article is distinct but reads like news of its topic. Three
page templates (a Z-Blog aggregator, a government portal, a news portal), each with its
own boilerplate footer; list pages of 20 links with 下一页 pagination.
"""

from __future__ import annotations

import html
import random
import re
from collections import defaultdict
from pathlib import Path

PER_LIST_PAGE = 20
SENTENCE = re.compile(r"[^。！？]*[。！？]")

TEMPLATES = {
    "zblog": """<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title} - 产业信息网</title></head><body>
<div id="header"><a href="/">产业信息网</a><ul class="nav"><li><a href="/list_1.html">产业动态</a></li></ul></div>
<div class="place">当前位置:<a href="/">首页</a> &gt; <a href="/list_1.html">{label}</a> &gt; 正文内容</div>
<div class="post"><h1 class="post-title">{title}</h1>
<div class="post-meta">admin {ago} ({date}) {label} {views}</div>
<div class="entry">{paras}
<p>本站所刊登的各种新闻﹑信息和各种专题专栏资料,均为本网版权所有,未经协议授权禁止下载使用。</p>
<p>产业招商/厂房土地租售:400 0123 021<br>或微信/手机:13391219793<br>长按/扫一扫加微信号</p>
<p>版权声明:本文由网络蜘蛛自动收集于网络,如需转载请查明并注明出处,如有不妥之处请联系我们删除</p></div>
<div class="share">分享给朋友:<a href="#">微信</a> <a href="#">微博</a></div>
<div class="related"><h3>相关文章</h3><ul>{related}</ul></div></div>
<div id="footer">Copyright 产业信息网 晋ICP备00000000号</div></body></html>""",
    "gov": """<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}_{label}_某某市人民政府</title>
<meta name="PubDate" content="{date} 09:30"><meta name="ContentSource" content="某某日报"></head><body>
<div class="top">某某市人民政府 | 政务公开 | 办事服务 | 互动交流</div>
<div class="position">您的位置：<a href="/">首页</a> &gt; <a href="/list_1.html">{label}</a></div>
<div class="article"><h1>{title}</h1><div class="info">发布时间：{date} 09:30 来源：某某日报 字号：[大 中 小]</div>
<div class="TRS_Editor">{paras}</div>
<div class="bottom">【打印本页】 【关闭窗口】</div></div>
<div class="links"><h4>相关新闻</h4><ul>{related}</ul></div>
<div class="foot">主办：某某市人民政府办公室 网站标识码：1401000001 晋ICP备00000001号 晋公网安备 14010502000001号</div>
</body></html>""",
    "portal": """<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}|新闻中心</title>
<meta property="article:published_time" content="{date}T08:00:00+08:00"><meta name="author" content="记者 张明"></head><body>
<nav><a href="/">首页</a> <a href="/list_1.html">{label}</a> <a href="#">视频</a> <a href="#">图片</a></nav>
<article><h1>{title}</h1><p class="meta">{date} 08:00 来源：新华社 作者：记者 张明</p>
<div class="article-content">{paras}<p>（责任编辑：李华）</p></div></article>
<div class="share">分享到：微信 微博 QQ空间</div>
<div class="prev-next"><a href="#">上一篇</a> <a href="#">下一篇</a></div>
<aside><h3>相关阅读</h3><ul>{related}</ul></aside>
<footer>免责声明：本网转载作品均注明出处，如有侵权请联系删除。 联系邮箱：news@example.cn</footer></body></html>""",
}
LIST_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>产业动态 第{page}页</title></head><body>
<div class="nav"><a href="/">首页</a></div><ul class="news-list">{items}</ul><div class="pages">{pager}</div></body></html>"""


def load_sentences(tsv: Path) -> dict[str, list[str]]:
    by_label: dict[str, list[str]] = defaultdict(list)
    for line in tsv.read_text(encoding="utf-8").splitlines():
        label, _, text = line.partition("\t")
        by_label[label].extend(s.strip() for s in SENTENCE.findall(text) if 15 <= len(s.strip()) <= 200)
    return by_label


def generate_site(root: Path, n: int, tsv: Path, seed: int = 7) -> None:
    rng = random.Random(seed)
    sentences = load_sentences(tsv)
    labels = sorted(sentences)
    (root / "post").mkdir(parents=True, exist_ok=True)
    titles = []
    for i in range(1, n + 1):
        label = labels[i % len(labels)]
        pool = sentences[label]
        paras = ["".join(rng.sample(pool, 3)) for _ in range(rng.randint(3, 7))]
        title = paras[0][:24].rstrip("，。、") + f"（{i}）"
        titles.append(title)
        month, day = 1 + i % 12, 1 + i % 28
        template = TEMPLATES[("zblog", "gov", "portal")[i % 3]]
        related = "".join(f'<li><a href="/post/{j}.html">相关报道{j}</a></li>' for j in rng.sample(range(1, n + 1), min(5, n)))
        page = template.format(
            title=html.escape(title), label=label, date=f"2024-{month:02d}-{day:02d}", ago="1年前", views=i % 997,
            paras="\n".join(f"<p>{html.escape(p)}</p>" for p in paras), related=related,
        )
        (root / "post" / f"{i}.html").write_text(page, encoding="utf-8")
    pages = (n + PER_LIST_PAGE - 1) // PER_LIST_PAGE
    for page in range(1, pages + 1):
        ids = range((page - 1) * PER_LIST_PAGE + 1, min(n, page * PER_LIST_PAGE) + 1)
        items = "".join(f'<li><a href="/post/{i}.html">{html.escape(titles[i - 1])}</a></li>' for i in ids)
        pager = f'<a href="/list_{page + 1}.html">下一页</a>' if page < pages else ""
        (root / f"list_{page}.html").write_text(LIST_PAGE.format(page=page, items=items, pager=pager), encoding="utf-8")
    (root / "index.html").write_text((root / "list_1.html").read_text(encoding="utf-8"), encoding="utf-8")


def list_pages(n: int) -> int:
    return (n + PER_LIST_PAGE - 1) // PER_LIST_PAGE
