-- Read-only access for analysts on PostgreSQL.
--
-- Run it once per database, connected as the role that owns the tables (the one the
-- crawler connects as) when that role also owns the database, e.g.
--
--     psql "postgresql://crawler@db.example.cn/news" -v ON_ERROR_STOP=1 -f sql/readonly_role.sql
--     psql "postgresql://crawler@db.example.cn/news" -c "ALTER ROLE aggregator_readonly PASSWORD 'choose-one'"
--
-- Then analysts connect as aggregator_readonly (aggregator --db postgresql://aggregator_readonly:…@db.example.cn/news).
--
-- What keeps the role read-only is PRIVILEGES, not a session default:
--   * it is granted CONNECT on the database, USAGE on schema public, and SELECT on the
--     tables, views and sequences there (also on those the crawler creates later:
--     default privileges) — and nothing else;
--   * this script REVOKES CREATE ON SCHEMA public FROM PUBLIC and TEMPORARY ON THE
--     DATABASE FROM PUBLIC. That affects every role that relied on PUBLIC for them,
--     not only this one: before PostgreSQL 15 every role could create tables, views and
--     functions in public (e.g. a public.lower(text) that shadows the built-in for
--     everyone else), and every role may create TEMP tables and pg_temp functions.
--     The owner of the database (and superusers) keep both. Grant them back by name to
--     a role that needs them (GRANT TEMPORARY ON DATABASE news TO some_role);
--   * it checks the result at the end and fails (no silent WARNING) when the role can
--     still create anything — e.g. when the role running it does not own the database
--     or schema public and so could not revoke: then run the two REVOKE lines below as
--     the owner (or a superuser) and this script again as the crawler.
-- `default_transaction_read_only = on` is kept as a second fence only: any session can
-- SET it off again, and then the privileges alone refuse every write.
--
-- Limits on the role: at most 10 connections at once (CONNECTION LIMIT, enforced by the
-- server), statement_timeout 2 min and idle_in_transaction_session_timeout 10 min
-- (role defaults: they stop runaway queries and forgotten open transactions; an
-- analyst can still SET them in a session, PostgreSQL cannot forbid that for these
-- settings). Change the numbers below to suit.
--
-- raw_html IS readable. It is the page exactly as any visitor received it (the crawler
-- sends no cookies or credentials, so it holds nothing private), analysts need it to
-- check what the extractor kept and removed, and hiding one column would take
-- column-level grants that break SELECT * FROM articles and must be redone for every
-- new column. It is large: select it only for the rows you need.
--
-- Not covered by this script (needs a superuser): PUBLIC may EXECUTE lo_create and
-- lo_import, so a session that set default_transaction_read_only off can store large
-- objects; a superuser can REVOKE EXECUTE ON FUNCTION lo_create(oid), lo_creat(integer),
-- lo_from_bytea(oid, bytea), lo_import(text), lo_import(text, oid) FROM PUBLIC.
--
-- To use another role name or schema, replace aggregator_readonly and public below.
-- Re-running the script is harmless.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'aggregator_readonly') THEN
        CREATE ROLE aggregator_readonly LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION;
    END IF;
END
$$;

ALTER ROLE aggregator_readonly CONNECTION LIMIT 10;
ALTER ROLE aggregator_readonly SET statement_timeout = '2min';
ALTER ROLE aggregator_readonly SET idle_in_transaction_session_timeout = '10min';
-- A second fence only (see above): the privileges are what refuse writes.
ALTER ROLE aggregator_readonly SET default_transaction_read_only = on;

-- Nobody creates objects in public or TEMP objects by virtue of PUBLIC any more.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
DO $$
BEGIN
    EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('REVOKE ALL ON DATABASE %I FROM aggregator_readonly', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO aggregator_readonly', current_database());
END
$$;

REVOKE ALL ON SCHEMA public FROM aggregator_readonly;
GRANT USAGE ON SCHEMA public TO aggregator_readonly;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO aggregator_readonly;        -- tables and views
GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO aggregator_readonly;

-- Tables and views created later by the role running this script.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO aggregator_readonly;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON SEQUENCES TO aggregator_readonly;

-- Check what the role can do now; fail loudly rather than leave a writable role.
DO $$
DECLARE
    problems text := '';
BEGIN
    IF has_schema_privilege('aggregator_readonly', 'public', 'CREATE') THEN
        problems := problems || ' it can CREATE in schema public (run REVOKE CREATE ON SCHEMA public FROM PUBLIC as the owner of schema public);';
    END IF;
    IF has_database_privilege('aggregator_readonly', current_database(), 'TEMPORARY') THEN
        problems := problems || format(' it can create TEMP objects (run REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC as the owner of the database);', current_database());
    END IF;
    IF has_database_privilege('aggregator_readonly', current_database(), 'CREATE') THEN
        problems := problems || ' it can CREATE schemas in the database;';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'aggregator_readonly'
               AND (rolsuper OR rolcreatedb OR rolcreaterole OR rolreplication OR rolbypassrls)) THEN
        problems := problems || ' it has a superuser, createdb, createrole, replication or bypassrls attribute;';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member
               WHERE r.rolname = 'aggregator_readonly') THEN
        problems := problems || ' it is a member of other roles (SET ROLE would give it their privileges);';
    END IF;
    IF EXISTS (SELECT 1 FROM information_schema.table_privileges
               WHERE grantee = 'aggregator_readonly' AND table_schema = 'public' AND privilege_type <> 'SELECT') THEN
        problems := problems || ' it holds a privilege other than SELECT on a table in public;';
    END IF;
    IF problems <> '' THEN
        RAISE EXCEPTION 'aggregator_readonly is not read-only:%', problems;
    END IF;
END
$$;
