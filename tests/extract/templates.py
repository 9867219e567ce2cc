"""Page templates of common Chinese CMS families, for wrapping known article text.

Each template has the article's title, a meta line, paragraphs, and the junk that
family puts around and inside the article container.
"""

from __future__ import annotations

import html as _html

NAV = "".join(f"<li><a href='/c{i}/'>{n}</a></li>" for i, n in enumerate(
    ["首页", "要闻", "政务公开", "经济", "产业", "招商引资", "民生", "视频", "专题"]))
SIDE = "".join(f"<li><a href='/n{i}.html'>太原市重点产业链推进会召开第{i}次会议</a></li>" for i in range(8))


def _p(paras, indent="\u3000\u3000"):
    return "".join(f"<p>{indent}{_html.escape(x)}</p>" for x in paras)


def zblog(title, paras):
    return f"""<html><head><meta charset="utf-8"><title>{title} - 产业信息 - 某某网</title></head><body>
<div class="header"><div class="logo"><a href="/">某某网</a></div><ul class="nav">{NAV}</ul></div>
<div class="main"><div class="content"><div class="sitemap">当前位置:<a href="/">首页</a> &gt; <a href="/c/">产业信息</a> &gt; 正文内容</div>
<div class="post"><h1>{title}</h1><div class="info"><span class="user">admin</span><span class="date">1年前 (2024-09-28)</span><span class="view">67</span></div>
<div class="single postcon">{_p(paras)}</div>
<div class="sharebox">分享给朋友:<a>QQ空间</a><a>微博</a></div>
<div class="prevnext"><span>上一篇：<a href="/1">上一条新闻标题</a></span><span>下一篇：<a href="/2">下一条新闻标题</a></span></div></div>
<div class="relate"><h2>相关文章</h2><ul class="relatelist">{SIDE}</ul></div></div>
<div class="sidebar"><h3>最新文章</h3><ul>{SIDE}</ul></div></div>
<div class="footer">Copyright © 2024 某某网 版权所有 晋ICP备2021001234号</div></body></html>"""


def dedecms(title, paras):
    return f"""<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"><title>{title}_某某新闻网</title></head><body>
<div class="top"><ul>{NAV}</ul></div><div class="position">您的位置：<a href="/">主页</a> &gt; <a href="/xw/">新闻中心</a> &gt;</div>
<div class="w960"><div class="viewbox"><div class="title"><h2>{title}</h2></div>
<div class="info"><small>时间:</small>2024-09-28 10:10<small>来源:</small>太原日报 <small>作者:</small>张三 <small>点击:</small><script>document.write('128')</script>次</div>
<div class="intro">{_html.escape(paras[0][:60])}</div>
<div class="content"><table width="100%"><tr><td><div id="contentMidPicAD" style="float:right; clear:both; top:0; vertical-align:top;"></div>{_p(paras)}</td></tr></table></div>
<div class="boxoff"><strong>------分隔线----------------------------</strong></div>
<div class="handle"><div class="context"><ul><li>上一篇：<a href="/1.html">上一篇标题</a></li><li>下一篇：没有了</li></ul></div>
<div class="actbox"><ul><li id="act-fav"><a href="#">收藏</a></li><li id="act-err"><a href="#">挑错</a></li><li id="act-pus"><a href="#">推荐</a></li><li id="act-pnt"><a href="#">打印</a></li></ul></div></div></div>
<div class="pright"><dl class="tbox"><dt><strong>热点内容</strong></dt><dd><ul class="c1 ico2">{SIDE}</ul></dd></dl></div></div>
<div class="footer w960">Copyright &copy; 2002-2024 DEDECMS. 织梦科技 版权所有 Power by DedeCms</div></body></html>"""


