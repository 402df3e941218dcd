#!/usr/bin/env bash
# Page views of several `vigil` binaries side by side, on one SQLite data directory:
# every binary is started on its own port, a user logs in to each through the form,
# and `wrk -t2 -c32` loads one page of each in turn, ROUNDS times (docs/performance.md,
# "Page views"). For comparing builds on one machine in one sitting: the harness
# (`cargo bench -p vigil --bench core`) gives the figures against the budgets.
#
#   pageviews.sh PATH ROUNDS BINARY...
#
# Environment: PV_DATA (a data directory `vigil demo` made; its key is PV_DATA/demo.key),
# PV_USER and PV_PASSWORD (an account in it, e.g. made with
# `VIGIL_MASTER_KEY=$(cat $PV_DATA/demo.key) VIGIL_NEW_PASSWORD=… vigil user add --data $PV_DATA --role viewer pv_viewer`),
# PV_SECONDS (per load run, default 5), PV_PORT (the first port, default 18100).
set -euo pipefail
path=$1 rounds=$2
shift 2
data=${PV_DATA:?PV_DATA: a data directory made by vigil demo}
user=${PV_USER:?PV_USER: an account in it}
password=${PV_PASSWORD:?PV_PASSWORD: its password}
seconds=${PV_SECONDS:-5}
port=${PV_PORT:-18100}
VIGIL_MASTER_KEY=$(cat "$data/demo.key")
export VIGIL_MASTER_KEY
pids=() ports=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
for bin in "$@"; do
  "$bin" serve --data "$data" --listen "127.0.0.1:$port" >/dev/null 2>&1 &
  pids+=($!) ports+=("$port")
  port=$((port + 1))
done
for p in "${ports[@]}"; do
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$p/healthz" >/dev/null && break; sleep 0.1; done
done
login() {
  local jar csrf
  jar=$(mktemp)
  csrf=$(curl -s -c "$jar" -b "$jar" "http://127.0.0.1:$1/login" |
    grep -o 'name="csrf" value="[^"]*"' | head -1 | sed 's/.*value="//;s/"//')
  curl -s -c "$jar" -b "$jar" -o /dev/null --data-urlencode "csrf=$csrf" \
    --data-urlencode "next=/" --data-urlencode "username=$user" \
    --data-urlencode "password=$password" "http://127.0.0.1:$1/login"
  # curl writes HttpOnly cookies with a "#HttpOnly_" prefix.
  sed 's/^#HttpOnly_//' "$jar" | grep -v '^#' | awk 'NF>=7 {printf "%s=%s; ", $6, $7}'
  rm -f "$jar"
}
cookies=()
for p in "${ports[@]}"; do cookies+=("$(login "$p")"); done
for _ in $(seq "$rounds"); do
  i=0
  for bin in "$@"; do
    rate=$(wrk -t2 -c32 -d"${seconds}s" -H "Cookie: ${cookies[$i]}" \
      "http://127.0.0.1:${ports[$i]}$path" | awk '/Requests\/sec/ {print $2}')
    echo "$bin $path $rate/s"
    i=$((i + 1))
  done
done
