#!/bin/sh
# One database per service, each owned by a login role of its own that cannot connect to the
# others. The postgres image runs this only when its data volume is empty, so after changing it
# run `docker compose down -v` to re-initialise.
set -eu
for service in order inventory shipping notification; do
  variable="$(echo "$service" | tr '[:lower:]' '[:upper:]')_DB_PASSWORD"
  password="$(printenv "$variable")"
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v role="${service}_service" -v password="$password" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'password';
CREATE DATABASE :"role" OWNER :"role";
REVOKE ALL ON DATABASE :"role" FROM PUBLIC;
SQL
done
# The console: a database of its own for its replay audit, and console_reader, which may only read
# the service databases (SELECT on the tables their roles create, every transaction read-only).
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v password="$CONSOLE_DB_PASSWORD" -v reader_password="$CONSOLE_READER_PASSWORD" <<'SQL'
CREATE ROLE console_service LOGIN PASSWORD :'password';
CREATE DATABASE console_service OWNER console_service;
REVOKE ALL ON DATABASE console_service FROM PUBLIC;
CREATE ROLE console_reader LOGIN PASSWORD :'reader_password';
ALTER ROLE console_reader SET default_transaction_read_only = on;
SQL
for service in order inventory shipping notification; do
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "${service}_service" -v role="${service}_service" <<'SQL'
GRANT CONNECT ON DATABASE :"role" TO console_reader;
GRANT USAGE ON SCHEMA public TO console_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO console_reader;
ALTER DEFAULT PRIVILEGES FOR ROLE :"role" IN SCHEMA public GRANT SELECT ON TABLES TO console_reader;
SQL
done
