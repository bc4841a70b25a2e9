#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL server on loopback, then stop and remove it.
# Usage: scripts/with-postgres.sh COMMAND [ARGS...]   (DATABASE_URL is set for COMMAND)
set -euo pipefail
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
PGPORT=${PANGTING_PG_PORT:-54329}
PGDATA=$(mktemp -d /tmp/pangting-pg.XXXXXX)
as_postgres=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres:postgres "$PGDATA"
  as_postgres=(runuser -u postgres --)
fi
cleanup() {
  (cd / && "${as_postgres[@]}" "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null 2>&1) || true
  rm -rf "$PGDATA"
}
trap cleanup EXIT
(cd / && "${as_postgres[@]}" "$PGBIN/initdb" -D "$PGDATA" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null)
(cd / && "${as_postgres[@]}" "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 30 \
  -o "-c listen_addresses=127.0.0.1 -p $PGPORT -c unix_socket_directories=$PGDATA -c fsync=off -c full_page_writes=off -c synchronous_commit=off" start >/dev/null)
"$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres pangting
export DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/pangting"
"$@"
