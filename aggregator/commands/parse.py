"""`scrapy parse`, as Scrapy's, but a look at one page is not a crawl: it records no
crawl_runs row (which health would judge) and leaves the frontier as it was."""

from scrapy.commands.parse import Command as ScrapyParseCommand

NOT_A_CRAWL = {"CRAWL_RUNS_ENABLED": False, "AGGREGATOR_FRONTIER_ENABLED": False}


class Command(ScrapyParseCommand):
    default_settings = {**ScrapyParseCommand.default_settings, **NOT_A_CRAWL}
