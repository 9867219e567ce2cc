"""`scrapy check`, as Scrapy's, recording no crawl_runs row and leaving the frontier as
it was (see aggregator/commands/parse.py)."""

from scrapy.commands.check import Command as ScrapyCheckCommand

from aggregator.commands.parse import NOT_A_CRAWL


class Command(ScrapyCheckCommand):
    default_settings = {**ScrapyCheckCommand.default_settings, **NOT_A_CRAWL}
