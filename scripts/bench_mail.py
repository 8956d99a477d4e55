#!/usr/bin/env python3
"""make bench, missed-call e-mails part (issue 20; loopback only, bounded in time).

A fresh server supervises PAIRS callers and PAIRS callees on `pbx-sim` (plain style, ringing devices never answer);
every callee holds TWS Caller, has an e-mail address and turned missed-call e-mails on; the domain's SMTP server is
the local sink (scripts/smtp_sink.py on Debian's python3-aiosmtpd, run with /usr/bin/python3, no AUTH, no TLS).
CALLS missed calls are made in rounds through the API: in each round every caller calls a different callee
(click-to-call), the run waits until the callee's line shows `ringing`, and the caller hangs up; in live mode the
rounds are paced to RATE missed calls per second. A (caller, callee)
pair is used once, so each mail is known by its recipient and the caller's number in its subject.

Two modes (--modes):
- live: the sink receives while the calls are made; latency from the missed call's end (the simulator's
  ConnectionClearedEvent at the callee, from --trace-events) to the sink's receipt;
- backlog: the sink is down while the calls are made (as fast as they go), so every mail waits in the outbox; the
  sink starts 2 s after the last call has ended, and the run times the outbox draining into it (latency from the
  sink's start); it also reports the server's CPU in those 2 s, with the SMTP server down and the mails waiting.
Each reports mails/s from the first to the last received, latency p50/p99, mails lost and duplicated (by
Message-ID; both must be 0), and server CPU (utime + stime from /proc) per mail: over the whole live run (calls,
call logs and mails), and over the drain alone for the backlog. The floor of the same run: the same mails' bytes
fed to a second sink by a small smtplib client (one connection per mail, as the server does), its mails/s.
Exits non-zero on any loss or duplicate.
"""
import argparse, collections, concurrent.futures, json, os, re, shutil, smtplib, subprocess, sys, tempfile, time

import requests

import bench_results
from tws_harness import (bench_admin, bench_tenant, free_port, grant_applications, link_and_wait_monitored, pbx_sim, percentile,
                         proc_stat, start_bench_server, stop)

SINK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "smtp_sink.py")
CALLERS, CALLEES = 20000, 21000


def start_sink(out, port=0):
    """The sink on `port` (0: a free one); answers (process, port)."""
    sink = subprocess.Popen(["/usr/bin/python3", SINK, "--out", out, "--port", str(port)], stdout=subprocess.PIPE, text=True)
    line = sink.stdout.readline()
    if not line.strip().isdigit(): sys.exit(f"the SMTP sink did not start ({line!r}): it needs Debian's python3-aiosmtpd")
    return sink, int(line)


def received(out):
    if not os.path.exists(out): return []
    with open(out) as f: return [json.loads(line) for line in f if line.strip()]


def set_up(http, base, pairs, sink_port, pbx):
    """Tenant, callers and callees with devices, the callees' e-mails on, the sink as the domain's SMTP server, the
    link monitored; answers (caller tokens, callee tokens)."""
    h = bench_admin(http, base)
    company, domain = bench_tenant(http, base, h)
    staff = http.post(f"{base}/api/v1/admin/domains/{domain}/groups", json={"name": "Staff"}, headers=h).json()["id"]
    grant_applications(http, base, h, company, staff, ["Caller"], 2 * pairs)
    for name, value in [("smtp", "127.0.0.1"), ("SmtServerPort", str(sink_port)), ("SmtpSecurity", "none"), ("SmtpSender", "tws@bench.example")]:
        http.put(f"{base}/api/v1/admin/parameter-values/domain/{domain}/TwsServer/{name}", json={"value": value}, headers=h).raise_for_status()
    tokens = {}
    for role, first in [("c", CALLERS), ("u", CALLEES)]:
        for i in range(pairs):
            uid = http.post(f"{base}/api/v1/admin/domains/{domain}/users", json={"username": f"{role}{i}", "password": "bench-password"}, headers=h).json()["id"]
            http.put(f"{base}/api/v1/admin/groups/{staff}/members/{uid}", headers=h).raise_for_status()
            http.post(f"{base}/api/v1/admin/users/{uid}/devices", json={"number": str(first + i)}, headers=h).raise_for_status()
            if role == "u":
                http.patch(f"{base}/api/v1/admin/users/{uid}", json={"email": f"u{i}@bench.example"}, headers=h).raise_for_status()
            token = http.post(f"{base}/api/v1/auth/login", json={"username": f"{role}{i}", "password": "bench-password"}).json()["token"]
            tokens[(role, i)] = {"Authorization": f"Bearer {token}"}
            if role == "u":
                http.put(f"{base}/api/v1/me/notifications", json={"missedCallEmail": True}, headers=tokens[(role, i)]).raise_for_status()
    link_and_wait_monitored(http, base, h, domain, pbx, 2 * pairs)
    return tokens


