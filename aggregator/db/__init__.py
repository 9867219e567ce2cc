"""Storage: SQLAlchemy models, engine set-up and the functions the store stage calls."""
