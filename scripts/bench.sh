#!/usr/bin/env bash
# make bench (make bench-quick: BENCH_QUICK=1, small sizes, under 5 minutes): load on loopback only, bounded in time; prints requests/s, latency percentiles and server memory.
# 1. HTTP: builds release, starts the demo server on free ports with a temporary data directory, then runs wrk
#    (2 threads, 16 connections, 10 s each) against GET /health and GET /api/v1/me (bearer token check in
#    SQLite + profile with resolved parameters), and reports the server's peak RSS.
# 2. Telephony (scripts/bench_telephony.py): a fresh server supervising 50,000 devices on pbx-sim in load mode
#    (100 calls/s for 600 s) while `tws-load` holds 1,000 push clients (80% WebSocket, 20% long-poll), then a scale
#    phase of 200,000 devices over 4 links (time until all are monitored, RSS); see that script for what it reports.
#    BENCH_TELEPHONY_ARGS passes options to it (make bench-quick: "--quick", 10,000 devices, 30 s, 100 clients, 50 calls/s,
#    scale phase at 20,000).
# 3. Directories (scripts/bench_directory.py): 500,000 contacts into a throw-away slapd and synchronised into a
#    fresh server; search and reverse-lookup percentiles under 8 clients, side by side with ldapsearch.
#    BENCH_DIRECTORY_ARGS passes options to it (e.g. "--contacts 20000 --seconds 5").
# 4. Webhooks (scripts/bench_webhooks.py): 50 calls/s on pbx-sim, every call event to 1 and then 20 webhook
#    subscriptions on up to 4 local asyncio receivers; PBX event -> webhook latency beside the same run's PBX event ->
#    WebSocket floor, outbox throughput and drain, server CPU per delivery. Exits non-zero on any loss.
#    BENCH_WEBHOOKS_ARGS passes options to it (e.g. "--seconds 10 --subscriptions 1").
# 5. Callbacks (scripts/bench_callbacks.py): 100 requests/s for 10 s against the public POST /api/v1/callbacks with one
#    publishable key: accepted and refused by the default limits (429s by code), then with the limits raised: accepted/s,
#    latency and server CPU per request beside the same run's GET /health floor. BENCH_CALLBACKS_ARGS (e.g. "--quick").
# 6. Missed-call e-mails (scripts/bench_mail.py): 500 missed calls on pbx-sim for users with e-mails on, mailed to the
#    local SMTP sink (Debian python3-aiosmtpd): mails/s, call end -> receipt latency, lost and duplicated (must be 0),
#    server CPU per mail, beside the sink fed by smtplib in the same run; live, then with a backlog drained at once.
#    BENCH_MAIL_ARGS passes options to it (e.g. "--quick").
# 7. Statistics (scripts/bench_statistics.py): a year of hourly statistics rows for 1,000 users seeded into the stopped
#    server's tws.sqlite, the query plans checked (primary-key range search), then GET /api/v1/statistics for a user's
#    year by day, a month by hour, a manager's user, team month and whole-company week: latency and server CPU per
#    request beside the same run's GET /health floor. BENCH_STATISTICS_ARGS passes options (e.g. "--quick").
# 8. Calendar presence (scripts/bench_calendar.py): 1,000 users with calendars of a few events on a throw-away Radicale
#    (Debian radicale, temporary storage); one full CalDAV refresh pass of the server (wall time, server CPU per user)
#    beside the same REPORTs sent from Python (Radicale's time and CPU per REPORT: the floor).
#    BENCH_CALENDAR_ARGS passes options to it (e.g. "--quick").
# Every section also writes its figures, with the floor of the same run and their ratio, as flat keys into
# .build/bench/results.json (BENCH_RESULTS overrides the path; scripts/bench_results.py). BENCH_SECTIONS picks sections
# by name (default: all of http telephony directory webhooks callbacks mail statistics calendar).
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=${BENCH_SCRATCH_PATH:+--scratch-path $BENCH_SCRATCH_PATH}
for product in tws-server pbx-sim tws-load; do
  if ! log=$(swift build -c release $scratch --product $product 2>&1); then echo "$log" | tail -40; exit 1; fi
