#!/usr/bin/env bash
# Starts Portico's gateway as a benchmark target: provisions a fresh data
# directory with the harness's upstream and its 1,000 API keys (as API-key
# credentials of applications subscribed to a plan whose limits never
# trigger, so every request pays for authentication and limit accounting),
# then runs `portico serve` with the gateway on PORTICO_GATEWAY_ADDR.
#
# Used as EXTRA_CMD of the reference harness (../shared/bench/run.sh),
# which exports BENCH_UPSTREAM_URL and BENCH_KEYS_FILE and pins this process:
#   go build -o /tmp/portico-bench ./cmd/portico
#   cd ../shared/bench && ONLY="direct nginx-keyauth go-stdlib-plain portico" \
#     EXTRA_TARGET_NAME=portico EXTRA_TARGET_URL=http://127.0.0.1:18097 \
#     EXTRA_CMD=$PWD/../../main/bench/portico-target.sh ./run.sh
# and by bench/run.sh.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
portico=${PORTICO_BIN:-/tmp/portico-bench}
addr=${PORTICO_GATEWAY_ADDR:-127.0.0.1:18097}
: "${BENCH_UPSTREAM_URL:?set by the harness}" "${BENCH_KEYS_FILE:?set by the harness}"
[[ -x $portico ]] || { echo "portico-target.sh: build the binary first: go build -o $portico ./cmd/portico" >&2; exit 1; }

data=$(mktemp -d "${TMPDIR:-/tmp}/portico-bench.XXXXXX")
pw=$data/ops-password
head -c 24 /dev/urandom | base64 > "$pw"
p() { "$portico" "$@" --data-dir "$data" --log-level warn >/dev/null; }
"$portico" subsidiary create --data-dir "$data" --slug bench --name Bench >/dev/null
"$portico" import --data-dir "$data" --subsidiary bench --api items \
  --upstream "$BENCH_UPSTREAM_URL/api/v1" --base-path /api/v1 "$here/items.yaml" >/dev/null
"$portico" user create --data-dir "$data" --email bench@example.com --password-file "$pw" >/dev/null
"$portico" plan create --data-dir "$data" --subsidiary bench --api items --name Bench --key-mode api_key \
  --rate-per-second 100000000 --quota-per-day 100000000000 >/dev/null
"$portico" keys import --data-dir "$data" --subsidiary bench --api items --plan Bench \
  --owner bench@example.com "$BENCH_KEYS_FILE" >&2
exec "$portico" serve --data-dir "$data" --addr 127.0.0.1:0 --gateway-addr "$addr" --log-level warn
