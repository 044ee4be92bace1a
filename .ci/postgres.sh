#!/usr/bin/env bash
# Install PostgreSQL from Debian's packages (if missing), start a throwaway cluster owned by
# the postgres user on a port of its own, create the test database, and print its URL.
# Idempotent: a second run finds the cluster running and prints the same URL.
# Usage: export OPENATT_TEST_DATABASE_URL="$(bash .ci/postgres.sh)"
# The tests' cluster runs with fsync=off (nothing in it needs to survive a crash). For the
# write benchmarks, start one as a deployment runs it (fsync and synchronous commit on):
#   OPENATT_PG_PORT=55433 OPENATT_PG_FSYNC=on bash .ci/postgres.sh
set -euo pipefail

PORT="${OPENATT_PG_PORT:-55432}"
DATA="${OPENATT_PG_DIR:-/var/tmp/openatt-pg-$PORT}"
DB="${OPENATT_PG_DB:-openatt_test}"
FSYNC="${OPENATT_PG_FSYNC:-off}"

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql; } >&2
fi
BIN="$(dirname "$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n1)")"

as_postgres() {
  if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi
}

if [ ! -s "$DATA/PG_VERSION" ]; then
  mkdir -p "$DATA"
  chown postgres:postgres "$DATA"
  chmod 700 "$DATA"
  as_postgres "$BIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >&2
fi

# The port can be taken for a minute by a closed client connection that happened to get it
# as its own ephemeral port (TIME_WAIT; seen on 2026-12-05 after a load test): try again
# for up to two minutes before giving up, with the server's last words.
started=""
for attempt in $(seq 1 12); do
  if as_postgres "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    started=yes
    break
  fi
  if as_postgres "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w \
      -o "-p $PORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=$FSYNC" start >&2; then
    started=yes
    break
  fi
  echo "PostgreSQL did not start on port $PORT (attempt $attempt of 12); retrying in 10 s" >&2
  sleep 10
done
if [ -z "$started" ]; then
  tail -n 20 "$DATA/server.log" >&2 || true
  exit 1
fi

for _ in $(seq 1 30); do
  if "$BIN/pg_isready" -h 127.0.0.1 -p "$PORT" -q; then break; fi
  sleep 1
done

if ! "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1; then
  "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres "$DB"
fi

echo "postgresql+psycopg://postgres@127.0.0.1:$PORT/$DB"