def trs_gov(title, paras):
    return f"""<html><head><meta charset="utf-8"><title>{title}_工作动态_山西省人民政府门户网站</title>
<meta name="ArticleTitle" content="{title}"><meta name="PubDate" content="2024-09-28 10:10"><meta name="ContentSource" content="山西日报"></head><body>
<div class="header"><div class="nav"><ul>{NAV}</ul></div></div>
<div class="main"><div class="location">当前位置：<a href="/">首页</a> &gt; <a href="/zw/">政务公开</a> &gt; <a href="/gzdt/">工作动态</a></div>
<div class="article"><div class="article-title">{title}</div>
<div class="article-info">发布时间：2024-09-28 10:10　来源：山西日报　【字体：<a>大</a> <a>中</a> <a>小</a>】</div>
<div id="zoom" class="article-con"><div class="TRS_Editor">{_p(paras)}</div></div>
<div class="article-tool"><a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a></div>
<div class="xgxx"><div class="xgxx-title">相关信息</div><ul>{SIDE}</ul></div></div></div>
<div class="footer"><p>主办：山西省人民政府办公厅　承办：山西省大数据中心</p><p>网站标识码：1400000000　晋ICP备05001234号　晋公网安备 14010502000001号</p></div></body></html>"""


def newscn(title, paras):
    return f"""<html><head><meta charset="utf-8"><title>{title}-新华网</title><meta name="publishdate" content="2024-09-28"></head><body>
<div class="nav"><ul>{NAV}</ul></div>
<div class="header"><div class="header-cont"><div class="header-time left"><span class="year"><em>2024</em></span><span class="day"><em>09/28</em></span><span class="time">10:10:00</span></div>
<div class="source">来源：新华网</div><div class="head-line"><h1><span class="title">{title}</span></h1></div></div></div>
<div class="main clearfix"><div class="main-left left"><div id="detail">{_p(paras, indent="")}
<p class="editor">【责任编辑:王頔】</p></div>
<div class="nextpage"><a href="/1">阅读下一篇：</a></div>
<div class="bookShare"><div class="fxd"><span>分享到：</span><a class="wx"></a><a class="wb"></a></div></div></div>
<div class="main-right right"><div class="columBox"><div class="col-tit">相关新闻</div><ul>{SIDE}</ul></div></div></div>
<div class="foot">Copyright © 2000-2024 XINHUANET.com All Rights Reserved.</div></body></html>"""


def phpcms(title, paras):
    return f"""<html><head><meta charset="utf-8"><title>{title} - 新闻中心 - 某某信息网</title></head><body>
<div class="header"><div class="nav">{NAV}</div></div>
<div class="main"><div class="crumbs"><a href="/">首页</a><span> &gt; </span><a href="/news/">新闻中心</a> &gt; 正文</div>
<div class="col-left"><div id="Article"><h1>{title}<br/><span>2024-09-28 10:10:00 &nbsp;&nbsp;来源：本站 &nbsp;&nbsp;评论：<font color="red">0</font> 点击：<span id="hits">55</span></span></h1>
<div class="content">{_p(paras)}</div>
<p style="margin-bottom:10px"><strong>相关热词搜索：</strong><a href="/tag/1">产业</a> <a href="/tag/2">招商</a></p>
<p class="f14"><strong>上一篇：</strong><a href="/1.html">上一篇标题</a><br/><strong>下一篇：</strong><a href="/2.html">下一篇标题</a></p></div>
<div class="Article-Tool">分享到：<a>QQ空间</a> <a>新浪微博</a><a href="javascript:window.print();">打印</a><a href="javascript:window.close();">关闭</a></div>
<div class="comment"><h5 class="title">网友评论</h5><p>还没有评论，快来抢沙发吧！</p></div></div>
<div class="col-auto"><div class="box"><h5 class="title-2">频道总排行</h5><ul class="content digg">{SIDE}</ul></div></div></div>
<div class="footer"><p>Powered by PHPCMS 版权所有 © 2024 某某信息网</p></div></body></html>"""