def missed_call(base, tokens, caller, callee):
    """Caller calls callee, waits for `ringing` at the callee, hangs up; answers (wall time before the call was asked
    for, wall time of the hang-up's answer)."""
    http = requests.Session()
    asked = time.time()
    placed = http.post(f"{base}/api/v1/calls", json={"number": str(CALLEES + callee)}, headers=tokens[("c", caller)])
    placed.raise_for_status()
    call = placed.json()["callId"]
    for _ in range(500):
        line = http.get(f"{base}/api/v1/telephony/devices/{CALLEES + callee}", headers=tokens[("u", callee)]).json()
        if line.get("presence") == "ringing": break
        time.sleep(0.01)
    else:
        raise SystemExit(f"{CALLEES + callee} never rang")
    http.post(f"{base}/api/v1/calls/{call}/hangup", json={}, headers=tokens[("c", caller)]).raise_for_status()
    return asked, time.time()


def cleared_times(trace_file):
    """device -> wall-clock seconds of the simulator's ConnectionClearedEvents sent for it, in order."""
    cleared = collections.defaultdict(list)
    with open(trace_file) as f:
        for line in f:
            t, device, _, event = line.rstrip("\n").split("\t")
            if event == "ConnectionClearedEvent": cleared[device].append(int(t) / 1e9)
    return cleared


def floor(mails, data):
    """The same mails' bytes sent straight to a second sink by smtplib, one connection each; answers mails/s."""
    out = os.path.join(data, "floor.jsonl")
    sink, port = start_sink(out)
    try:
        t0 = time.time()
        for mail in mails:
            with smtplib.SMTP("127.0.0.1", port) as smtp:
                smtp.sendmail(mail["from"], mail["to"], mail["data"].encode("utf-8"))
        while len(received(out)) < len(mails) and time.time() - t0 < 60: time.sleep(0.05)
        got = received(out)
        span = got[-1]["receivedAt"] - got[0]["receivedAt"] if len(got) > 1 else float("nan")
        return (len(got) - 1) / span, len(got)
    finally:
        sink.kill(); sink.wait()


def run(a, mode):
    api, push = free_port(), free_port()
    base = f"http://127.0.0.1:{api}"
    data = tempfile.mkdtemp(prefix="tws-bench-mail-")
    trace_file, out = os.path.join(data, "pbx-events.tsv"), os.path.join(data, "mails.jsonl")
    sim_bin = os.path.join(a.bin_dir, "pbx-sim")
    server = start_bench_server(a.bin_dir, data, api, push, TWS_MAIL_BACKOFF_SECONDS="0.2", TWS_MAIL_BACKOFF_CAP_SECONDS="1")
    sink, sink_port = start_sink(out)
    if mode == "backlog":
        sink.kill(); sink.wait()
    rounds = (a.calls + a.pairs - 1) // a.pairs
    try:
        with pbx_sim(sim_bin, f"{CALLERS}-{CALLERS + a.pairs - 1},{CALLEES}-{CALLEES + a.pairs - 1}", "--trace-events", trace_file) as pbx:
            http = requests.Session()
            tokens = set_up(http, base, a.pairs, sink_port, pbx)
            print(f"  [{mode}: {a.calls} missed calls in {rounds} rounds of {a.pairs}]", file=sys.stderr, flush=True)
            cpu0, _ = proc_stat(server.pid)
            t0 = time.time()
            calls = {}
            with concurrent.futures.ThreadPoolExecutor(max_workers=a.pairs) as pool:
                for r in range(rounds):
                    # Live: rounds paced to --rate calls/s; backlog: as fast as they go (the sink is down anyway).
                    if mode == "live" and a.rate: time.sleep(max(0.0, t0 + r * a.pairs / a.rate - time.time()))
                    batch = [(i, (i + r) % a.pairs) for i in range(min(a.pairs, a.calls - r * a.pairs))]
                    for (caller, callee), done in zip(batch, pool.map(lambda p: missed_call(base, tokens, *p), batch)):
                        calls[(f"u{callee}@bench.example", str(CALLERS + caller))] = (callee, *done)
            calls_done = time.time()
            cpu_calls = proc_stat(server.pid)[0] - cpu0
            drain_from = calls_done
            if mode == "backlog":
                time.sleep(2)  # the last calls' log lines, hence their mails, are written
                cpu_down = proc_stat(server.pid)[0] - cpu0 - cpu_calls
                # Then the server only retries the down SMTP server: what that costs while it stays down.
                cpu_wait = proc_stat(server.pid)[0]
                time.sleep(3)
                cpu_down_steady = proc_stat(server.pid)[0] - cpu_wait
                cpu0 = proc_stat(server.pid)[0]
                sink, _ = start_sink(out, sink_port)
                drain_from = time.time()
            t = time.time()
            while len(received(out)) < len(calls) and time.time() - t < a.drain: time.sleep(0.1)
            time.sleep(1)  # a duplicate would come now
            cpu = proc_stat(server.pid)[0] - cpu0
        mails = received(out)
        cleared = cleared_times(trace_file)
    finally:
        sink.kill(); sink.wait()
        stop(server)
    try:
        return report(a, mode, calls, mails, cleared, (t0, calls_done, drain_from), cpu, cpu_calls,
                      (cpu_down, cpu_down_steady) if mode == "backlog" else None, floor(mails, data))
    finally:
        shutil.rmtree(data, ignore_errors=True)


