#!/usr/bin/env bash
# Start a throwaway PostgreSQL server on 127.0.0.1 for the test suite's PostgreSQL leg, and print
# its URL. Installs the server from Debian's packages if the machine does not have it.
#
#   bash .ci/postgres.sh PORT [DIR]   start a server in DIR (default: a new /tmp/review-pg.* folder)
#   bash .ci/postgres.sh --stop DIR   stop the server started in DIR and remove DIR
set -euo pipefail
if [ "${1:-}" = "--stop" ]; then
    data="$2"
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
    if [ -f "$data/db/postmaster.pid" ]; then
        (cd / && runuser -u postgres -- "$bin/pg_ctl" -D "$data/db" -m fast -w stop >&2)
    fi
    rm -rf "$data"
    exit 0
fi
port="${1:-54329}"
if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2
fi
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
data="${2:-$(mktemp -d /tmp/review-pg.XXXXXX)}"
cd /  # the postgres user cannot enter the checkout's folder
chown postgres "$data"
runuser -u postgres -- "$bin/initdb" -D "$data/db" -A trust -U review >/dev/null
runuser -u postgres -- "$bin/pg_ctl" -D "$data/db" -l "$data/log" -w \
    -o "-p $port -k $data -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >&2
runuser -u postgres -- "$bin/createdb" -h 127.0.0.1 -p "$port" -U review review_test
echo "postgresql://review@127.0.0.1:$port/review_test"
