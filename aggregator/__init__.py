"""aggregator: a Scrapy crawler that aggregates Chinese regional industry news into SQL."""

__version__ = "0.1.0"
