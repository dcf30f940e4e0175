#!/usr/bin/env bash
# Makes sure PostgreSQL and Redis answer on their usual ports: starts them when down, installs them when missing.
# Idempotent; called by `npm test` (both, always) so a fresh machine needs nothing done by hand.
# `--configured` (`npm start`, `npm run seed:demo`): only the services that DATABASE_URL and REDIS_URL name on this
# machine (127.0.0.1 or localhost at the usual port); without those variables the gateway runs its embedded ones.
set -euo pipefail

PG_HOST=127.0.0.1 PG_PORT=5432 REDIS_PORT=6379
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() { as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; }
wait_for() { for _ in $(seq 1 60); do if eval "$1" >/dev/null 2>&1; then return 0; fi; sleep 0.5; done; echo "timed out waiting for: $1" >&2; return 1; }

ensure_postgres() {
  if pg_isready -h "$PG_HOST" -p "$PG_PORT" -q 2>/dev/null; then return; fi
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    echo "ensure-services: installing PostgreSQL" >&2
    apt_install postgresql
    # Trust local TCP connections for the postgres user, as on the development machines.
    for hba in /etc/postgresql/*/main/pg_hba.conf; do
      grep -q '^host all all 127.0.0.1/32 trust' "$hba" || sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
    done
  fi
  echo "ensure-services: starting PostgreSQL" >&2
  as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  wait_for "pg_isready -h $PG_HOST -p $PG_PORT -q"
}

ensure_redis() {
  if redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; then return; fi
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "ensure-services: installing Redis" >&2
    apt_install redis-server
  fi
  echo "ensure-services: starting Redis" >&2
  as_root mkdir -p /var/lib/redis /var/log/redis
  as_root redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  wait_for "redis-cli -h 127.0.0.1 -p $REDIS_PORT ping"
}

# curl and jq run the README's tour, which a test replays.
ensure_tools() {
  local missing=()
  for tool in curl jq; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
  if [ ${#missing[@]} -gt 0 ]; then echo "ensure-services: installing ${missing[*]}" >&2; apt_install "${missing[@]}"; fi
}

# True when $1 is a URL of this machine's service on port $2 (the default port when the URL names none).
names_local() { [[ "$1" =~ ^[a-z]+://([^@/]*@)?(127\.0\.0\.1|localhost)(:$2)?(/|$) ]]; }

if [ "${1:-}" = "--configured" ]; then
  if names_local "${DATABASE_URL:-}" "$PG_PORT"; then ensure_postgres; fi
  if names_local "${REDIS_URL:-}" "$REDIS_PORT"; then ensure_redis; fi
else
  ensure_postgres
  ensure_redis
  ensure_tools
fi
