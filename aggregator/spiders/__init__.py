"""Spiders: the generic `article` and `site` spiders and the declarative source spiders.

A source is a small subclass of :class:`aggregator.spiders.base.NewsSpider`; see
docs/adding-a-source.md.
"""
