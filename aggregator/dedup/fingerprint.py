"""Pure fingerprinting functions: text normalisation, exact body hash, MinHash signatures
and LSH band keys. No database, no I/O: everything here is deterministic across
processes, machines and library versions (hash constants are derived from SHA/BLAKE2,
never from Python's randomised ``hash()`` or a NumPy random stream), because the
signatures and band keys are stored in the database and compared between crawlers.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

# ---- tunables (exposed later as DEDUP_* Scrapy settings) -------------------------------
SHINGLE_SIZE = 5  # characters per shingle, taken from the normalised text
NUM_PERM = 128  # MinHash permutations (signature length, 4 bytes each)
BANDS = 32  # LSH bands; rows per band = NUM_PERM // BANDS
THRESHOLD = 0.5  # estimated Jaccard similarity at or above which two bodies are copies
MIN_CHARS = 50  # normalised characters below which a body is never judged (neither exact nor near)
# A copy with a large part cut (a paragraph of three dropped) has a low Jaccard similarity
# to the full text but is almost entirely contained in it: such a pair is a copy when the
# shorter body's shingles are at least CONTAINMENT inside the longer one's and their
# Jaccard similarity is still at least CONTAINMENT_MIN_JACCARD.
CONTAINMENT = 0.8
CONTAINMENT_MIN_JACCARD = 0.3


@dataclass(frozen=True)
class DedupConfig:
    """All dedup tunables in one value, so callers (the pipeline, tests, bench) pass one thing."""

    shingle_size: int = SHINGLE_SIZE
    num_perm: int = NUM_PERM
    bands: int = BANDS
    threshold: float = THRESHOLD
    min_chars: int = MIN_CHARS
    containment: float = CONTAINMENT
    containment_min_jaccard: float = CONTAINMENT_MIN_JACCARD

    def __post_init__(self):
        if self.shingle_size < 1:
            raise ValueError("shingle_size must be >= 1")
        if self.num_perm < 1 or self.bands < 1 or self.num_perm % self.bands:
            raise ValueError("num_perm must be a positive multiple of bands")
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError("threshold must be in (0, 1]")
        if self.min_chars < self.shingle_size:
            raise ValueError("min_chars must be >= shingle_size")
        if not 0.0 < self.containment <= 1.0 or not 0.0 < self.containment_min_jaccard <= 1.0:
            raise ValueError("containment and containment_min_jaccard must be in (0, 1]")

    @property
    def rows(self) -> int:
        return self.num_perm // self.bands

    @property
    def params(self) -> str:
        """Short tag stored next to each signature: signatures made with other
        parameters are not comparable and are ignored/re-made."""
        return f"k{self.shingle_size}p{self.num_perm}b{self.bands}"

    def candidate_probability(self, jaccard: float) -> float:
        """Chance that two bodies of true Jaccard ``jaccard`` share at least one band."""
        return 1.0 - (1.0 - jaccard**self.rows) ** self.bands


DEFAULT_CONFIG = DedupConfig()

# ---- normalisation and exact hash ------------------------------------------------------
# \W in Python's unicode regexes is "not a letter, digit or underscore": it removes
# whitespace, all punctuation (CJK and ASCII) and symbols in one pass.
_NON_WORD = re.compile(r"[\W_]+")


def normalise(body: str) -> str:
    """NFKC (full-width -> half-width letters/digits/punctuation), case-fold, and drop
    everything that is not a letter or digit (whitespace, punctuation, symbols). Two
    bodies that differ only in formatting normalise to the same string."""
    if not body:
        return ""
    return _NON_WORD.sub("", unicodedata.normalize("NFKC", body).casefold())


def body_hash(body: str) -> str:
    """SHA-256 hex digest of the normalised body: equal hashes are exact duplicates."""
    return hashlib.sha256(normalise(body).encode("utf-8")).hexdigest()


# ---- MinHash ---------------------------------------------------------------------------
_MASK64 = (1 << 64) - 1
_SHINGLE_MULT = np.uint64(0x100000001B3)  # FNV-1a 64-bit prime: polynomial rolling hash base


def _u64(tag: str) -> int:
    return int.from_bytes(hashlib.blake2b(tag.encode(), digest_size=8).digest(), "little")


@lru_cache(maxsize=8)
def _perm_params(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """Multiply-shift hash family h_i(x) = (a_i * x + b_i mod 2^64) >> 32, with a_i odd.
    Constants come from BLAKE2b so they are identical everywhere, forever."""
    a = np.array([_u64(f"aggregator.dedup.a.{i}") | 1 for i in range(num_perm)], dtype=np.uint64)
    b = np.array([_u64(f"aggregator.dedup.b.{i}") for i in range(num_perm)], dtype=np.uint64)
    return a[:, None], b[:, None]


def _mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser (vectorised, wrapping uint64 arithmetic)."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def shingle_hashes(text: str, k: int = SHINGLE_SIZE) -> np.ndarray:
    """Distinct 32-bit hashes of the character k-grams of an (already normalised) text."""
    if len(text) < k:
        return np.empty(0, dtype=np.uint64)
    cps = np.frombuffer(text.encode("utf-32-le"), dtype="<u4").astype(np.uint64)
    n = len(cps) - k + 1
    with np.errstate(over="ignore"):
        h = np.zeros(n, dtype=np.uint64)
        for j in range(k):
            h = h * _SHINGLE_MULT + cps[j : j + n] + np.uint64(1)
        h = _mix64(h) >> np.uint64(32)
    return np.unique(h)


def shingles(body: str, k: int = SHINGLE_SIZE) -> set[str]:
    """The set of character k-grams of the normalised body (for tests and inspection)."""
    t = normalise(body)
    return {t[i : i + k] for i in range(len(t) - k + 1)}


@dataclass(frozen=True, eq=False)
class Signature:
    """A MinHash signature of a body plus what is needed to store and compare it."""

    values: np.ndarray = field(repr=False)  # uint32[num_perm]
    n_shingles: int
    length: int  # normalised characters
    body_hash: str
    params: str = DEFAULT_CONFIG.params

    def to_bytes(self) -> bytes:
        return self.values.astype("<u4").tobytes()

    @staticmethod
    def values_from_bytes(data: bytes) -> np.ndarray:
        return np.frombuffer(data, dtype="<u4")

    def jaccard(self, other: "Signature | np.ndarray | bytes") -> float:
        """Estimated Jaccard similarity: the share of equal MinHash values."""
        return estimate_jaccard(self.values, other)

    def band_keys(self, bands: int = BANDS) -> list[int]:
        return band_keys(self.values, bands)


def estimate_jaccard(a, b) -> float:
    a = _as_values(a)
    b = _as_values(b)
    if a.shape != b.shape or not len(a):
        return 0.0
    return float(np.count_nonzero(a == b)) / len(a)


def estimate_containment(jaccard: float, n_a: int, n_b: int) -> float:
    """Estimated share of the smaller shingle set contained in the larger one, from the
    Jaccard estimate and both set sizes: |A∩B| = J (|A| + |B|) / (1 + J)."""
    if n_a <= 0 or n_b <= 0:
        return 0.0
    return min(1.0, jaccard * (n_a + n_b) / (1.0 + jaccard) / min(n_a, n_b))


def is_copy(jaccard: float, n_a: int, n_b: int, config: "DedupConfig" = None) -> bool:
    """The near-duplicate rule: Jaccard >= threshold, or the shorter body (almost) entirely
    inside the longer one (containment >= config.containment) with Jaccard still >=
    config.containment_min_jaccard."""
    config = config or DEFAULT_CONFIG
    if jaccard >= config.threshold:
        return True
    return jaccard >= config.containment_min_jaccard and estimate_containment(jaccard, n_a, n_b) >= config.containment


def _as_values(x) -> np.ndarray:
    if isinstance(x, Signature):
        return x.values
    if isinstance(x, (bytes, bytearray, memoryview)):
        return np.frombuffer(bytes(x), dtype="<u4")
    return np.asarray(x, dtype=np.uint32)


def minhash(hashes: np.ndarray, num_perm: int = NUM_PERM) -> np.ndarray:
    """MinHash of a set of 32-bit shingle hashes: for each hash function the minimum."""
    a, b = _perm_params(num_perm)
    with np.errstate(over="ignore"):
        # process in chunks so memory stays bounded on very long bodies
        out = np.full(num_perm, np.iinfo(np.uint32).max, dtype=np.uint64)
        for start in range(0, len(hashes), 4096):
            chunk = hashes[None, start : start + 4096]
            v = (a * chunk + b) >> np.uint64(32)
            np.minimum(out, v.min(axis=1), out=out)
    return out.astype(np.uint32)


def signature(body: str, config: DedupConfig = DEFAULT_CONFIG, *, normalised: str | None = None) -> Signature | None:
    """MinHash signature of a body, or None when the normalised body is shorter than
    ``config.min_chars`` (too short to judge: such a body is never called a duplicate).
    ``normalised``: ``normalise(body)`` when the caller has it already."""
    text = normalise(body) if normalised is None else normalised
    if len(text) < config.min_chars:
        return None
    hashes = shingle_hashes(text, config.shingle_size)
    return Signature(
        values=minhash(hashes, config.num_perm),
        n_shingles=int(len(hashes)),
        length=len(text),
        body_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        params=config.params,
    )


def band_keys(values, bands: int = BANDS) -> list[int]:
    """LSH band keys: the signature cut into ``bands`` bands; each band (with its index)
    hashed to a signed 64-bit integer, so keys fit a BIGINT column and an index lookup.
    Two bodies sharing any key are candidates."""
    v = _as_values(values).astype("<u4")
    rows = len(v) // bands
    if rows * bands != len(v):
        raise ValueError("signature length is not a multiple of bands")
    raw = v.tobytes()
    keys = []
    for i in range(bands):
        d = hashlib.blake2b(raw[i * rows * 4 : (i + 1) * rows * 4], digest_size=8, person=b"agg-band" + i.to_bytes(8, "little"))
        keys.append(int.from_bytes(d.digest(), "little", signed=True))
    return keys
