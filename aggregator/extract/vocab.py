"""Vocabularies for article extraction, kept as named data tables.

Logic lives in the sibling modules as pure functions over these tables; to adapt the
extractor to a new family of sites, extend a table here rather than the code.
"""

from __future__ import annotations

import re

# Elements whose whole subtree never holds article text.
DROP_TAGS = frozenset({
    "script", "style", "noscript", "template", "svg", "link", "meta", "head", "input", "option",
})
# Widget elements, dropped only when small: malformed pages leave them unclosed
# (`<button/>`, ASP.NET's page-wide `<form>`), and then they hold the whole page.
DROP_TAGS_IF_SMALL = frozenset({
    "form", "button", "select", "textarea", "nav", "iframe", "object", "embed", "map", "audio",
    "video", "canvas", "source",
})
DROP_IF_SMALL_MAX_CHARS = 200

# Block-level tags: a line break before and after their text.
BLOCK_TAGS = frozenset({
    "p", "div", "section", "article", "main", "header", "footer", "aside", "li", "ul", "ol",
    "dl", "dt", "dd", "table", "tbody", "thead", "tfoot", "tr", "td", "th", "h1", "h2", "h3",
    "h4", "h5", "h6", "blockquote", "pre", "figure", "figcaption", "center", "address",
    "caption", "hr", "body", "html",
})

# class/id tokens marking a subtree that is never article text. The lower-cased class and
# id are split on whitespace, "_" and "-"; a token matches a hint it equals or starts
# with (or ends with, for hints of 5+ letters: "bdshare" ends with "share").
JUNK_HINTS = (
    "nav", "navbar", "menu", "breadcrumb", "crumb", "position", "location", "weizhi", "dangqian",
    "share", "sharing", "sharedaddy", "sharethis", "addthis", "fenxiang", "bdshare", "jiathis", "social", "toolbar", "tools", "fontsize",
    "print", "comment", "pinglun", "reply", "related", "relate", "xiangguan", "recommend", "tuijian",
    "hot", "rank", "paihang", "sidebar", "side", "aside", "footer", "foot", "bottom", "copyright",
    "banquan", "header", "head", "topbar", "login", "search", "pager", "pagination", "prevnext",
    "prev", "next", "prenext", "shangxia", "sxp", "tags", "tag", "keyword", "ad", "ads", "advert",
    "guanggao", "gg", "qrcode", "ewm", "erweima", "weixin", "wechat", "subscribe", "popup",
    "modal", "cookie", "skip", "hidden", "dialog", "like", "digg", "vote",
    "favorite", "readmore", "more", "gotop", "backtop", "totop", "logo", "links",
    "friendlink", "youqing", "widget", "list", "newslist", "mianze", "disclaimer",
    "meta", "info", "time", "date", "source", "byline", "title", "bread",
    "player", "vjs", "xgplayer", "video",
    # MediaWiki / encyclopedia templates
    "infobox", "navbox", "ambox", "hatnote", "editsection", "reflist", "references",
    "reference", "toc", "catlinks", "noprint", "metadata", "sistersitebox", "printfooter", "mbox",
)

# Words that follow a hint in a class/id name without changing what it names
# ("share-box", "comment-list-wrap", "footer-links"); a hint followed by anything else
# ("pagination-first", "player-2020-580") is a different thing.
CLASS_CONTAINER_WORDS = frozenset({
    "box", "wrap", "wrapper", "bar", "list", "lists", "area", "panel", "block", "con", "cont", "container",
    "inner", "outer", "main", "mod", "module", "section", "top", "btn", "btns", "button", "buttons",
    "links", "link", "icon", "icons", "tit", "title", "item", "items", "posts", "news", "form", "menu",
    "widget", "slot", "page", "layer", "pop", "part", "holder", "div", "fixed", "float", "wx", "nav",
    "s", "bd", "hd", "ft", "new", "v2", "js", "cf", "clearfix", "fl", "fr", "l", "r", "left", "right",
    "mobile", "pc", "m", "ul", "li", "zone", "group", "info", "text", "txt", "word", "words", "tool", "tools",
    "bottom", "content", "body", "frame", "line", "bg",
})