def report(a, mode, calls, mails, cleared, times, cpu, cpu_calls, cpu_down, floor_result):
    """`cpu_down`: (the 2 s right after the calls, the 3 s after that) with the sink down, in backlog mode."""
    t0, calls_done, drain_from = times
    ids = collections.Counter(re.search(r"(?im)^Message-ID:\s*(\S+)", m["data"]).group(1) for m in mails)
    duplicated = sum(n - 1 for n in ids.values() if n > 1)
    by_key, latencies, from_trace = {}, [], 0
    for m in mails:
        # "Missed call from NAME (NUMBER)", or "Missed call from NUMBER" when no directory names the caller.
        number = re.search(r"(?m)^Subject: Missed call from (?:.*\()?(\d+)\)?\r?$", m["data"])
        by_key.setdefault((m["to"][0], number.group(1) if number else "?"), m["receivedAt"])
    for key, (callee, asked, hung_up) in calls.items():
        got = by_key.get(key)
        if got is None: continue
        # The callee's line is in one call at a time here: its first clearing after the call was asked for.
        end = next((t for t in cleared.get(str(CALLEES + callee), []) if t >= asked), None)
        from_trace += end is not None
        latencies.append((got - max(end or hung_up, drain_from if mode == "backlog" else 0)) * 1000)
    lost = sum(1 for key in calls if key not in by_key)
    latencies.sort()
    arrivals = sorted(m["receivedAt"] for m in mails)
    span = arrivals[-1] - arrivals[0] if len(arrivals) > 1 else float("nan")
    floor_rate, floor_count = floor_result
    print(f"== missed-call e-mails ({mode}): {len(calls)} missed calls by {a.pairs} callers in {calls_done - t0:.1f} s "
          f"({len(calls) / (calls_done - t0):.1f} calls/s), to the local SMTP sink"
          + (", which was down until the last call had ended" if mode == "backlog" else ""))
    print(f"mails received {len(mails)}: {(len(mails) - 1) / span:.1f} mails/s from the first to the last ({span:.2f} s); "
          f"floor, same run: the sink fed by smtplib, {floor_rate:.1f} mails/s ({floor_count} mails)")
    what = "sink's start" if mode == "backlog" else "missed call's end (ConnectionClearedEvent at the callee)"
    print(f"latency from the {what} to receipt: p50 {percentile(latencies, 0.5):.0f} ms, p99 {percentile(latencies, 0.99):.0f} ms, "
          f"max {percentile(latencies, 1.0):.0f} ms ({from_trace} call ends from the simulator's trace)")
    if mode == "backlog":
        print(f"server CPU: {cpu:.2f} s while draining = {cpu * 1000 / max(1, len(mails)):.2f} ms per mail; while the calls were made "
              f"{cpu_calls:.2f} s ({cpu_calls * 1000 / len(calls):.2f} ms per missed call), and {cpu_down[0]:.2f} s in the 2 s after with the sink down, "
              f"then {cpu_down[1]:.2f} s in the next 3 s (only retrying the down SMTP server)")
    else:
        print(f"server CPU: {cpu:.2f} s over calls and mails = {cpu * 1000 / max(1, len(mails)):.2f} ms per missed call and its mail")
    ok = lost == 0 and duplicated == 0
    bench_results.record_many({f"mail.{mode}.calls": len(calls), f"mail.{mode}.mails": len(mails), f"mail.{mode}.mails_per_s": (len(mails) - 1) / span,
                               f"mail.{mode}.floor_mails_per_s": floor_rate, f"mail.{mode}.p50_ms": percentile(latencies, 0.5),
                               f"mail.{mode}.p99_ms": percentile(latencies, 0.99), f"mail.{mode}.cpu_ms_per_mail": cpu * 1000 / max(1, len(mails)),
                               f"mail.{mode}.lost": lost, f"mail.{mode}.duplicated": duplicated})
    print(f"lost: {lost}, duplicated: {duplicated}" + ("" if ok else "  <- LOSS OR DUPLICATE"), end="\n\n", flush=True)
    return ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin-dir", required=True)
    ap.add_argument("--calls", type=int, default=500)
    ap.add_argument("--pairs", type=int, default=50, help="callers, and callees (each pair is used once: calls <= pairs * pairs)")
    ap.add_argument("--rate", type=float, default=50, help="live mode: missed calls per second (0: as fast as they go)")
    ap.add_argument("--drain", type=float, default=120, help="longest wait for the mails after the calls")
    ap.add_argument("--modes", default="live,backlog")
    ap.add_argument("--quick", action="store_true", help="100 calls by 20 pairs")
    a = ap.parse_args()
    if a.quick: a.calls, a.pairs = 100, 20
    if a.calls > a.pairs * a.pairs: sys.exit("--calls may be at most pairs * pairs")
    # Every mode runs, even after one that failed.
    sys.exit(0 if all([run(a, mode) for mode in a.modes.split(",")]) else 1)


if __name__ == "__main__":
    main()
