#!/usr/bin/env bash
# Make sure a PostgreSQL server is reachable for the tests. Never falls back to SQLite.
set -euo pipefail

if [ -n "${DATABASE_URL:-}" ]; then
  exit 0  # the caller chose a database; Django will say clearly if it is unreachable
fi

ready() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }

if command -v pg_isready >/dev/null && ready; then
  exit 0
fi

if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
  echo "PostgreSQL is down; starting the local cluster…"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  for _ in $(seq 1 30); do ready && exit 0; sleep 1; done
fi

cat >&2 <<'MSG'
ERROR: no PostgreSQL server is reachable on 127.0.0.1:5432, and DATABASE_URL is not set.
The test suite runs on PostgreSQL only. Either:
  - install and start PostgreSQL locally (trust auth for user 'postgres'), or
  - export DATABASE_URL=postgres://USER:PASSWORD@HOST:PORT/DBNAME
MSG
exit 1