# class/id tokens that suggest the article container (bonus when scoring).
CONTENT_HINTS = (
    "content", "article", "entry", "post", "body", "text", "main", "detail", "zhengwen",
    "neirong", "txt", "news", "story", "con", "cont", "wenzhang", "artibody", "rich",
    "trs_editor", "view", "show", "ozoom", "zoom", "maincontent", "mw-parser-output",
)

# Hints that are junk only when the element is NOT big (a meta or title block is small;
# a container named "info" or "list" that holds the whole article must survive).
SOFT_JUNK_HINTS = frozenset({
    "meta", "info", "time", "date", "source", "byline", "title", "list", "more", "side",
    "head", "header", "hidden", "tag", "tags", "like", "links", "bottom", "foot", "footer",
    "hot", "ad", "gg", "position", "location", "print", "tools", "toolbar",
    "next", "prev", "bread", "keyword", "weixin", "wechat", "widget", "newslist",
    "copyright", "banquan", "mianze", "disclaimer", "skip", "vote", "video",
})

# Soft hints that, closing a class name, describe a state or a variant rather than name a
# component: "field-label-hidden" is a field whose label is hidden, "a-list-item" an item.
SOFT_STATE_HINTS = frozenset({"hidden", "more", "like", "hot", "skip", "list", "side", "next", "prev", "ad", "gg",
                              "vote", "video", "title", "links"})

# Headings after which the rest of the container is not article text.
TRUNCATE_HEADINGS = re.compile(
    r"^[【\[〖(（]?\s*(相关(文章|新闻|阅读|推荐|报道|链接|资讯|内容|专题|稿件|热词|标签)|推荐阅读|延伸阅读|"
    r"热门(文章|推荐|新闻|阅读|评论)|猜你喜欢|猜您喜欢|为你推荐|为您推荐|你可能(还)?(感兴趣|喜欢)|"
    r"您可能(还)?(感兴趣|喜欢)|精彩推荐|最新(文章|新闻|资讯)|网友评论|发表评论|我要评论|评论区|"
    r"全部评论|热门评论|最新评论|相关附件|往期回顾|更多精彩|更多(新闻|阅读|文章)|图片推荐|本类推荐|"
    r"本周热点|排行榜|点击排行|热点推荐|今日推荐|大家都在看|热点新闻|看了又看|往期精选|往期推荐|"
    r"精彩留言|写留言|留言区|评论(\s*[(（]\d+[)）])?)\s*[】\]〗)）]?\s*[:：]?\s*$"
)

