from aggregator.db.models import DedupBand, DedupLock, DedupSignature


def test_dedup_tables_and_columns_have_comments():
    for model in (DedupSignature, DedupBand, DedupLock):
        t = model.__table__
        assert t.comment, t.name
        for c in t.columns:
            assert c.comment, f"{t.name}.{c.name}"


def test_band_lookup_is_served_by_the_primary_key():
    # band_key leads the composite primary key, so `band_key IN (...)` is an index lookup
    assert [c.name for c in DedupBand.__table__.primary_key.columns] == ["band_key", "article_id"]
