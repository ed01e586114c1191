#!/usr/bin/env bash
# HTTP benchmark: requests/second and p50/p99 latency for the home page and the
# competitions API, against /healthz (the framework's floor) in the same run; plus
# cold start to first answer (fresh database: migrations and the Gera seed) and
# memory (RSS) idle and after load. Release build, wrk at 16 connections, server and
# load generator pinned to different cores.
#
#   bash benches/http.sh                      # SQLite (default)
#   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/iw_bench bash benches/http.sh
#
# Settings: DURATION (seconds per endpoint, default 10), CONNECTIONS (default 16).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-16}
PORT=${PORT:-18080}

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release --quiet

WORK=$(mktemp -d)
if [[ -n "${BENCH_DATABASE_URL:-}" ]]; then
  DB_URL=$BENCH_DATABASE_URL
  server=${DB_URL%/*}
  name=${DB_URL##*/}
  PGOPTIONS='-c client_min_messages=warning' psql "$server/postgres" -qc "DROP DATABASE IF EXISTS $name WITH (FORCE)" -c "CREATE DATABASE $name" >/dev/null
  ENGINE="PostgreSQL"
else
  DB_URL="sqlite://$WORK/bench.db?mode=rwc"
  ENGINE="SQLite"
fi

start_ns=$(date +%s%N)
IDEEN_SERVER__BIND="127.0.0.1:$PORT" IDEEN_DATABASE__URL="$DB_URL" IDEEN_LOG__FILTER=warn \
  taskset -c 1 ./target/release/ideenwettbewerb serve >"$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
until curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; do
  kill -0 $SERVER 2>/dev/null || { cat "$WORK/server.log"; exit 1; }
  sleep 0.005
done
cold_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
sleep 1
idle_rss_kb=$(awk '/VmRSS/ {print $2}' /proc/$SERVER/status)

measure() {
  local path=$1
  local out
  out=$(taskset -c 0 wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency "http://127.0.0.1:$PORT$path")
  local rps p50 p99 non2xx
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  printf '%s %s %s %s\n' "$rps" "$p50" "$p99" "${non2xx:-0}"
}

echo "Ideenwettbewerb HTTP benchmark: $ENGINE, $CONNECTIONS connections, ${DURATION}s per endpoint, $(nproc) cores"
echo "cold start to first answer (fresh database, migrations, Gera seed): ${cold_ms} ms"
echo "idle memory (RSS): $((idle_rss_kb / 1024)) MiB"
printf '\n| endpoint | requests/s | p50 | p99 | non-2xx | share of /healthz |\n|---|---|---|---|---|---|\n'
read -r floor floor50 floor99 floor_err < <(measure /healthz)
printf '| /healthz | %.0f | %s | %s | %s | 100%% |\n' "$floor" "$floor50" "$floor99" "$floor_err"
for path in / /api/competitions; do
  read -r rps p50 p99 errors < <(measure "$path")
  share=$(awk -v a="$rps" -v b="$floor" 'BEGIN { printf "%.0f", 100 * a / b }')
  printf '| %s | %.0f | %s | %s | %s | %s%% |\n' "$path" "$rps" "$p50" "$p99" "$errors" "$share"
done
loaded_rss_kb=$(awk '/VmRSS/ {print $2}' /proc/$SERVER/status)
echo
echo "memory after load (RSS): $((loaded_rss_kb / 1024)) MiB"
