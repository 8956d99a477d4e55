#!/usr/bin/env bash
# Throw-away PostgreSQL 15 cluster (Debian 12, package postgresql-15) for the directory-connector tests.
#
#   postgres.sh start DIR PORT   # initdb (first time) + start on 127.0.0.1:PORT only; creates db "contacts"
#   postgres.sh stop  DIR [PORT] # pg_ctl stop -m fast; keeps DIR (rm -rf DIR to throw it away)
#
# Needs: postgresql-15 (`make test` installs postgresql; nothing is installed here). Debian's system cluster is
# neither used nor needed: the binaries in /usr/lib/postgresql/15/bin are called directly.
# initdb and postgres refuse to run as root, so as root every server command runs as the Debian user "postgres"
# (created by postgresql-common) through runuser, and DIR is chowned to it; DIR's parents must be traversable
# by that user (/tmp is). As an unprivileged user everything runs as that user.
# Used by Tests/ConnectorsTests/TestServices.swift; adapted from the verified dir-lab recipe.
#
# Environment knobs (all optional):
#   PG_GEN_CONTACTS=N   generated rows in table contacts after the 4 fixed ones (default 1000)
#
# Fixed test data:
#   TCP 127.0.0.1:PORT only, scram-sha-256: role tws / tws-secret, owner of database contacts (UTF8)
#   Unix socket in DIR/sock, trust, superuser postgres only (administration by this script)
#   table contacts(id, last_name, first_name, company, department, phone_work, phone_mobile, phone_home, mail,
#                  red_list, updated_at):
#     1 Dupont/Jean/ACME, 2 Müller/Jürgen/Größe AG (phone_mobile NULL), 3 O'Brien/Siobhán (company NULL),
#     4 Secret/Agent/MI6 (red_list), then GenNNNNNN/FirstN/Company N%100 (every 50th red-listed)
set -euo pipefail

cmd=${1:-}; DIR=${2:-}; PORT=${3:-}
[ -n "$cmd" ] && [ -n "$DIR" ] || { echo "usage: $0 start|stop DIR PORT" >&2; exit 2; }
BIN=/usr/lib/postgresql/15/bin
NGEN=${PG_GEN_CONTACTS:-1000}
for tool in initdb pg_ctl psql; do
  [ -x "$BIN/$tool" ] || { echo "$BIN/$tool not found: install postgresql-15 (make test does)" >&2; exit 3; }
done

if [ "$(id -u)" = 0 ]; then
  command -v runuser >/dev/null || { echo "runuser not found (package util-linux)" >&2; exit 3; }
  id postgres >/dev/null 2>&1 || { echo "user postgres missing: install postgresql-common (make test does)" >&2; exit 3; }
  RUNAS=(runuser -u postgres --)
  OWNER=postgres
else
  RUNAS=()
  OWNER=$(id -un)
fi

mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
DATA=$DIR/data

if [ "$cmd" = stop ]; then
  if [ -f "$DATA/postmaster.pid" ]; then
    "${RUNAS[@]}" "$BIN/pg_ctl" -D "$DATA" -m fast -w -t 30 stop >/dev/null
  fi
  exit 0
fi
[ "$cmd" = start ] || { echo "unknown command $cmd" >&2; exit 2; }
[ -n "$PORT" ] || { echo "PORT required" >&2; exit 2; }

chown "$OWNER" "$DIR"; chmod 700 "$DIR"
mkdir -p "$DIR/sock"; chown "$OWNER" "$DIR/sock"

fresh=0
if [ ! -f "$DATA/PG_VERSION" ]; then
  fresh=1
  "${RUNAS[@]}" "$BIN/initdb" -D "$DATA" -U postgres -E UTF8 --locale=C.UTF-8 \
      --auth-local=trust --auth-host=scram-sha-256 >"$DIR/initdb.log" 2>&1 \
    || { cat "$DIR/initdb.log" >&2; exit 1; }
  cat >> "$DATA/postgresql.conf" <<CONF
# --- postgres.sh ---
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$DIR/sock'
fsync = off                 # throw-away cluster: speed over durability
synchronous_commit = off
full_page_writes = off
shared_buffers = 32MB
logging_collector = off
CONF
  # Loopback TCP with a password for the tests; the socket only for this script's superuser.
  cat > "$DATA/pg_hba.conf" <<CONF
local all postgres           trust
local all all                scram-sha-256
host  all all 127.0.0.1/32   scram-sha-256
CONF
fi

if ! "${RUNAS[@]}" "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
  # The postmaster keeps none of the caller's descriptors above 2: a caller that learns that this script ended
  # from a pipe closing would otherwise wait for the server's whole life.
  (
    for fd in /proc/$BASHPID/fd/*; do fd=${fd##*/}; [ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null; done
    exec "${RUNAS[@]}" "$BIN/pg_ctl" -D "$DATA" -o "-p $PORT" -l "$DIR/postgres.log" -w -t 30 start >/dev/null </dev/null
  ) || { tail -20 "$DIR/postgres.log" >&2; exit 1; }
fi

PSQL=("${RUNAS[@]}" "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$DIR/sock" -p "$PORT" -U postgres)
if [ $fresh = 1 ]; then
  "${PSQL[@]}" -d postgres <<'SQL'
CREATE ROLE tws LOGIN PASSWORD 'tws-secret';
CREATE DATABASE contacts OWNER tws ENCODING 'UTF8' TEMPLATE template0;
SQL
  "${PSQL[@]}" -d contacts <<SQL
SET ROLE tws;
CREATE TABLE contacts (
  id           bigserial PRIMARY KEY,
  last_name    text NOT NULL,
  first_name   text,
  company      text,
  department   text,
  phone_work   text,
  phone_mobile text,
  phone_home   text,
  mail         text,
  red_list     boolean NOT NULL DEFAULT false,
  updated_at   timestamptz NOT NULL DEFAULT now()
);
INSERT INTO contacts (last_name, first_name, company, phone_work, phone_mobile, mail, red_list) VALUES
  ('Dupont',   'Jean',    'ACME',     '+33 1 23 45 67 89', '+33 6 12 34 56 78', 'jean.dupont@acme.example', false),
  ('Müller',   'Jürgen',  'Größe AG', '+49 30 1234567',    NULL,                'juergen@groesse.example',  false),
  ('O''Brien', 'Siobhán', NULL,       '+353 1 555 0199',   NULL,                NULL,                       false),
  ('Secret',   'Agent',   'MI6',      '+44 20 7946 0007',  '+44 7700 900007',   NULL,                       true);
INSERT INTO contacts (last_name, first_name, company, phone_work, mail, red_list)
SELECT 'Gen' || lpad(g::text, 6, '0'), 'First' || g, 'Company ' || (g % 100),
       '+1 555 ' || lpad(g::text, 7, '0'), 'gen' || g || '@example.org', g % 50 = 0
FROM generate_series(1, $NGEN) g;
ANALYZE contacts;
SQL
fi
echo "postgres on 127.0.0.1:$PORT (socket $DIR/sock), role tws/tws-secret, db contacts"
