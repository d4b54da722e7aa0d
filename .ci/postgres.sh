#!/usr/bin/env bash
# Start a throwaway PostgreSQL server on 127.0.0.1 for the test suite's PostgreSQL leg, and print
# its URL. Installs the server from Debian's packages if the machine does not have it.
set -euo pipefail
port="${1:-54329}"
if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2
fi
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
cd /  # the postgres user cannot enter the checkout's folder
data=$(mktemp -d /tmp/review-pg.XXXXXX)
chown postgres "$data"
runuser -u postgres -- "$bin/initdb" -D "$data/db" -A trust -U review >/dev/null
runuser -u postgres -- "$bin/pg_ctl" -D "$data/db" -l "$data/log" -w \
    -o "-p $port -k $data -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >&2
runuser -u postgres -- "$bin/createdb" -h 127.0.0.1 -p "$port" -U review review_test
echo "postgresql://review@127.0.0.1:$port/review_test"
