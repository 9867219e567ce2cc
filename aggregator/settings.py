"""Scrapy settings for aggregator.

Every setting of ours is prefixed by the component it belongs to (AGGREGATOR_*,
BOILERPLATE_*, INCREMENTAL_*, RELATE_*, CRAWL_RUNS_*), listed with its type and range in
aggregator/config.py (``scrapy crawl`` checks them before it starts) and read in that
component's ``from_crawler`` through ``config.value``.
"""

from aggregator.items import EXPORT_FIELDS

BOT_NAME = "aggregator"
SPIDER_MODULES = ["aggregator.spiders"]
NEWSPIDER_MODULE = "aggregator.spiders"
COMMANDS_MODULE = "aggregator.commands"
TEMPLATES_DIR = __import__("pathlib").Path(__file__).parent.joinpath("templates").as_posix()

# Be a polite, identifiable crawler; regional portals are small sites.
USER_AGENT = "aggregator/0.1 (+https://github.com/aggregator/aggregator)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.25
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.25
AUTOTHROTTLE_TARGET_CONCURRENCY = 4.0
DOWNLOAD_TIMEOUT = 30
RETRY_TIMES = 2
# A news page is a few hundred KB at most; anything past this is dropped as oversized.
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
# Items handled at once per response. A page yields at most one article, and Scrapy starts
# this many worker tasks for every response whatever it yields: 100 (the default) costs
# CPU on each page for nothing.
CONCURRENT_ITEMS = 8
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
FEED_EXPORT_FIELDS = EXPORT_FIELDS
LOG_FORMATTER = "aggregator.logformatter.ArticleLogFormatter"

DOWNLOADER_MIDDLEWARES = {
    # before the mirror, so it sees the site's own URL
    "aggregator.middlewares.incremental.SkipStoredMiddleware": 40,
    "aggregator.middlewares.mirror.OfflineMirrorMiddleware": 50,
}

ITEM_PIPELINES = {
    "aggregator.pipelines.clean.CleanTextPipeline": 100,
    "aggregator.pipelines.boilerplate.StripBoilerplatePipeline": 200,
    "aggregator.pipelines.dedup.DedupPipeline": 300,
    "aggregator.pipelines.store.StorePipeline": 400,
    "aggregator.pipelines.relate.RelatePipeline": 500,
}

# Article and list pages are de-duplicated per process, so a run resumed from JOBDIR
# fetches again what the killed run fetched but never stored (aggregator/dupefilter.py).
DUPEFILTER_CLASS = "aggregator.dupefilter.StoredAwareDupeFilter"
# A JOBDIR queue file torn by kill -9 is set aside for the memory queue, never a lost
# request (aggregator/scheduler.py).
SCHEDULER = "aggregator.scheduler.TornQueueSafeScheduler"

# `scrapy check`: @fields names the fields an item must have non-empty.
SPIDER_CONTRACTS = {"aggregator.contracts.FieldsContract": 10}

EXTENSIONS = {
    # counts exceptions lost in asyncio tasks; before the recorder, which judges the run
    "aggregator.extensions.loop_errors.LoopErrorCounter": 90,
    "aggregator.extensions.crawl_run.CrawlRunRecorder": 100,
    "aggregator.extensions.progress.ProgressLine": 200,
}
# Scrapy's "Crawled N pages (at N pages/min)" is replaced by our progress line, which
# also says what was stored, dropped and is still queued (aggregator/extensions/progress.py).
LOGSTATS_INTERVAL = 0

# --- aggregator -----------------------------------------------------------------
# Any SQLAlchemy URL; the AGGREGATOR_DB_URL environment variable wins over this.
AGGREGATOR_DB_URL = "sqlite:///data/aggregator.db"
# Keep the fetched page (zlib-compressed) so `scrapy reprocess` can re-clean without fetching.
AGGREGATOR_KEEP_RAW = True
# Serve http(s)://HOST/PATH from DIR/HOST/PATH instead of the network (the offline demo).
AGGREGATOR_MIRROR_DIR = None
# Pages whose extracted body is shorter than this many characters are not articles
# (a title and a share widget are not a story; a short news flash still is).
AGGREGATOR_MIN_BODY_CHARS = 40
# The store and relate stages run in batches in worker processes beside the reactor
# (aggregator/offload.py): 0 workers runs the batches on the reactor's thread.
AGGREGATOR_WORKERS = 1
AGGREGATOR_BATCH_SIZE = 50
AGGREGATOR_BATCH_SECONDS = 1.0
# A database outage (down, locked, disk full, read-only) is waited out this long, with
# downloading paused, before the run stops (aggregator/dbwait.py).
AGGREGATOR_DB_RETRY_SECONDS = 300
# A running crawl renews crawl_runs.heartbeat_at this often; a run whose heartbeat is
# four beats old (or whose process is gone from this host) is taken for dead.
AGGREGATOR_HEARTBEAT_SECONDS = 30
# A run fails when more than this share of its article pages could not be fetched
# (fewer are counted by reason and logged, as dead links are; aggregator/outcome.py).
AGGREGATOR_MAX_FAILED_SHARE = 0.2

# One log line every this many seconds with pages fetched, stored, dropped and queued
# (a live status line instead on a terminal); 0 turns it off.
AGGREGATOR_PROGRESS_SECONDS = 60
# Scrapy's own INFO lines (versions, components, the stats dump) are left out of a
# crawl's log unless LOG_LEVEL is given on the command line; True/False forces it.
AGGREGATOR_LOG_COMPACT = None

# --- hostile responses: one downloader middleware each ------------------
# process_response runs from the highest number down: the truncation check sees the
# decompressed body (HttpCompression is 590), Retry-After sees 429/503 before Scrapy's
# RetryMiddleware (550) would retry them at once.
DOWNLOADER_MIDDLEWARES.update({
    "aggregator.middlewares.truncated.TruncatedResponseMiddleware": 585,
    "aggregator.middlewares.retry_after.RetryAfterMiddleware": 560,
})
# Honour Retry-After on 429/503 up to this many seconds; a longer one is given up at once.
AGGREGATOR_RETRY_AFTER_ENABLED = True
AGGREGATOR_RETRY_AFTER_MAX = 120
# Retry pages cut short (body < Content-Length, HTML ending before its end tags), then
# drop them as `truncated`; smaller HTML pages are not judged by their end tags.
AGGREGATOR_TRUNCATED_ENABLED = True
AGGREGATOR_TRUNCATED_MIN_BYTES = 2048

# --- distributed runs (aggregator.distributed, docs/distributed.md) --------------------
# A Redis URL turns distributed mode on (the AGGREGATOR_REDIS_URL environment variable
# wins): `aggregator run start SPIDER` creates a run, `scrapy crawl SPIDER -s
# AGGREGATOR_RUN_ID=ID` joins it. Unset, nothing of it runs.
ADDONS = {"aggregator.distributed.addon.Distributed": 0}
AGGREGATOR_REDIS_URL = None
AGGREGATOR_REDIS_PREFIX = "aggregator"
AGGREGATOR_RUN_ID = None
# Workers end once the run's queue and every lease have been empty this long.
AGGREGATOR_DISTRIBUTED_QUIET_SECONDS = 30
# A popped request is leased this long (renewed each heartbeat); 0: four heartbeats.
AGGREGATOR_DISTRIBUTED_LEASE_SECONDS = 0
AGGREGATOR_DISTRIBUTED_POLL_SECONDS = 0.25