def table_gov(title, paras):
    text = "<br>".join("&nbsp;&nbsp;&nbsp;&nbsp;" + _html.escape(x) for x in paras)
    return f"""<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"><title>{title}</title></head><body>
<table width="1000" align="center"><tr><td><img src="/images/banner.jpg"></td></tr>
<tr><td class="nav">{" | ".join(f"<a href='/c{i}/'>栏目{i}</a>" for i in range(8))}</td></tr></table>
<table width="1000" align="center"><tr><td width="240" valign="top"><table><tr><td class="lm">政务公开</td></tr>
{"".join(f"<tr><td><a href='/l{i}.htm'>·链接栏目{i}</a></td></tr>" for i in range(10))}</table></td>
<td valign="top"><table width="100%"><tr><td class="wz">您现在的位置：<a href="/">首页</a> &gt;&gt; <a href="/gzdt/">工作动态</a></td></tr>
<tr><td align="center" class="bt"><strong>{title}</strong></td></tr>
<tr><td align="center">发布日期：2024年09月28日　　点击数：<span id="hits">321</span>　　【<a href="#">打印本页</a>】【<a href="#">关闭窗口</a>】</td></tr>
<tr><td id="zoom" class="nr">{text}</td></tr></table></td></tr></table>
<table width="1000" align="center"><tr><td class="bottom">版权所有：某某县人民政府　地址：某某县人民路1号　电话：0351-1234567<br>晋ICP备05001234号　网站标识码：1400000001</td></tr></table></body></html>"""


def wordpress(title, paras):
    return f"""<html><head><meta charset="utf-8"><title>{title} &#8211; 某某产业观察</title>
<meta property="article:published_time" content="2024-09-28T10:10:00+08:00"></head><body class="single">
<header id="masthead" class="site-header"><nav class="main-navigation"><ul>{NAV}</ul></nav></header>
<div id="content" class="site-content"><main id="main" class="site-main">
<article id="post-1" class="post type-post"><header class="entry-header"><h1 class="entry-title">{title}</h1>
<div class="entry-meta"><span class="posted-on">2024年9月28日</span><span class="byline">作者：<a>编辑部</a></span></div></header>
<div class="entry-content">{_p(paras, indent="")}
<div class="sharedaddy"><h3>分享此文：</h3><ul><li><a>微信</a></li><li><a>微博</a></li></ul></div>
<div class="jp-relatedposts"><h3>相关</h3><p><a>另一篇相关文章的标题</a></p></div></div>
<footer class="entry-footer"><span class="cat-links">分类：<a>产业</a></span><span class="tags-links">标签：<a>招商</a></span></footer></article>
<nav class="navigation post-navigation"><a href="/1">上一篇</a><a href="/2">下一篇</a></nav>
<div id="comments" class="comments-area"><h2>发表评论</h2><p>您的电子邮箱地址不会被公开。</p></div></main>
<aside id="secondary" class="widget-area"><section class="widget"><h2>近期文章</h2><ul>{SIDE}</ul></section></aside></div>
<footer id="colophon" class="site-footer">自豪地采用WordPress</footer></body></html>"""


def people(title, paras):
    return f"""<html><head><meta charset="utf-8"><title>{title}--经济·科技--人民网 </title>
<meta name="publishdate" content="2024-09-28"><meta name="source" content="来源：人民网－人民日报"></head><body>
<div class="header"><div class="nav">{NAV}</div></div>
<div class="main"><div class="path"><a href="/">人民网</a>&gt;&gt;<a href="/a">经济·科技</a></div>
<div class="layout rm_txt cf"><div class="col col-1 fl"><h1>{title}</h1>
<div class="col-1-1 fl">2024年09月28日08:23 | 来源：<a href="http://paper.people.com.cn/">人民网－人民日报</a></div>
<div class="col-1-1 fr"><span>分享到：</span><a class="wx"></a></div>
<div class="rm_txt_con cf">{_p(paras)}<p style="text-align:right">《 人民日报 》（ 2024年09月28日　 02 版）</p>
<div class="edit cf">(责编：胡永秋、杨光宇)</div></div>
<div class="rm_relevant"><h2>相关新闻</h2><ul>{SIDE}</ul></div></div>
<div class="col col-2 fr"><div class="ph_list"><h2>热点推荐</h2><ul>{SIDE}</ul></div></div></div></div>
<div class="foot"><p>人 民 网 股 份 有 限 公 司 版 权 所 有 ，未 经 书 面 授 权 禁 止 使 用</p><p>Copyright © 1997-2024 by www.people.com.cn. all rights reserved</p></div></body></html>"""


TEMPLATES = {"zblog": zblog, "dedecms": dedecms, "trs_gov": trs_gov, "newscn": newscn, "phpcms": phpcms,
             "table_gov": table_gov, "wordpress": wordpress, "people": people}
