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
