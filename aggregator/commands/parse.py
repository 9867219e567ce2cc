"""`scrapy parse`, as Scrapy's, but a look at one page is not a crawl: it records no
crawl_runs row (which health would judge) and leaves the frontier as it was.

Without ``-c`` a source spider's ``parse`` reads a start or list-shaped page as a list
page and any other as an article page (aggregator.spiders.base). A URL of a site that
has a bundled copy under data/sites/ is served from it, as ``scrapy demo`` does, unless
``AGGREGATOR_MIRROR_DIR`` is set. Items are printed without their fetched page
(``raw_html`` is shown as its size)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from itemadapter import ItemAdapter
from scrapy.commands.parse import Command as ScrapyParseCommand
from scrapy.utils import display

NOT_A_CRAWL = {"CRAWL_RUNS_ENABLED": False, "AGGREGATOR_FRONTIER_ENABLED": False}
SITES_DIR = Path(__file__).resolve().parents[2] / "data" / "sites"


def use_bundled_copy(settings, urls, sites_dir: Path = SITES_DIR) -> bool:
    """Serve ``urls`` from the bundled copies when every one of them has one and no
    mirror was asked for; True when it does."""
    hosts = {urlsplit(u).hostname for u in urls}
    if settings.get("AGGREGATOR_MIRROR_DIR") or not hosts or not all(h and (sites_dir / h).is_dir() for h in hosts):
        return False
    settings.set("AGGREGATOR_MIRROR_DIR", str(sites_dir), priority="cmdline")  # above the project's None
    return True


def printable(item) -> dict:
    out = ItemAdapter(item).asdict()
    raw = out.get("raw_html")
    if isinstance(raw, (bytes, bytearray)):
        out["raw_html"] = f"<{len(raw)} bytes>"
    return out


class Command(ScrapyParseCommand):
    default_settings = {**ScrapyParseCommand.default_settings, **NOT_A_CRAWL}

    def process_options(self, args, opts) -> None:
        super().process_options(args, opts)
        use_bundled_copy(self.settings, args[:1])

    def print_items(self, lvl=None, colour=True) -> None:
        items = [i for lst in self.items.values() for i in lst] if lvl is None else self.items.get(lvl, [])
        print("# Scraped Items ", "-" * 60)
        display.pprint([printable(x) for x in items], colorize=colour)
