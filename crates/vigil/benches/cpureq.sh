#!/bin/bash
# cpureq.sh PATH ROUNDS BINARY... : like pageviews.sh (same environment: PV_DATA with
# demo.key, PV_USER, PV_PASSWORD), and also the server CPU (user+system, from
# /proc/PID/stat) per request, which varies less than the rate on a shared host.
set -euo pipefail
path=$1 rounds=$2; shift 2
export VIGIL_MASTER_KEY=$(cat ${PV_DATA:?PV_DATA}/demo.key)
port=18300; pids=(); ports=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
for bin in "$@"; do "$bin" serve --data ${PV_DATA:?PV_DATA} --listen 127.0.0.1:$port >/dev/null 2>&1 & pids+=($!); ports+=($port); port=$((port+1)); done
sleep 1
login() { local jar csrf; jar=$(mktemp); csrf=$(curl -s -c $jar -b $jar http://127.0.0.1:$1/login | grep -o 'name="csrf" value="[^"]*"' | head -1 | sed 's/.*value="//;s/"//'); curl -s -c $jar -b $jar -o /dev/null --data-urlencode "csrf=$csrf" --data-urlencode "next=/" --data-urlencode "username=${PV_USER:?PV_USER}" --data-urlencode "password=${PV_PASSWORD:?PV_PASSWORD}" http://127.0.0.1:$1/login; sed 's/^#HttpOnly_//' $jar | grep -v '^#' | awk 'NF>=7 {printf "%s=%s; ", $6, $7}'; rm -f $jar; }
cookies=(); for p in "${ports[@]}"; do cookies+=("$(login $p)"); done
tk=$(getconf CLK_TCK)
for _ in $(seq $rounds); do i=0; for bin in "$@"; do
  pid=${pids[$i]}; a=$(awk '{print $14+$15}' /proc/$pid/stat)
  out=$(wrk -t2 -c32 -d5s -H "Cookie: ${cookies[$i]}" "http://127.0.0.1:${ports[$i]}$path")
  b=$(awk '{print $14+$15}' /proc/$pid/stat)
  n=$(echo "$out" | awk '/requests in/ {print $1}'); r=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  echo "$(basename $bin) $r/s  cpu/req $(python3 -c "print(round(($b-$a)/$tk*1000/$n,3))") ms"
  i=$((i+1)); done; done