# Whole lines that are widget/navigation junk wherever they sit in the container.
# Anchored and short: a real sentence that merely mentions these words is never matched.
JUNK_LINES = tuple(re.compile(p) for p in (
    r"^(当前位置|您的位置|你的位置|您现在的位置|你现在的位置|现在位置|所在位置|当前的位置)\s*[:：]",
    r"^(首页|主页|网站首页)\s*[>＞»/›→]",
    r"^.{0,30}[>＞»›]\s*(正文|正文内容|内容|详情|浏览文章|文章详情)\s*$",
    r"^分享(到|给朋友|至|本文|此文|文章)?\s*([:：].{0,40})?$",
    r"^(扫一扫|扫码|微信扫一扫|用微信扫描|打开微信).{0,24}(分享|手机|打开|阅读|浏览|关注|二维码|朋友圈).{0,10}$",
    r"^[【\[]?(上一篇|下一篇|上一条|下一条|上一页|下一页|上篇|下篇|前一篇|后一篇|阅读下一篇|已经是第一篇|已经是最后一篇)[】\]]?\s*([:：>》].{0,80})?$",
    r"^\s*[【\[]?\s*(打印本页|打印此页|打印文章|打印|关闭窗口|关闭本页|关闭|返回顶部|回到顶部|收藏本页|加入收藏|收藏|"
    r"纠错|我要纠错|推荐给朋友|返回列表|返回首页|字体|字号|放大|缩小)\s*[】\]]?\s*$",
    r"^.{0,8}(字号|字体)\s*[:：]?\s*[【\[]?\s*(大|中|小|默认|A\+|A-|T).{0,20}$",
    r"^(\s*[【\[]\s*(打印本页|打印|关闭窗口|关闭|收藏|纠错|返回顶部|大|中|小|字号|字体)[^】\]]{0,6}[】\]]\s*)+$",
    r"^(\s*(打印本页|关闭窗口|打印|关闭|收藏|返回顶部|分享)\s*[|｜/\s]\s*)+(打印本页|关闭窗口|打印|关闭|收藏|返回顶部|分享)?\s*$",
    r"^(点击|阅读|浏览|访问)(数|量|次数)?\s*[:：]\s*\d*\s*(次)?$",
    r"^(责任编辑|编辑|责编)\s*[:：]\s*$",
    r"^(返回搜狐|返回腾讯|查看更多|展开全文|阅读全文|点击查看全文|显示全文|收起全文).{0,12}$",
    r"^(语音)?播报(文章|本文)?$",
    # widgets: a gallery link, a like counter, "点击进入专题>>"
    r"^[【\[]?(图集|组图|高清图集|高清组图|查看图集|进入图集)[】\]]?$",
    r"^(\+1|点赞\s*\+?\d*|赞\s*\+1)$",
    r"^[【\[]?点击(进入|查看|阅读|浏览|访问)[^。！？]{0,30}(>>|》》|>|»|›)\s*[】\]]?$",
    r"^[-—=_*·.]{3,}\s*(分隔线|分割线)?\s*[-—=_*·.]*$",
    # ad teasers labelled 广告 in feeds (a real sentence about advertising ends with 。)
    r"^(广告|推广|AD)\s*[^。]{2,40}$",
    # pagination bars: 共3页 首页 上一页 1 2 3 下一页 尾页
    r"^(?=.*(?:页|\[\d|[<>«»‹›]))(?:共\s*\d+\s*页|第\s*\d+\s*页|首页|上一页|下一页|尾页|末页|\d{1,3}|[<>«»‹›]+|\[\d{1,3}\]|…)(?:\s+(?:共\s*\d+\s*页|第\s*\d+\s*页|首页|上一页|下一页|尾页|末页|\d{1,3}|[<>«»‹›]+|\[\d{1,3}\]|…))+$",
    r"^(相关热词搜索|相关搜索|热门搜索|热词搜索|本文标签|文章标签|相关标签|TAG标签)\s*[:：].{0,80}$",
    r"^(举报|投诉|点赞|赞|评论|收藏|转发|复制链接|微信|微博|QQ空间|QQ好友|朋友圈|人人网|豆瓣)(\s*[|｜/]?\s*(举报|投诉|点赞|赞|评论|收藏|转发|复制链接|微信|微博|QQ空间|QQ好友|朋友圈|\d+))*\s*$",
    r"^(标签|关键词|关键字|Tags?)\s*[:：]?\s*$",
    r"^[【\[]?(推荐阅读|相关阅读|延伸阅读|相关新闻|相关文章|相关链接|相关报道|往期回顾|往期推荐|热门推荐|热门文章|猜你喜欢)[】\]]?\s*[:：|｜].{0,80}$",
))

# Labels of metadata lines.
LABEL_DATE = r"(?:发布时间|发表时间|发布日期|发表日期|更新时间|更新日期|上传时间|时间|日期|发布|发表|稿件日期|成文日期|印发日期)"
LABEL_ORIGIN = r"(?:来源|稿源|出处|来源于|文章来源|本文来源|信息来源|新闻来源|消息来源|转自|转载自|稿件来源|來源)"
LABEL_AUTHOR = r"(?:作者|记者|撰稿|撰文|文|文字|通讯员|供稿|发布者|发布人|投稿人)"
LABEL_EDITOR = r"(?:责任编辑|責任編輯|责编|責編|编辑|編輯|值班编辑|本文编辑|审核|审校|校对)"

