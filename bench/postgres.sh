#!/usr/bin/env bash
# A local PostgreSQL for the benchmarks, set up the way .ci/run does it (as root, Debian 12):
# install Debian's postgresql if missing, start its 'main' cluster, ensure a role and a database
# of their own (not the tests' database), and print the DATABASE_URL to pass with --database-url.
set -euo pipefail

PG_ROLE=rallye_bench
PG_PASSWORD=rallye_bench
PG_DATABASE=rallye_bench

server_version() {
    local dir
    for dir in /usr/lib/postgresql/*/bin/postgres; do
        if [ -x "$dir" ]; then
            basename "$(dirname "$(dirname "$dir")")"
        fi
    done | sort -n | tail -n 1
}

version="$(server_version)"
if [ -z "$version" ] || ! command -v pg_ctlcluster >/dev/null; then
    apt-get update -q >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql >&2
    version="$(server_version)"
fi
if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" { found = 1 } END { exit !found }'; then
    pg_createcluster "$version" main >&2
fi
status="$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" { print $4 }')"
if [ "$status" != "online" ]; then
    pg_ctlcluster "$version" main start >&2
fi
port="$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" { print $3 }')"
for _ in $(seq 1 30); do
    pg_isready -q -h 127.0.0.1 -p "$port" && break
    sleep 1
done

as_postgres() {
    (cd / && runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$port" "$@")
}
if [ "$(as_postgres -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$PG_ROLE'")" != "1" ]; then
    as_postgres -c "CREATE ROLE $PG_ROLE LOGIN PASSWORD '$PG_PASSWORD'" >&2
fi
if [ "$(as_postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$PG_DATABASE'")" != "1" ]; then
    as_postgres -c "CREATE DATABASE $PG_DATABASE OWNER $PG_ROLE" >&2
fi
as_postgres -d "$PG_DATABASE" -c "ALTER SCHEMA public OWNER TO $PG_ROLE" >&2
echo "postgresql+asyncpg://$PG_ROLE:$PG_PASSWORD@127.0.0.1:$port/$PG_DATABASE"
