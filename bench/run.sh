#!/usr/bin/env bash
# Portico's gateway benchmark, in one command:   bench/run.sh
#
# Builds Portico and a tiny upstream (bench/upstream), provisions Portico
# with the 1,000 API keys of bench/keys.tsv (bench/portico-target.sh: keys
# imported as API keys of applications subscribed to a plan whose limits
# never trigger, so every request pays for authentication and limits), and
# measures with wrk, against the same upstream:
#   direct          the upstream alone
#   nginx-keyauth   nginx (Debian) with the same 1,000 keys in a map, 401
#                   for unknown keys, a per-app limit_req that never
#                   triggers, key stripped, X-App-Id forwarded
#   portico         Portico's gateway (authentication, plan limits, usage)
# It is a lean copy of the reference harness ../shared/bench/run.sh (same
# upstream, wrk script, key list and nginx configuration; see README.md):
# same CPU layout (system under test and upstream on CPU 0, wrk on CPU 1),
# ROUNDS interleaved rounds, medians. For each target: saturation req/s
# (wrk -c$CONNECTIONS) with the CPU microseconds per request of the proxy
# and of the upstream (from /proc, per process group), and the latency at
# light paced load (-c$PACED_CONNECTIONS, random pauses).
#
#   bench/run.sh --check   provision and check every target once, no load
# Settings: ROUNDS=3 DURATION=6 CONNECTIONS=64 PACED_DURATION=3
# PACED_CONNECTIONS=16 PACED_DELAY_MS=8 PORT_BASE=18380 OUT_DIR=...
set -Eeuo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
ROUNDS=${ROUNDS:-3} DURATION=${DURATION:-6} CONNECTIONS=${CONNECTIONS:-64}
PACED_DURATION=${PACED_DURATION:-3} PACED_CONNECTIONS=${PACED_CONNECTIONS:-16} PACED_DELAY_MS=${PACED_DELAY_MS:-8}
PORT_BASE=${PORT_BASE:-18380}
OUT_DIR=${OUT_DIR:-${TMPDIR:-/tmp}/portico-bench-out/$(date +%Y%m%d-%H%M%S)}
check_only=0
[[ ${1:-} == --check ]] && check_only=1

for tool in wrk nginx taskset curl go; do
  command -v "$tool" >/dev/null || { echo "bench/run.sh: $tool is missing (apt-get install wrk nginx util-linux curl; Go 1.26)" >&2; exit 1; }
done
mkdir -p "$OUT_DIR"
log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" | tee -a "$OUT_DIR/log.txt" >&2; }
pgids=()
cleanup() { for g in "${pgids[@]}"; do kill -- "-$g" 2>/dev/null || true; done; }
trap cleanup EXIT