# A metadata line (title area): short, made of labels, dates, counters.
META_LINE_LABELS = re.compile(
    r"(发布时间|发表时间|发布日期|更新时间|时间\s*[:：]|日期\s*[:：]|来源\s*[:：]|稿源|作者\s*[:：]|编辑\s*[:：]|"
    r"浏览(次数|量|数)?\s*[:：]?|点击(数|量|率)?\s*[:：]|阅读(数|量)?\s*[:：]|访问量|字号|字体|评论\s*[:：]|"
    r"\d+\s*(次|人)?(浏览|阅读|阅|点击)|责任编辑|供稿|文章来源|信息来源|发布者|分类\s*[:：])"
)

# Meta tags (name/property/itemprop, lower-cased) for the original publication date, in
# order of trust; Chinese CMS names (PubDate, publishdate, firstpublishedtime …) included.
META_PUBLISHED_KEYS = (
    "article:published_time", "og:article:published_time", "og:published_time", "og:release_date",
    "publishdate", "publish_date", "pubdate", "pubtime", "publishtime", "publish-time", "publish_time",
    "datepublished", "date_published", "article_date_original", "originalpublicationdate",
    "firstpublishedtime", "dc.date.issued", "dcterms.issued", "dc.date.created", "dcterms.created",
    "dc.created", "datecreated", "article.created", "article.published", "published_time",
    "publication_date", "publicationdate", "prism.publicationdate", "citation_publication_date",
    "citation_date", "parsely-pub-date", "cxenseparse:recs:publishtime", "sailthru.date",
    "bytedance:published_time", "weibo:article:create_at", "og:pubdate", "pdate", "ptime",
    "releasedate", "createdate", "contentdate", "displaydate", "uploaddate",
)
# Generic date tags: on many CMS the page's generation or last-edit date; trusted below the
# visible meta-area date and the URL.
META_GENERIC_DATE_KEYS = ("dc.date", "dcterms.date", "date", "timestamp")
# Meta tags for a modification date: used only when no publication date is found anywhere.
META_MODIFIED_KEYS = (
    "article:modified_time", "og:updated_time", "dc.date.modified", "dcterms.modified", "datemodified",
    "lastmodifiedtime", "last-modified", "modified_time", "updated_time", "lastmod",
)
META_DATE_KEYS = META_PUBLISHED_KEYS + META_GENERIC_DATE_KEYS + META_MODIFIED_KEYS  # kept for callers of the old name

# JSON-LD / microdata properties.
LD_PUBLISHED_KEYS = ("datePublished", "dateCreated", "uploadDate", "pubDate", "dateIssued")
LD_MODIFIED_KEYS = ("dateModified",)
# JSON-LD @type words of the article item (preferred over a page's other items).
LD_ARTICLE_TYPES = re.compile(r"Article|Posting|Report|Blog|NewsArticle|WebPage|Review|Recipe|Event", re.I)
# class / itemprop / rel words of <time>, <abbr> and other date elements.
DATE_PUBLISHED_HINT = re.compile(r"publish|posted|post-date|postdate|entry-date|created|dateline|pubdate|date-pub|"
                                 r"datepub|article-date|article_date|byline", re.I)
DATE_MODIFIED_HINT = re.compile(r"updat|modif|edited|revis", re.I)

META_AUTHOR_KEYS = ("author", "article:author", "og:article:author", "dc.creator", "byline", "contentauthor")
META_ORIGIN_KEYS = ("source", "contentsource", "og:source", "article:source")
# meta tags naming the publishing account of a self-media page (Sohu's 搜狐号): an outlet's
# account is the origin, a person's the author
META_ACCOUNT_KEYS = ("mediaid",)
META_TITLE_KEYS = ("og:title", "twitter:title", "articletitle", "title", "headline", "dc.title")

