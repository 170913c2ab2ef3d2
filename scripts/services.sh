#!/usr/bin/env bash
# Makes sure what the tests talk to is installed and running on loopback, as root or as a sudo
# user, with the distribution's packages in their default configuration (no hand-edited
# pg_hba.conf), and may be run again at any time (it only does what is missing):
#
# - PostgreSQL: the cluster listening on port ${TEST_PG_PORT:-5432} is started if it is down,
#   and a login role `chat_test` (password `chat_test`, CREATEDB, no superuser) is created in it
#   through the `postgres` OS account over the local socket (peer auth, the packages' default).
#   The tests then connect over TCP to 127.0.0.1 with that password (scram-sha-256, the
#   default), as `postgres://chat_test:chat_test@127.0.0.1:5432/postgres`, and create and drop
#   one database per test. A machine whose PostgreSQL is set up differently sets
#   TEST_DATABASE_URL instead (a URL whose user may CREATE DATABASE); this script then only
#   checks that it answers.
# - Redis on 127.0.0.1:6379 (the scale tests also start private redis-server processes).
# - moto (PyPI `moto[server]`), an S3-compatible server the upload tests start privately per
#   test: installed into the venv /opt/chat-moto (MOTO_VENV) if missing.
set -euo pipefail

PG_PORT="${TEST_PG_PORT:-5432}"
PG_ROLE=chat_test
PG_PASSWORD=chat_test

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
# Runs a command as the `postgres` OS account (the one the packages' peer auth lets in).
as_postgres() {
  if [ "$(id -u)" = 0 ]; then
    (cd / && runuser -u postgres -- "$@")
  else
    (cd / && sudo -u postgres -- "$@")
  fi
}

apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}"
  fi
}

redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

# Build needs: libpq for diesel's postgres feature; the servers for the tests; Chromium and its
# driver for the web app's browser tests.
apt_install libpq-dev postgresql redis-server chromium chromium-driver python3-venv
# Node.js/npm for the web build's wasm-opt; machines may have it from outside Debian (whose
# `npm` package would then conflict), so only the missing commands are installed.
if ! command -v npm >/dev/null 2>&1; then
  apt_install nodejs npm
fi

if [ -n "${TEST_DATABASE_URL:-}" ]; then
  # Set up by the machine's owner: only check it.
  psql "$TEST_DATABASE_URL" -w -tAc 'select 1' >/dev/null || {
    echo "TEST_DATABASE_URL does not answer (see the error above)" >&2
    exit 1
  }
  psql "$TEST_DATABASE_URL" -w -tAc 'select rolcreatedb or rolsuper from pg_roles where rolname = current_user' \
    | grep -q t || {
    echo "TEST_DATABASE_URL's user may not CREATE DATABASE, which the tests need" >&2
    exit 1
  }
  echo "PostgreSQL: using TEST_DATABASE_URL"
else
  pg_tcp_up() { pg_isready -q -h 127.0.0.1 -p "$PG_PORT" 2>/dev/null; }
  # The packages' cluster that owns the port: "<version> <name>" from pg_lsclusters.
  cluster=$(pg_lsclusters -h 2>/dev/null | awk -v port="$PG_PORT" '$3 == port { print $1, $2; exit }')
  if [ -z "$cluster" ] && [ -z "$(pg_lsclusters -h 2>/dev/null)" ]; then
    # Installed without a cluster (e.g. `create_main_cluster = false`): make the usual one.
    version=$(ls /usr/lib/postgresql | sort -V | tail -1)
    echo "creating PostgreSQL cluster $version/main on port $PG_PORT"
    as_root pg_createcluster "$version" main --port "$PG_PORT"
    cluster="$version main"
  fi
  if ! pg_tcp_up; then
    [ -n "$cluster" ] || {
      echo "no PostgreSQL cluster on port $PG_PORT (pg_lsclusters); create one, e.g." >&2
      echo "  sudo pg_createcluster $(ls /usr/lib/postgresql | sort -V | tail -1) test --port $PG_PORT --start" >&2
      echo "or set TEST_DATABASE_URL to a PostgreSQL you have" >&2
      exit 1
    }
    echo "starting PostgreSQL $cluster"
    # shellcheck disable=SC2086 # "<version> <name>" are two arguments
    as_root pg_ctlcluster --skip-systemctl-redirect $cluster start || true
    for _ in $(seq 1 30); do pg_tcp_up && break; sleep 1; done
  fi
  pg_tcp_up || { echo "PostgreSQL is not reachable on 127.0.0.1:$PG_PORT" >&2; exit 1; }

  url="postgres://$PG_ROLE:$PG_PASSWORD@127.0.0.1:$PG_PORT/postgres"
  role_ok() { psql "$url" -w -tAc 'select rolcreatedb from pg_roles where rolname = current_user' 2>/dev/null | grep -q t; }
  if ! role_ok; then
    echo "creating PostgreSQL role $PG_ROLE (CREATEDB) on port $PG_PORT, as the postgres OS account"
    as_postgres psql -X -q -v ON_ERROR_STOP=1 -p "$PG_PORT" -d postgres <<SQL
SET password_encryption = 'scram-sha-256';
SELECT format('CREATE ROLE %I', '$PG_ROLE') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_ROLE')
\gexec
ALTER ROLE $PG_ROLE WITH LOGIN CREATEDB NOSUPERUSER PASSWORD '$PG_PASSWORD';
SQL
  fi
  role_ok || {
    echo "PostgreSQL on 127.0.0.1:$PG_PORT does not let $PG_ROLE in with its password; if this" >&2
    echo "machine's PostgreSQL is set up differently, set TEST_DATABASE_URL (see README.md)" >&2
    exit 1
  }
  echo "PostgreSQL: $url"
fi

if ! redis_up; then
  echo "starting Redis"
  as_root mkdir -p /var/lib/redis /var/log/redis
  as_root redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 30); do redis_up && break; sleep 0.5; done
fi
redis_up || { echo "Redis is not reachable on 127.0.0.1:6379" >&2; exit 1; }
MOTO_VENV="${MOTO_VENV:-/opt/chat-moto}"
if [ ! -x "$MOTO_VENV/bin/moto_server" ]; then
  echo "installing moto[server] into $MOTO_VENV (the upload tests' S3-compatible server)"
  as_root python3 -m venv "$MOTO_VENV"
  as_root "$MOTO_VENV/bin/pip" install -q 'moto[server]'
fi
"$MOTO_VENV/bin/moto_server" --help >/dev/null || { echo "moto_server does not run" >&2; exit 1; }
echo "services ready: PostgreSQL and Redis on 127.0.0.1, moto_server in $MOTO_VENV"
