"""Deduplication: canonical URLs, exact body hashes and near-duplicate (syndicated copy)
detection with MinHash-LSH stored in the database. See docs/dedup.md."""

from aggregator.dedup.fingerprint import (
    BANDS,
    CONTAINMENT,
    CONTAINMENT_MIN_JACCARD,
    DEFAULT_CONFIG,
    MIN_CHARS,
    NUM_PERM,
    SHINGLE_SIZE,
    THRESHOLD,
    DedupConfig,
    Signature,
    band_keys,
    body_hash,
    estimate_containment,
    is_copy,
    normalise,
    signature,
)
from aggregator.dedup.index import DedupResult, find_candidates, find_duplicate, register_article, register_articles, update_cluster
from aggregator.dedup.urls import InvalidURL, canonical_url

__all__ = [
    "BANDS", "CONTAINMENT", "CONTAINMENT_MIN_JACCARD", "DEFAULT_CONFIG", "MIN_CHARS", "NUM_PERM", "SHINGLE_SIZE", "THRESHOLD",
    "DedupConfig", "DedupResult", "InvalidURL", "Signature",
    "band_keys", "body_hash", "estimate_containment", "is_copy", "canonical_url", "find_candidates", "find_duplicate",
    "normalise", "register_article", "register_articles", "signature", "update_cluster",
]
