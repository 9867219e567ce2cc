"""`scrapy relate`: rebuild document frequencies, keywords, regions and related-article
links over the whole database, with a progress bar. The crawl's relate stage keeps them
current between rebuilds; run this after a large import, or to apply new settings.
"""

from __future__ import annotations

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from scrapy.commands import ScrapyCommand
from sqlalchemy.orm import sessionmaker

from aggregator import config
from aggregator.db.engine import make_engine, resolve_db_url
from aggregator.relate.store import options_from_settings, rebuild_all


class Command(ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_LEVEL": "WARNING"}

    def short_desc(self) -> str:
        return "Rebuild keywords, regions and related-article links over the whole database"

    def process_options(self, args, opts) -> None:
        super().process_options(args, opts)
        config.exit_on_mistake(self.settings)  # one line and exit 2, before anything starts

    def run(self, args, opts) -> None:
        assert self.settings is not None
        url = resolve_db_url(self.settings.get("AGGREGATOR_DB_URL"))
        engine = make_engine(url)
        settings = self.settings
        options = options_from_settings(settings)
        columns = (TextColumn("{task.description:<9}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, transient=False) as bar:
            tasks: dict[str, int] = {}

            def progress(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = bar.add_task(stage, total=total)
                bar.update(tasks[stage], completed=done, total=total)

            report = rebuild_all(sessionmaker(engine), progress=progress, **options)
        print(f"relate: rebuilt {url}: " + ", ".join(f"{k} {v}" for k, v in report.items() if not isinstance(v, dict)))