# Publication times that only live in inline scripts (the page text shows "昨天" or is
# filled by JS). Group "v" is a unix timestamp or a date string.
SCRIPT_DATE_PATTERNS = tuple(re.compile(p) for p in (
    r"\bvar\s+ct\s*=\s*[\"'](?P<v>\d{10})[\"']",                 # WeChat articles
    r"[\"']?publish_?[tT]ime[\"']?\s*[:=]\s*[\"'](?P<v>[^\"']{8,30})[\"']",
    r"[\"']?pubDate[\"']?\s*[:=]\s*[\"'](?P<v>[^\"']{8,30})[\"']",
))

# Widget phrases glued to the end of a real line ("（编辑：小何）返回搜狐，查看更多").
JUNK_TAIL = re.compile(r"\s*(返回搜狐[，,]?\s*查看更多|展开全文|点击展开全文|阅读全文|播报文章)\s*$")

# Headings of page furniture, never an article's headline.
JUNK_HEADINGS = re.compile(r"首页|联系我们|相关|推荐|热门|排行|最新|友情链接|评论|留言|阅读打卡|版权|关于我们|导航|专题|"
                           r"精彩|猜你喜欢|更多|下载|客户端|扫码|二维码|网站地图")

# Title suffix separators: "Title_栏目_网站" / "Title - 网站" / "Title|网站".
TITLE_SPLIT = re.compile(r"\s*(?:_|\||｜|--|—|\s-\s|-\s|\s-)\s*")

# --- bylines (author / origin / editor) ---
# class/id tokens of elements holding one byline field (the element's text is the value,
# after its label): matched as whole tokens or token prefixes/suffixes of a class/id word
# split on "-" and "_" ("source_baidu", "article-editor", "caas-attr-provider").
BYLINE_ELEMENT_HINTS = {
    "origin": ("source", "sour", "laiyuan", "copyfrom", "ly"),
    "author": ("author", "autor", "writer", "zuozhe", "byline"),
    "editor": ("editor", "bianji", "zebian", "liability"),
    # the publishing account of a self-media platform (头条号, 搜狐号, 网易号, WeChat, CSDN):
    # an outlet's account is the origin, a person's or a blog's account the author
    "account": ("media", "provider", "medianame", "nickname", "pgc", "wemedia", "usercard", "username"),
}
# whole ids of a platform's byline slots (WeChat: js_name is the publishing account,
# js_author_name the writer)
BYLINE_ELEMENT_IDS = {"js_name": "origin", "profile_nickname": "origin", "js_author_name": "author"}
# words in a class/id that make a hinted element something else ("author-info__attention",
# "source-list", "media-player")
# (a stop word blocks the hint that comes before it: "author-follow" is a button, while
# "follow-nickname" is the nickname of the followed account)
BYLINE_HINT_STOP = ("attention", "follow", "avatar", "img", "pic", "icon", "list", "player", "video", "desc",
                    "intro", "more", "link", "btn", "button", "num", "count", "title", "content", "qrcode")
# values that are never a name of a person or an outlet
NON_NAMES = re.compile(
    r"^(?:本站|本网|原创|本站原创|网络|网络整理|互联网|未知|佚名|匿名|网友|转载|整理|综合|"
    r"编辑|责任编辑|作者|来源|记者|通讯员|null|none|undefined|暂无)$", re.I)
# words that show a candidate is a counter, a link or navigation, not a name
NON_NAME_WORDS = re.compile(
    r"访问|浏览|点击|阅读|返回|首页|更多|评论|分享|登录|注册|关注|订阅|下载|打印|收藏|字号|授权|地址|"
    r"红包|发出|发布于|发表于|账号|贡献者|http|www\.|@|\.com|[：:]|\.\.\.|…")
