"""Scrapy commands of the project, one per file: crawl (with an exit code cron can
trust), demo, reprocess, relate."""
