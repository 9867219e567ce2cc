"""Alembic environment of the aggregator schema.

Run through ``aggregator db upgrade`` (or ``python -m aggregator.db.migrations``), which
passes the connection in ``config.attributes["connection"]``. SQLite runs in batch mode
(``render_as_batch``), so ALTERs are done by copying the table.
"""

from alembic import context

from aggregator.db.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only through aggregator.db.migrations
    raise RuntimeError("run migrations with `aggregator db upgrade`, which passes the connection")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    include_object=lambda obj, name, type_, reflected, compare_to: not (
        type_ == "table" and (name == "article_search" or name.startswith("article_search_"))
    ),
)
with context.begin_transaction():
    context.run_migrations()