# start NAME CMD... runs CMD pinned to CPU 0 in its own process group.
start() {
  local name=$1; shift
  setsid taskset -c 0 "$@" >"$OUT_DIR/$name.log" 2>&1 &
  pgids+=($!)
  STARTED=$!
}
wait_ok() { # URL KEY
  for _ in $(seq 1 100); do
    [[ $(curl -s -o /dev/null -w '%{http_code}' -H "X-Api-Key: $2" "$1") == 200 ]] && return 0
    sleep 0.2
  done
  return 1
}
jiffies() { # total utime+stime of a process group
  local sum=0 pid
  for pid in $(ps -o pid= -g "$1"); do
    [[ -r /proc/$pid/stat ]] || continue
    sum=$((sum + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
  done
  echo "$sum"
}

log "building Portico and the upstream into $OUT_DIR"
go build -o "$OUT_DIR/portico" "$root/cmd/portico"
go build -o "$OUT_DIR/upstream" "$here/upstream"

up=127.0.0.1:$PORT_BASE
start upstream "$OUT_DIR/upstream" -addr "$up"
up_pg=$STARTED

mkdir -p "$OUT_DIR/nginx"
grep -v '^#' "$here/keys.tsv" | awk -F'\t' 'NF >= 2 {printf "\"%s\" \"%s\";\n", $1, $2}' >"$OUT_DIR/nginx/keys.map"
sed -e "s|@RUNDIR@|$OUT_DIR/nginx|g" -e "s|@PORT@|$((PORT_BASE + 1))|g" -e "s|@UPSTREAM@|$up|g" \
  "$here/nginx-keyauth.conf" >"$OUT_DIR/nginx/nginx.conf"
start nginx-keyauth nginx -e stderr -p "$OUT_DIR/nginx" -c "$OUT_DIR/nginx/nginx.conf"
nginx_pg=$STARTED

BENCH_UPSTREAM_URL=http://$up BENCH_KEYS_FILE=$here/keys.tsv PORTICO_BIN=$OUT_DIR/portico \
  PORTICO_GATEWAY_ADDR=127.0.0.1:$((PORT_BASE + 2)) start portico "$here/portico-target.sh"
portico_pg=$STARTED

path=/api/v1/items/42
names=(direct nginx-keyauth portico)
urls=("http://$up$path" "http://127.0.0.1:$((PORT_BASE + 1))$path" "http://127.0.0.1:$((PORT_BASE + 2))$path")
proxy_pgs=(- "$nginx_pg" "$portico_pg")
key=$(grep -v '^#' "$here/keys.tsv" | head -1 | cut -f1)
for i in "${!names[@]}"; do
  wait_ok "${urls[$i]}" "$key" || { log "${names[$i]} is not answering 200 at ${urls[$i]}; see $OUT_DIR/${names[$i]}.log"; exit 1; }
  if [[ ${names[$i]} != direct ]]; then
    code=$(curl -s -o /dev/null -w '%{http_code}' -H 'X-Api-Key: not-a-key-0000000000000000' "${urls[$i]}")
    [[ $code == 401 ]] || { log "${names[$i]}: a bad key got $code, want 401"; exit 1; }
  fi
  if [[ ${names[$i]} == direct ]]; then log "direct: 200"; else log "${names[$i]}: valid key 200, bad key 401"; fi
done
if ((check_only)); then log "check passed"; exit 0; fi

hz=$(getconf CLK_TCK)
run_wrk() { # idx mode -> prints "rps p50_us p99_us proxy_us upstream_us"
  local i=$1 mode=$2 c=$CONNECTIONS d=$DURATION delay=0
  if [[ $mode == paced ]]; then c=$PACED_CONNECTIONS d=$PACED_DURATION delay=$PACED_DELAY_MS; fi
  local pj0 uj0 pj1 uj1 out
  pj0=0; [[ ${proxy_pgs[$i]} != - ]] && pj0=$(jiffies "${proxy_pgs[$i]}")
  uj0=$(jiffies "$up_pg")
  out=$(BENCH_KEYS_FILE=$here/keys.tsv BENCH_DELAY_MS=$delay taskset -c 1 wrk -t1 -c"$c" -d"${d}s" -s "$here/wrk.lua" "${urls[$i]}" | grep '^BENCH ')
  pj1=0; [[ ${proxy_pgs[$i]} != - ]] && pj1=$(jiffies "${proxy_pgs[$i]}")
  uj1=$(jiffies "$up_pg")
  awk -v o="$out" -v pj=$((pj1 - pj0)) -v uj=$((uj1 - uj0)) -v hz="$hz" 'BEGIN {
    n = split(o, f, /[ =]/); for (k = 2; k < n; k += 2) v[f[k]] = f[k + 1]
    us = 1e6 / hz; printf "%.0f %d %d %.1f %.1f %d\n", v["rps"], v["p50_us"], v["p99_us"], (v["requests"] > 0 ? pj * us / v["requests"] : 0), (v["requests"] > 0 ? uj * us / v["requests"] : 0), v["non2xx"] + v["sockerr"] }'
}

log "warming up"; for i in "${!names[@]}"; do DURATION=2 run_wrk "$i" sat >/dev/null; done
: >"$OUT_DIR/runs.tsv"
for r in $(seq 1 "$ROUNDS"); do
  for k in "${!names[@]}"; do
    i=$(((k + r) % ${#names[@]}))
    read -r rps p50 p99 pus uus errs < <(run_wrk "$i" sat)
    read -r prps pp50 pp99 _ _ perrs < <(run_wrk "$i" paced)
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "${names[$i]}" "$r" "$rps" "$p50" "$p99" "$pus" "$uus" "$pp50" "$pp99" "$((errs + perrs))" >>"$OUT_DIR/runs.tsv"
    log "$(printf '%-14s round %d  %6s req/s  proxy %5s us/req  upstream %5s us/req  paced p50/p99 %s/%s us  errors %s' "${names[$i]}" "$r" "$rps" "$pus" "$uus" "$pp50" "$pp99" "$((errs + perrs))")"
  done
done

median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2)}'; }
{
  echo "| target | sat req/s | vs nginx-keyauth | proxy CPU us/req | vs nginx-keyauth | upstream CPU us/req | paced p50 ms | paced p99 ms | errors |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  nrps=$(awk -F'\t' '$1 == "nginx-keyauth" {print $3}' "$OUT_DIR/runs.tsv" | median)
  ncpu=$(awk -F'\t' '$1 == "nginx-keyauth" {print $6}' "$OUT_DIR/runs.tsv" | median)
  for n in "${names[@]}"; do
    col() { awk -F'\t' -v n="$n" -v c="$1" '$1 == n {print $c}' "$OUT_DIR/runs.tsv" | median; }
    rps=$(col 3) cpu=$(col 6) ucpu=$(col 7) pp50=$(col 8) pp99=$(col 9) errs=$(awk -F'\t' -v n="$n" '$1 == n {s += $10} END {print s + 0}' "$OUT_DIR/runs.tsv")
    awk -v n="$n" -v rps="$rps" -v nrps="$nrps" -v cpu="$cpu" -v ncpu="$ncpu" -v ucpu="$ucpu" -v p50="$pp50" -v p99="$pp99" -v e="$errs" 'BEGIN {
      printf "| %s | %.0f | %.2f | %s | %s | %.1f | %.3f | %.3f | %d |\n", n, rps, rps / nrps, (n == "direct" ? "-" : sprintf("%.1f", cpu)), (n == "direct" ? "-" : sprintf("%.2f", cpu / ncpu)), ucpu, p50 / 1000, p99 / 1000, e }'
  done
} | tee "$OUT_DIR/summary.md"
log "medians of $ROUNDS rounds; per-run figures in $OUT_DIR/runs.tsv"
