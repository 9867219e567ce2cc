"""Locations of test data: committed fixtures and the optional shared corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "pages"
SHARED = REPO / ".." / "shared"
EXTRACTION_SET = SHARED / "data" / "zh-news-extraction"
PAGES_SET = SHARED / "data" / "zh-news-pages"
SEED_SAMPLE = SHARED / "samples" / "taiyuan-industry-article.txt"


def need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"shared test data not available: {path.resolve()} (expected at <repo>/../shared)")
    return path
