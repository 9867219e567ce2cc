"""The ceiling: a bare Scrapy spider that follows the same links as `scrapy crawl site`
on the benchmark site (list pages, 下一页, article pages) and stores nothing."""

import scrapy


class BareSpider(scrapy.Spider):
    name = "bare"
    custom_settings = {"ITEM_PIPELINES": {}, "EXTENSIONS": {}, "DOWNLOADER_MIDDLEWARES": {}}

    def __init__(self, start_url: str, **kwargs):
        super().__init__(**kwargs)
        self.start_urls = [start_url]

    def parse(self, response):
        for href in response.css("ul.news-list a::attr(href)").getall():
            yield response.follow(href, callback=self.parse_article)
        next_page = response.xpath('//a[text()="下一页"]/@href').get()
        if next_page:
            yield response.follow(next_page, callback=self.parse)

    def parse_article(self, response):
        pass
