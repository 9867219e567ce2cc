"""Source: 太原产业信息网, a Z-Blog style regional industry-news aggregator.

The shape of ../shared/samples/taiyuan-industry-article.txt: channel list pages with
下一页 pagination, article pages with a breadcrumb, a meta line
(``admin1年前 (2024-09-28)太原产业信息67``), a body followed by copyright, hotline and
advertising boilerplate, a share widget and a 相关文章 list. The live site's address is
not part of the sample; ``taiyuan-industry.example`` is the bundled copy under
data/sites/ (``scrapy demo`` crawls it offline). Point the spider at a live site of the
same shape with ``-a start_url=URL``.
"""

from aggregator.spiders.base import NewsSpider

HOST = "taiyuan-industry.example"


class TaiyuanIndustrySpider(NewsSpider):
    name = "taiyuan_industry"
    source_name = "太原产业信息网"
    channels = {
        f"https://{HOST}/category-1.html": "太原产业信息",
        f"https://{HOST}/category-2.html": "产业园区动态",
    }
    article_links = "div.post-item h2 a"
    selectors = {"title": "h1.post-title", "body": "div.entry"}

    # Contracts for `scrapy check taiyuan_industry`, against the bundled copy (`scrapy
    # check` serves hosts that have one from data/sites/). They say what a channel page
    # and an article page of this source give.
    def parse_list(self, response):
        """A channel page: its eight article links and the next page.

        @url https://taiyuan-industry.example/category-1.html
        @returns items 0 0
        @returns requests 9 9
        """
        return super().parse_list(response)

    def parse_article(self, response):
        """An article page: one article with its title, body, date and author.

        @url https://taiyuan-industry.example/post/1.html
        @returns items 1 1
        @returns requests 0 0
        @fields url source title body published_at author
        """
        return super().parse_article(response)