done
bin="$(swift build -c release $scratch --show-bin-path)/tws-server"
sections=${BENCH_SECTIONS:-http telephony directory webhooks callbacks mail statistics calendar}
want() { [[ " $sections " == *" $1 "* ]]; }
if [ -n "${BENCH_QUICK:-}" ]; then
  mode=quick
  : "${BENCH_TELEPHONY_ARGS:=--quick}" "${BENCH_DIRECTORY_ARGS:=--quick}" "${BENCH_WEBHOOKS_ARGS:=--seconds 10 --subscriptions 1}"
  : "${BENCH_CALLBACKS_ARGS:=--quick}" "${BENCH_MAIL_ARGS:=--quick}" "${BENCH_STATISTICS_ARGS:=--quick}" "${BENCH_CALENDAR_ARGS:=--quick}"
  wrk_seconds=5
else
  mode=full
  wrk_seconds=10
fi
export BENCH_RESULTS=${BENCH_RESULTS:-$PWD/.build/bench/results.json}
mkdir -p "$(dirname "$BENCH_RESULTS")"
# The run's metadata; every section adds its keys to this file.
python3 -c 'import json,sys; json.dump({"meta.mode": sys.argv[1], "meta.commit": sys.argv[2], "meta.started": sys.argv[3],
  "meta.cores": int(sys.argv[4]), "meta.sections": sys.argv[5]}, open(sys.argv[6], "w"), indent=1)' \
  "$mode" "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" "$(date -u +%FT%TZ)" "$(nproc)" "$sections" "$BENCH_RESULTS"
started=$SECONDS
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# CPU seconds (user + system) of a process so far, from /proc.
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$1/stat"; }
if want http; then
  port=$(free_port)
  data=$(mktemp -d)
  TWS_PUSH_PORT=$(free_port) TWS_LOG_LEVEL=warning "$bin" serve --demo --data-dir "$data" --port "$port" >/dev/null 2>&1 &
  pid=$!
  trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$data"' EXIT
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
  token=$(curl -sf -X POST "http://127.0.0.1:$port/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d '{"username":"amartin","password":"demo-password"}' | python3 -c 'import sys,json; print(json.load(sys.stdin)["token"])')
  # One wrk run: prints its summary, records requests/s, p50, p99 and server CPU per request under the key prefix.
  measure() {
    local key=$1; shift
    local before out after
    before=$(cpu_seconds $pid)
    out=$(wrk -t2 -c16 -d${wrk_seconds}s --latency "$@")
    after=$(cpu_seconds $pid)
    echo "$out" | grep -E "Requests/sec|50%|99%|Latency  |Non-2xx"
    echo "$out" | python3 -c '
import re, sys
sys.path.insert(0, "scripts"); import bench_results
text = sys.stdin.read(); key, cpu = sys.argv[1], float(sys.argv[2])
def ms(v, unit): return float(v) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
requests = int(re.search(r"(\d+) requests in", text).group(1))
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", text); p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", text)
bench_results.record_many({key + ".rps": rps, key + ".p50_ms": ms(*p50.groups()), key + ".p99_ms": ms(*p99.groups()),
                           key + ".cpu_ms": cpu * 1000 / max(1, requests)})
print(f"server CPU per request: {cpu * 1000 / max(1, requests):.3f} ms")' "$key" "$(python3 -c "print($after - $before)")"
  }
  echo "== GET /health"
  measure http.wrk16.health "http://127.0.0.1:$port/health"
  echo "== GET /api/v1/me (authenticated)"
  measure http.wrk16.me -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/me"
  python3 -c '
import json, sys
sys.path.insert(0, "scripts"); import bench_results
r = json.load(open(bench_results.path()))
share = r["http.wrk16.me.rps"] / r["http.wrk16.health.rps"]
bench_results.record_many({"http.me.share_of_health": share, "http.me.target_share": 0.5, "http.me.target_met": share >= 0.5})
print(f"GET /api/v1/me answers {share:.1%} of GET /health requests/s (target: at least 50%)")'
  echo "== server memory"
  grep -E "VmHWM|VmRSS" "/proc/$pid/status"
  kill $pid; wait $pid 2>/dev/null || true
  trap - EXIT; rm -rf "$data"
  echo
fi
for section in telephony directory webhooks callbacks mail statistics calendar; do
  want $section || continue
  args="BENCH_${section^^}_ARGS"   # BENCH_TELEPHONY_ARGS, BENCH_DIRECTORY_ARGS, …
  # shellcheck disable=SC2086
  .venv/bin/python "scripts/bench_$section.py" --bin-dir "$(dirname "$bin")" ${!args:-}
  echo
done
python3 -c 'import sys; sys.path.insert(0, "scripts"); import bench_results; bench_results.record("meta.seconds", int(sys.argv[1]))' \
  $((SECONDS - started))
echo "results: $BENCH_RESULTS ($mode run, $((SECONDS - started)) s)"
