-- Roles and schema privileges.
--
-- tcj_owner owns every table, view, sequence and function; it cannot log in. Migrations switch to
-- it with SET LOCAL ROLE so that what they create is owned by it.
-- tcj_app is the role the service logs in as: no superuser, no BYPASSRLS, owns nothing, may not
-- create objects, and gets only data privileges. Row level security therefore always applies to it.
--
-- The migration runner sets search_path to the target schema; nothing here names a schema.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tcj_owner') THEN
    CREATE ROLE tcj_owner NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tcj_app') THEN
    CREATE ROLE tcj_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
  -- A migrating user that is not a superuser (a managed database's admin) must be able to become
  -- the owner.
  IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    EXECUTE format('GRANT tcj_owner TO %I', current_user);
  END IF;

  EXECUTE format('ALTER SCHEMA %I OWNER TO tcj_owner', current_schema());
  EXECUTE format('REVOKE ALL ON SCHEMA %I FROM PUBLIC', current_schema());
  EXECUTE format('GRANT USAGE ON SCHEMA %I TO tcj_app', current_schema());
  EXECUTE format('GRANT SELECT ON %I.schema_migrations TO tcj_app', current_schema());
  EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE tcj_owner IN SCHEMA %I '
                 'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO tcj_app', current_schema());
  EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE tcj_owner IN SCHEMA %I '
                 'GRANT USAGE, SELECT ON SEQUENCES TO tcj_app', current_schema());
  -- Functions are granted one by one: SECURITY DEFINER functions are the narrow cross-tenant paths.
  EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE tcj_owner IN SCHEMA %I '
                 'REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC', current_schema());
END
$$;
