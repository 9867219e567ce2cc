-- Read-only access for analysts on PostgreSQL.
--
-- Run it once per database, connected as the role that owns the tables (the one the
-- crawler connects as), e.g.
--
--     psql "postgresql://crawler@db.example.cn/news" -f sql/readonly_role.sql
--     psql "postgresql://crawler@db.example.cn/news" -c "ALTER ROLE aggregator_readonly PASSWORD 'choose-one'"
--
-- Then analysts connect as aggregator_readonly (aggregator --db postgresql://aggregator_readonly:…@db.example.cn/news).
-- The role can read every table and view, including tables and views the crawler
-- creates later (default privileges), and can change nothing.
--
-- To use another role name or schema, replace aggregator_readonly and public below.
-- Re-running the script is harmless.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'aggregator_readonly') THEN
        CREATE ROLE aggregator_readonly LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
    END IF;
END
$$;

-- Sessions of this role are read-only even for functions that could write.
ALTER ROLE aggregator_readonly SET default_transaction_read_only = on;

DO $$
BEGIN
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO aggregator_readonly', current_database());
END
$$;

GRANT USAGE ON SCHEMA public TO aggregator_readonly;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO aggregator_readonly;        -- tables and views
GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO aggregator_readonly;
REVOKE CREATE ON SCHEMA public FROM aggregator_readonly;

-- Tables and views created later by the role running this script.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO aggregator_readonly;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON SEQUENCES TO aggregator_readonly;