# ... and, for a person's name (not an outlet), words of headings, feeds and adverts
AUTHOR_NON_WORDS = re.compile(r"文章|新闻|资讯|推荐|行情|热门|最新|专题|频道|传奇|Taboola|[0-9]{3,}")
# names of outlets (news media, sites, platform accounts of media): given as an author or in
# an account slot they are the article's origin, never its writer ("作者：新京报",
# "IT之家", "南方都市报", "中国新闻网", "证券时报网")
OUTLET_NAME = re.compile(
    r"(?:[报网社台]|日报|晚报|早报|新闻|周刊|月刊|杂志|电视台|广播|电台|频道|传媒|媒体|之家|公号|公众号|官方账号|"
    r"客户端|网络版|电子版|出版社|财经|科技|资讯|在线|\.com|\.cn|\.net|\.org|\.de|\.at|\.ch|\.fr|"
    r"News|Times|Daily|Post|Press|Journal|Magazine|Magazin|Zeitung|Online|Media|Medien|TV|Radio|NDR|WDR|BBC|AFP)$"
    r"|^(?:新华社|中新社|央视|CCTV|CGTN|CSDN|人民日报|光明日报|经济日报|法新社|路透社|美联社|共同社)", re.I)
# names of organisations that are not writers ("作者：医技药剂党支部", a board signing an
# announcement): rejected as an author
ORG_NAME = re.compile(r"(?:支部|党委|党组|委员会|董事会|公司|集团|办公室|办公厅|政府|中心|协会|学会|研究院|"
                      r"研究所|大学|学院|医院|供稿|[局厅]|GmbH|AG|e\.\s?V\.|Inc\.?|Ltd\.?|LLC|Stiftung|Verband|Institut)$")
# badges and platform words beside an account name in the dateline ("原创 GameForce 2019-09-04",
# "扬眼 企鹅号"): not part of the name
DATELINE_BADGES = re.compile(r"原创|首发|独家|企鹅号|头条号|百家号|网易号|搜狐号|大风号|澎湃号|一点号|"
                             r"发表于|发布于|[·•⋅|｜/]")
# places printed beside a dateline ("2024-05-13 10:00 北京", an IP location): not a name
PLACE_NAME = re.compile(
    r"^(?:北京|天津|上海|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|海南|"
    r"四川|贵州|云南|陕西|甘肃|青海|台湾|内蒙古|广西|西藏|宁夏|新疆|香港|澳门|中国|海外)(?:省|市|自治区)?$"
    r"|^[\u4e00-\u9fff]{1,6}(?:省|市|区|县|州|镇)$")
# job titles before a writer's name after an affiliation ("…研究部部长、研究员徐占忱"): the
# name follows the last of them
AFFILIATION_ROLE = re.compile(r"^.*(?:研究员|教授|讲师|院长|所长|部长|主任|博士|硕士|学者|专家|律师|分析师|总监|"
                              r"总经理|总裁|董事长|主编|社长|会长|秘书长)\s*")
# job and outlet words before the names in a credit ("南都见习记者 林子沛",
# "政能亮特约评论员 韩涵", "职工通讯员 李琴雯"): the names follow the last of them
CREDIT_ROLE = re.compile(r"^.*?(?:见习记者|特约记者|首席记者|记者|通讯员|特约评论员|评论员|专栏作者|作者|撰稿人|撰稿|执笔|采写)\s*")
# the same before names in other languages ("By Lorraine Weightman", "Von Lisa Borch",
# "Erstellt von Andri Bryner")
LATIN_CREDIT_PREFIX = re.compile(r"^(?:(?:written|posted|published|erstellt|geschrieben|verfasst)\s+(?:by|von)|"
                                 r"by|von|par|por|di|door|av|autor(?:in)?\s*:?)\s+", re.I)
# words after the names ("陈智 整合", "路闻卓立编译", "(张三 摄)")
# ("路闻卓立编译 人民币交易与研究": what follows 编译/整理 is where it came from)
CREDIT_TAIL = re.compile(r"\s*(?:(?:整合|整理|编译)(?:\s+\S{2,20})?|报道|综合报道|摄影?|制图|发自\S*|编辑)$")
# staff codes after an editor's name ("杨倩_NF4425", "韩保林 PK155", "支全明 SF099")
STAFF_CODE = re.compile(r"(?<=[\u4e00-\u9fffa-z])[\s_]+[A-Z]{1,4}\d{2,6}$")
