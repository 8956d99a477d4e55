#!/usr/bin/env bash
# make bench: load on loopback only, bounded in time; prints requests/s, latency percentiles and server memory.
# 1. HTTP: builds release, starts the demo server on free ports with a temporary data directory, then runs wrk
#    (2 threads, 16 connections, 10 s each) against GET /health and GET /api/v1/me (bearer token check in
#    SQLite + profile with resolved parameters), and reports the server's peak RSS.
# 2. Telephony (scripts/bench_telephony.py): a fresh server supervising 10,000 devices on pbx-sim in load mode
#    (50 calls/s for 60 s) while 100 WebSocket clients listen; see that script for what it reports.
#    BENCH_TELEPHONY_ARGS passes options to it (e.g. "--devices 1000 --seconds 10" for a quick run).
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
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=${BENCH_SCRATCH_PATH:+--scratch-path $BENCH_SCRATCH_PATH}
for product in tws-server pbx-sim; do
  if ! log=$(swift build -c release $scratch --product $product 2>&1); then echo "$log" | tail -40; exit 1; fi
done
bin="$(swift build -c release $scratch --show-bin-path)/tws-server"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
data=$(mktemp -d)
TWS_PUSH_PORT=$(free_port) TWS_LOG_LEVEL=warning "$bin" serve --demo --data-dir "$data" --port "$port" >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
token=$(curl -sf -X POST "http://127.0.0.1:$port/api/v1/auth/login" -H 'Content-Type: application/json' \
  -d '{"username":"amartin","password":"demo-password"}' | python3 -c 'import sys,json; print(json.load(sys.stdin)["token"])')
echo "== GET /health"
wrk -t2 -c16 -d10s --latency "http://127.0.0.1:$port/health" | grep -E "Requests/sec|50%|99%|Latency  "
echo "== GET /api/v1/me (authenticated)"
wrk -t2 -c16 -d10s --latency -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/me" | grep -E "Requests/sec|50%|99%|Latency  |Non-2xx"
echo "== server memory"
grep -E "VmHWM|VmRSS" "/proc/$pid/status"
kill $pid; wait $pid 2>/dev/null || true
echo
# shellcheck disable=SC2086
.venv/bin/python scripts/bench_telephony.py --bin-dir "$(dirname "$bin")" ${BENCH_TELEPHONY_ARGS:-}
echo
# shellcheck disable=SC2086
.venv/bin/python scripts/bench_directory.py --bin-dir "$(dirname "$bin")" ${BENCH_DIRECTORY_ARGS:-}
echo
# shellcheck disable=SC2086
.venv/bin/python scripts/bench_webhooks.py --bin-dir "$(dirname "$bin")" ${BENCH_WEBHOOKS_ARGS:-}
echo
# shellcheck disable=SC2086
.venv/bin/python scripts/bench_callbacks.py --bin-dir "$(dirname "$bin")" ${BENCH_CALLBACKS_ARGS:-}
echo
# shellcheck disable=SC2086
.venv/bin/python scripts/bench_mail.py --bin-dir "$(dirname "$bin")" ${BENCH_MAIL_ARGS:-}
echo
# shellcheck disable=SC2086
.venv/bin/python scripts/bench_statistics.py --bin-dir "$(dirname "$bin")" ${BENCH_STATISTICS_ARGS:-}
echo
# shellcheck disable=SC2086
.venv/bin/python scripts/bench_calendar.py --bin-dir "$(dirname "$bin")" ${BENCH_CALENDAR_ARGS:-}
