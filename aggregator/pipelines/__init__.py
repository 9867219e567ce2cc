"""Item pipelines, in order: clean → strip boilerplate → dedup → store → relate.

Each is a thin adapter: it reads its settings in ``from_crawler`` and calls plain
functions that are tested on their own.
"""
