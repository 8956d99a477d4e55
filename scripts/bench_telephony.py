#!/usr/bin/env python3
"""make bench, telephony part (loopback only, bounded in time).

Load phase: the release server supervises DEVICES devices on `pbx-sim` in load mode (one simulator per --links, calls
split among them) while CLIENTS push clients listen, each signed in as the user owning DEVICES/CLIENTS of the devices.
The clients are held by one `tws-load` process (Sources/LoadClient): --poll-share of them long-poll `GET /events/poll`,
the others hold a WebSocket on `GET /events`. The simulators write every call event they send, with its wall-clock send
time (`--trace-events`); tws-load writes every call event its clients receive with its wall-clock receipt time. Joined
on (device, call id, event):

- latency: PBX event written to the CSTA socket -> received by the push client (p50/p99/max over every event), beside
  the floor of the same run: how late tws-load's own 10 ms timer fires on the task pool its clients run on (the delay
  any event suffers in the load client before it is noted, whatever the server does), and, for information, tws-load's
  `GET /health` round trips on the same push listener every 50 ms (plain HTTP on the push port, no event bus);
- lost: events the PBX sent during the window that the owning client never received (must be 0);
- clients cut off (close code or failure), resync events and seqs out of order, as tws-load saw them;
- the server's own counters (`GET /metrics`): events the link received vs the simulators sent; events handed to
  clients, read once the PBXs stopped and the clients went quiet with every client still listening, vs received by
  them (each of those must arrive; events handed as the clients close are reported apart); slow consumers cut off;
- CPU per call of the server and CPU per received event of tws-load (it must cost less than what it measures).

Every user holds TWS Alerter, so each incoming call's `delivered` event is followed by an `alerter` event carrying the
card rendered from the domain's template: its latency after the PBX's DeliveredEvent is reported next to the delivered
event's own, with the bytes of one card event.

Every user also holds TWS Rules and 5 advanced rules (issue 18): four whose callers never call, and one that forwards
calls from the 21xxx callers (a tenth of them) to an outside number at once. The simulator records each DeflectCall
request it receives (`DeflectCall` in the trace): the time from the PBX's DeliveredEvent at the called device to the
gateway's deflection is reported next to the plain delivered push latency of the same run (`--no-rules` leaves them out).

Also: calls/s placed, click-to-call round trips (POST /api/v1/calls until the callee's `delivered` arrives on the
probe's socket), server peak RSS and CPU, and the exact bytes of one click-to-call exchange.

Scale phase (--scale-devices, 0 skips it): that many devices over --scale-links simulators without calls; the seconds
from the server's start until all are monitored, and its peak RSS.

Users are created through the admin API; devices (and the scale phase's users) are copies of one API-made row written
into tws.sqlite while the server is stopped (see seed_devices). Figures go to results.json under `telephony.`.
"""
import argparse, asyncio, json, os, shutil, signal, socket, sqlite3, subprocess, sys, tempfile, time

import requests
import websockets

import bench_results
from tws_harness import (BENCH_ADMIN_PASSWORD, bench_admin, bench_tenant, free_port, grant_applications, percentile, proc_stat,
                         scrape, start_bench_server, start_load_sim, stop)

PUSH_NAMES = {
    "ServiceInitiatedEvent": "initiated", "OriginatedEvent": "originated", "DeliveredEvent": "delivered",
    "EstablishedEvent": "established", "ConnectionClearedEvent": "cleared", "HeldEvent": "held",
    "RetrievedEvent": "retrieved", "TransferedEvent": "transferred", "DivertedEvent": "diverted",
    "FailedEvent": "failed", "QueuedEvent": "queued",
}


# The demo's card (Sources/Server/DemoSeed.swift): every user of the bench renders it on each incoming call.
ALERTER_TEMPLATE = """<alerter vip="true">
  <text x="10" y="8">[-DisplayName-]</text>
  <text x="10" y="32">[-CompanyName-]</text>
  <text x="10" y="56">[-PhoneNumber-]</text>
  <text x="10" y="80" directory="none">Unknown caller</text>
  <text x="10" y="104">[-Contact2DisplayName-]</text>
  <image x="300" y="8">[-Picture-]</image>
  <button x="10" y="150" url="https://duckduckgo.com/?q=[-DisplayName-]">Search the web</button>
  <button x="150" y="150" url="mailto:[-Email1-]">Write a mail</button>
</alerter>"""


QUICK = {"devices": 10_000, "clients": 100, "cps": 50, "seconds": 30, "scale_devices": 20_000}
FULL = {"devices": 50_000, "clients": 1_000, "cps": 100, "seconds": 600, "scale_devices": 200_000}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin-dir", required=True)
    ap.add_argument("--quick", action="store_true", help=f"small sizes: {QUICK}")
    ap.add_argument("--devices", type=int, help=f"monitored devices of the load phase (full {FULL['devices']})")
    ap.add_argument("--clients", type=int, help=f"push clients held by tws-load (full {FULL['clients']})")
    ap.add_argument("--poll-share", type=float, default=0.2, help="share of the clients that long-poll instead of a WebSocket")
    ap.add_argument("--cps", type=float, help=f"calls per second placed by the simulators (full {FULL['cps']})")
    ap.add_argument("--seconds", type=int, help=f"measured window (full {FULL['seconds']})")
    ap.add_argument("--links", type=int, default=1, help="PBX links of the load phase, one pbx-sim each, devices and calls split evenly")
    ap.add_argument("--scale-devices", type=int, help=f"devices of the scale phase (full {FULL['scale_devices']}; 0 skips it)")
    ap.add_argument("--scale-links", type=int, default=4, help="PBX links (pbx-sim processes) of the scale phase")
    ap.add_argument("--probes", type=int, default=200)
    ap.add_argument("--no-rules", dest="rules", action="store_false", help="leave out the forwarding rules phase")
    ap.add_argument("--no-load", dest="load", action="store_false", help="skip the load phase (scale phase only)")
    a = ap.parse_args()
    for key, value in (QUICK if a.quick else FULL).items():
        if getattr(a, key) is None: setattr(a, key, value)
    ok = load_phase(a) if a.load else True
    if a.scale_devices: scale_phase(a)
    if not ok: sys.exit(1)


def load_phase(a):
    api, push = free_port(), free_port()
    base = f"http://127.0.0.1:{api}"
    data = tempfile.mkdtemp(prefix="tws-bench-")
    server_log = open(os.environ["BENCH_SERVER_LOG"], "w") if os.environ.get("BENCH_SERVER_LOG") else subprocess.DEVNULL
    server = start_bench_server(a.bin_dir, data, api, push, log=server_log)
    first, last = 20000, 20000 + a.devices - 1
    probe_a, probe_b = str(last + 1), str(last + 2)
    # One simulator per link, each with its share of the devices and of the calls; the probe's two devices on the first.
    per_link = a.devices // a.links
    sims, traces = [], []
    for i in range(a.links):
        lo, hi = first + i * per_link, (last if i == a.links - 1 else first + (i + 1) * per_link - 1)
        spec = f"{lo}-{hi}" + (f",{probe_a},{probe_b}" if i == 0 else "")
        traces.append(os.path.join(data, f"pbx-events-{i}.tsv"))
        port = free_port()
        sims.append((start_load_sim(a.bin_dir, port, spec, a.cps / a.links, hi - lo + 1, traces[-1]), port, hi - lo + 1 + (2 if i == 0 else 0)))
    out, load = "", None
    try:
        http = requests.Session()
        h = bench_admin(http, base)
        company, domain = bench_tenant(http, base, h)
        # Everyone is in one group holding TWS Alerter (with the demo's card template as the domain's) and TWS Caller
        # (click-to-call and device lines, issue 19); and TWS Rules unless --no-rules: the server runs their advanced
        # rules on each call delivered to them.
        agents = http.post(f"{base}/api/v1/admin/domains/{domain}/groups", json={"name": "Agents"}, headers=h).json()["id"]
        grant_applications(http, base, h, company, agents, ["Alerter", "Caller"] + (["Rules"] if a.rules else []), a.clients + 1)
        http.put(f"{base}/api/v1/admin/domains/{domain}/alerter-templates/default.xml", data=ALERTER_TEMPLATE.encode(),
                 headers={**h, "Content-Type": "application/xml"}).raise_for_status()
        t0 = time.time()
        per_user = a.devices // a.clients
        users, owner, devices = [], {}, []
        for i in range(a.clients + 1):  # the last user is the click-to-call probe
            uid = http.post(f"{base}/api/v1/admin/domains/{domain}/users", json={"username": f"u{i}", "password": "bench-password"}, headers=h).json()["id"]
            http.put(f"{base}/api/v1/admin/groups/{agents}/members/{uid}", headers=h).raise_for_status()
            numbers = [probe_a, probe_b] if i == a.clients else [str(first + i * per_user + j) for j in range(per_user)]
            devices += [(uid, n) for n in numbers]
            for n in numbers: owner[n] = i
            users.append(f"u{i}")
        # Devices: the first through the API, the others copies of its row written while the server is stopped (see
        # seed_devices); the server then starts on them as on any database.
        server, http, h = seed_devices(a, server, data, api, push, base, http, h, devices, server_log)
        seeded = time.time() - t0
        t1 = time.time()
        for i, (_, port, count) in enumerate(sims):
            http.post(f"{base}/api/v1/admin/domains/{domain}/pbx-links",
                      json={"host": "127.0.0.1", "port": port, "capacity": count, "pbxType": "simulator"}, headers=h).raise_for_status()
        monitored = wait_monitored(http, base, h, a.devices + 2, t1)
        tokens = [http.post(f"{base}/api/v1/auth/login", json={"username": u, "password": "bench-password"}).json()["token"] for u in users]
        probe_token = tokens.pop()
        if a.rules: add_rules(http, base, h, data, company, domain, tokens)

        # Bytes of one click-to-call exchange on a fresh HTTP/1.1 connection (request and response, headers included).
        body = json.dumps({"number": probe_b}, separators=(",", ":"))
        raw = (f"POST /api/v1/calls HTTP/1.1\r\nHost: 127.0.0.1:{api}\r\nAuthorization: Bearer {probe_token}\r\n"
               f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n{body}").encode()
        s = socket.create_connection(("127.0.0.1", api)); s.sendall(raw)
        answer = b""
        while chunk := s.recv(65536): answer += chunk
        s.close()
        call_id = json.loads(answer.split(b"\r\n\r\n", 1)[1])["callId"]
        http.post(f"{base}/api/v1/calls/{call_id}/hangup", headers={"Authorization": f"Bearer {probe_token}"})
        exchange = (len(raw), len(answer), len(answer.split(b"\r\n\r\n", 1)[1]))

        token_file, receipts_file = os.path.join(data, "tokens.txt"), os.path.join(data, "received.tsv")
        with open(token_file, "w") as f: f.write("\n".join(tokens) + "\n")
        load = subprocess.Popen([f"{a.bin_dir}/tws-load", "--push", f"http://127.0.0.1:{push}", "--tokens", token_file,
                                 "--poll-share", str(a.poll_share), "--events", receipts_file],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        ready = json.loads(load.stdout.readline() or "{}")
        if ready.get("status") != "ready": sys.exit(f"tws-load did not start: {ready}")
        result = asyncio.run(run_load(a, push, base, probe_token, probe_b, [sim for sim, _, _ in sims], server, load))
        cpu, rss = result["server_cpu"], proc_stat(server.pid)[1]
        out = result["sim_out"]
        # The counters once tws-load has read everything (it drains until no event came for 2 s).
        load.stdin.write("drain\n"); load.stdin.flush()
        summary = json.loads(load.stdout.readline() or "{}")
        load.wait(timeout=60)
        metrics = {m: scrape(base, m) for m in ["tws_pbx_link_events_received_total", "tws_push_events_published_total",
                                                   "tws_push_events_delivered_total", "tws_push_slow_consumers_total"]}
        result.update(read_receipts(receipts_file))
    finally:
        if load and load.poll() is None: load.kill()
        for sim, _, _ in sims:
            out = stop_sim(sim) + out
        stop(server)
    try:
        return report(a, result, summary, counters_of(out), metrics, traces, (probe_a, probe_b), seeded, monitored, exchange, (cpu, rss))
    finally:
        if os.environ.get("BENCH_KEEP_DATA"): print(f"data kept in {data}")
        else: shutil.rmtree(data, ignore_errors=True)


def copy_rows(db, table, template_id, overrides):
    """Inserts one copy of row `template_id` of `table` per dict of `overrides` (new ids); answers their ids."""
    cursor = db.execute(f'SELECT * FROM "{table}" WHERE id = ?', (template_id,))
    columns = [d[0] for d in cursor.description]
    template = dict(zip(columns, cursor.fetchone()))
    wanted = [c for c in columns if c != "id"]
    sql = f'INSERT INTO "{table}" ({", ".join(wanted)}) VALUES ({", ".join("?" * len(wanted))})'
    before = db.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"').fetchone()[0]
    db.executemany(sql, ([{**template, **row}[c] for c in wanted] for row in overrides))
    return list(range(before + 1, before + 1 + len(overrides)))


def seed_devices(a, server, data, api, push, base, http, h, devices, log, users=None):
    """Seeding 50,000-200,000 devices through POST /api/v1/admin/users/{id}/devices costs 2-3 ms each (26 s per 10,000
    before, on 2 cores): the first device is created through the API, then the server is stopped and every other device
    (and, given `users` as (template user id, usernames), users) is written into tws.sqlite as a copy of that row with
    its own number and owner, in one transaction, and the server started again on it, like any restart (the database is
    only read by the server). Answers the new server process, a session to it and an administrator's header."""
    uid, number = devices[0]
    http.post(f"{base}/api/v1/admin/users/{uid}/devices", json={"number": number}, headers=h).raise_for_status()
    template = http.get(f"{base}/api/v1/admin/users/{uid}/devices", headers=h).json()
    template = (template.get("items", template) if isinstance(template, dict) else template)[0]["id"]
    stop(server)
    db = sqlite3.connect(os.path.join(data, "tws.sqlite"))
    db.execute("PRAGMA synchronous=OFF")
    with db:
        if users:
            template_user, names = users
            ids = copy_rows(db, "user", template_user, [{"username": n} for n in names])
            owners = dict(zip(names, ids))
            devices = [(owners.get(u, u), n) for u, n in devices]
        copy_rows(db, "device", template, [{"userId": u, "number": n} for u, n in devices[1:]])
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    server = start_bench_server(a.bin_dir, data, api, push, log=log)
    http = requests.Session()
    token = http.post(f"{base}/api/v1/admin/auth/login", json={"username": "tws", "password": BENCH_ADMIN_PASSWORD}).json()["token"]
    return server, http, {"Authorization": f"Bearer {token}"}


def wait_monitored(http, base, h, devices, since, limit=300):
    """Waits until the links together monitor `devices` devices; answers the seconds since `since`."""
    while True:
        links = http.get(f"{base}/api/v1/admin/telephony/links", headers=h).json()
        if sum(link["current"] for link in links) >= devices:
            return time.time() - since
        if time.time() - since > limit:
            sys.exit(f"monitors not up after {limit} s: {[(l['current'], l['capacity'], l.get('lastError')) for l in links]}")
        time.sleep(0.25)


# Four rules for callers that never call (numbers outside the load's range, prefixes of none of them) and, last, the
# one that fires: callers 21000-21999 (a tenth of the 20000-29999 range) go at once to an outside number.
RULES = [
    {"name": "Board", "origin": {"match": "numbers", "numbers": ["0140000000", "0140000001"]}},
    {"name": "Suppliers", "origin": {"match": "numbers", "numbers": ["0155*"]}},
    {"name": "Partners", "origin": {"match": "numbers", "numbers": ["+4420*", "+4930*"]}},
    {"name": "Night line", "origin": {"match": "numbers", "numbers": ["9999*"]}},
    {"name": "Key accounts", "origin": {"match": "numbers", "numbers": ["21*"]}},
]
RULE_DESTINATION = "0600000001"


def add_rules(http, base, h, data, company, domain, tokens):
    """Gives every user the five advanced rules: through POST /api/v1/rules, or (where this build's rule endpoints are
    not there yet) written straight into the server's database, followed by a configuration change so that the server
    reads them."""
    probe = http.post(f"{base}/api/v1/rules", json=rule_input(RULES[0], 1), headers={"Authorization": f"Bearer {tokens[0]}"})
    if probe.status_code == 201:
        for i, token in enumerate(tokens):
            for priority, rule in enumerate(RULES, 1):
                if i == 0 and priority == 1: continue
                http.post(f"{base}/api/v1/rules", json=rule_input(rule, priority), headers={"Authorization": f"Bearer {token}"}).raise_for_status()
        return
    db = sqlite3.connect(os.path.join(data, "tws.sqlite"), timeout=30)
    users = [row[0] for row in db.execute("SELECT id FROM user WHERE domainId = ? ORDER BY id", (domain,))][:len(tokens)]
    now = time.strftime("%Y-%m-%d %H:%M:%S.000", time.gmtime())
    action = json.dumps({"type": "immediate", "destination": {"kind": "number", "number": RULE_DESTINATION}})
    rows = []
    for user in users:
        for priority, rule in enumerate(RULES, 1):
            origin = {"match": "numbers", "numbers": rule["origin"]["numbers"], "except": False}
            rows.append((company, domain, user, rule["name"], priority, action, json.dumps({"origin": origin}), now))
    with db:
        db.executemany("INSERT INTO forwarding_rule (companyId, domainId, userId, groupId, imposed, name, kind, active, priority, source, action, "
                       "conditions, updatedAt) VALUES (?, ?, ?, NULL, 0, ?, 'advanced', 1, ?, 'user', ?, ?, ?)", rows)
    db.close()
    # A configuration write through the server: what it derived from the configuration (the rules it runs) is read again.
    http.put(f"{base}/api/v1/admin/parameter-values/domain/{domain}/Rules/WAITTIMENOREPLY", json={"value": "15"}, headers=h).raise_for_status()


def rule_input(rule, priority):
    return {"name": rule["name"], "kind": "advanced", "priority": priority,
            "forward": {"type": "immediate", "destination": {"kind": "number", "number": RULE_DESTINATION}},
            "conditions": {"origin": rule["origin"]}}


def stop_sim(sim):
    """Stops a simulator (SIGINT: it prints its counters); answers its output."""
    if sim.poll() is not None: return ""
    sim.send_signal(signal.SIGINT)
    try: return sim.communicate(timeout=30)[0] or ""
    except subprocess.TimeoutExpired:
        sim.kill()
        return ""


def counters_of(out):
    """The simulators' counters (one JSON line each when they stop), summed."""
    counters = {}
    for line in (out or "").splitlines():
        try: found = json.loads(line).get("counters") or {}
        except ValueError: continue
        for k, v in found.items():
            if isinstance(v, (int, float)): counters[k] = counters.get(k, 0) + v
    return counters


def read_receipts(path):
    """tws-load's receipt file: the first receipt of each (device, call id, event), the Alerter cards, frame sizes."""
    received, transport, cards, card_bytes, delivered_bytes, by_transport, resyncs = {}, {}, {}, [], [], {}, []
    with open(path) as f:
        for line in f:
            t, _client, transport_name, kind, device, call, event, size = line.rstrip("\n").split("\t")
            t, size = int(t), int(size)
            by_transport[transport_name] = by_transport.get(transport_name, 0) + 1
            if kind == "resync":
                resyncs.append(t)
                continue
            if kind == "alerter":
                cards.setdefault((device, call), t)
                if size and len(card_bytes) < 1000: card_bytes.append(size)
                continue
            if (device, call, event) not in received:
                received[(device, call, event)] = t
                transport[(device, call, event)] = transport_name
            if event == "delivered" and size and len(delivered_bytes) < 1000: delivered_bytes.append(size)
    return {"received": received, "transport": transport, "cards": cards, "card_bytes": card_bytes, "delivered_bytes": delivered_bytes, "by_transport": by_transport,
            "resync_times": sorted(resyncs)}


def report(a, result, summary, counters, metrics, traces, probes, seeded, monitored, exchange, usage):
    probe_a, probe_b = probes
    cpu, rss = usage
    # Join what the PBX sent with what the owners' clients received.
    window_start, window_end = result["window"]
    sent, calls_placed, deflections, probe_trace = {}, 0, {}, []
    for trace_file in traces:
        with open(trace_file) as f:
            for line in f:
                t, device, call, event = line.rstrip("\n").split("\t")
                t = int(t)
                if not window_start <= t <= window_end: continue
                if device in (probe_a, probe_b):
                    probe_trace.append((t, device, event))
                    continue
                # A request the gateway sent (rules run by the server), not an event its clients should receive.
                if event == "DeflectCall":
                    deflections.setdefault((device, call), t)
                    continue
                key = (device, call, PUSH_NAMES.get(event, event))
                if key not in sent: sent[key] = t
                if event == "ServiceInitiatedEvent": calls_placed += 1
    received = dict(result["received"])
    # A call diverted away from a device (a rule's DeflectCall) leaves its line: the owner is told `cleared`.
    for (device, call, name), t in list(sent.items()):
        if name == "diverted" and (device, call, name) not in received and (device, call, "cleared") in received:
            received[(device, call, name)] = received[(device, call, "cleared")]
    latencies = sorted((received[k] - t) / 1e6 for k, t in sent.items() if k in received)
    lost = [k for k in sent if k not in received]
    rt = sorted(result["round_trips"])
    window_s = (window_end - window_start) / 1e9
    floor = sorted(summary.get("latenessMs") or [])
    health = sorted(summary.get("healthMs") or [])
    transports = result["transport"]
    by_transport = {tr: sorted((received[k] - t) / 1e6 for k, t in sent.items() if k in received and transports.get(k) == tr) for tr in ("ws", "poll")}
    clients_events = summary.get("events", 0) + result["probe_events"]
    window_receipts = sum(1 for k, t in result["received"].items() if window_start <= t <= window_end)
    webs = summary.get("webSockets", 0)

    print(f"== telephony: {a.devices} monitored devices on {a.links} link(s), {a.cps:g} calls/s asked for {a.seconds} s, "
          f"{a.clients} push clients in tws-load ({a.poll_share:.0%} long-poll)")
    print(f"setup: {a.clients + 1} users through the API, {a.devices + 2} devices seeded in {seeded:.1f} s (users and the first device "
          f"through the API, the others copied in SQLite while the server was stopped); all monitored {monitored:.1f} s after the links were created")
    print(f"calls placed by the simulators in the window: {calls_placed} in {window_s:.1f} s = {calls_placed / window_s:.1f} calls/s")
    print(f"simulator totals: {json.dumps(counters, sort_keys=True)}")
    print(f"PBX event -> push client ({len(latencies)} events): p50 {percentile(latencies, 0.5):.2f} ms, "
          f"p99 {percentile(latencies, 0.99):.2f} ms, max {percentile(latencies, 1.0):.2f} ms")
    for tr, values in by_transport.items():
        print(f"  through {'WebSockets' if tr == 'ws' else 'long-polls'} ({len(values)} events): p50 {percentile(values, 0.5):.2f} ms, "
              f"p99 {percentile(values, 0.99):.2f} ms, max {percentile(values, 1.0):.2f} ms")
    print(f"floor of the same run: tws-load's 10 ms timer fired late by p50 {percentile(floor, 0.5):.2f} ms, p99 {percentile(floor, 0.99):.2f} ms, "
          f"max {percentile(floor, 1.0):.2f} ms ({len(floor)} samples); GET /health on the push port from tws-load every 50 ms: "
          f"p50 {percentile(health, 0.5):.2f} ms, p99 {percentile(health, 0.99):.2f} ms ({len(health)} round trips)")
    cards = result["cards"]
    delivered_sent = {k: t for k, t in sent.items() if k[2] == "delivered"}
    card_latencies = sorted((cards[(d, c)] - t) / 1e6 for (d, c, _), t in delivered_sent.items() if (d, c) in cards)
    delivered_latencies = sorted((received[k] - t) / 1e6 for k, t in delivered_sent.items() if (k[0], k[1]) in cards and k in received)
    print(f"PBX DeliveredEvent -> alerter card event on the owner's socket ({len(card_latencies)} cards): p50 {percentile(card_latencies, 0.5):.2f} ms, "
          f"p99 {percentile(card_latencies, 0.99):.2f} ms; the same calls' delivered event: p50 {percentile(delivered_latencies, 0.5):.2f} ms, "
          f"p99 {percentile(delivered_latencies, 0.99):.2f} ms")
    if a.rules:
        deflect_latencies = sorted((t - sent[(d, c, "delivered")]) / 1e6 for (d, c), t in deflections.items() if (d, c, "delivered") in sent)
        forwarded_delivered = sorted((received[(d, c, "delivered")] - sent[(d, c, "delivered")]) / 1e6
                                     for (d, c) in deflections if (d, c, "delivered") in sent and (d, c, "delivered") in received)
        print(f"rules (5 advanced rules per user, one matching a tenth of the callers): PBX DeliveredEvent -> gateway's DeflectCall "
              f"({len(deflect_latencies)} calls forwarded): p50 {percentile(deflect_latencies, 0.5):.2f} ms, p99 {percentile(deflect_latencies, 0.99):.2f} ms, "
              f"max {percentile(deflect_latencies, 1.0):.2f} ms; the same calls' delivered event on the owner's socket: "
              f"p50 {percentile(forwarded_delivered, 0.5):.2f} ms, p99 {percentile(forwarded_delivered, 0.99):.2f} ms")
    sizes = sorted(result["card_bytes"])
    if sizes:
        print(f"alerter card event: {sizes[len(sizes) // 2]} bytes (median; {sizes[0]}-{sizes[-1]}), "
              f"its delivered event {percentile(sorted(result['delivered_bytes']), 0.5)} bytes")
    print(f"lost: {len(lost)} of {len(sent)} call events the PBX sent in the window never reached their owner's client"
          + (f" (e.g. {lost[:3]})" if lost else ""))
    print(f"server counters: link received {metrics['tws_pbx_link_events_received_total']:.0f} events vs simulators sent "
          f"{counters.get('eventsSent', 0)}; push published {metrics['tws_push_events_published_total']:.0f}, handed to clients "
          f"{result['handed_while_listening']:.0f} while every client listened (all must arrive) vs received by clients {clients_events}, "
          f"{metrics['tws_push_events_delivered_total'] - clients_events:.0f} more handed as the clients closed; "
          f"slow consumers cut off {metrics['tws_push_slow_consumers_total']:.0f}")
    print(f"clients: {webs} WebSockets, {summary.get('pollers', 0)} long-polls ({summary.get('polls', 0)} answers); receipts by transport "
          f"{result['by_transport']}; cut off {summary.get('cutOff')} {summary.get('cutOffBy') or ''}, {summary.get('resyncs')} resync events, "
          f"{summary.get('outOfOrder')} seqs out of order, failed requests {summary.get('failures') or 0}")
    if result["resync_times"]:
        times = [(t - window_start) / 1e9 for t in result["resync_times"]]
        print(f"  resyncs received from {times[0]:.1f} s to {times[-1]:.1f} s after the window began")
    print(f"click-to-call -> callee delivered on WebSocket ({len(rt)} probes): p50 {percentile(rt, 0.5):.1f} ms, "
          f"p99 {percentile(rt, 0.99):.1f} ms (REST request included); {result['probe_timeouts']} probes without their event within 10 s")
    # A probe without its event: did the PBX send the callee's DeliveredEvent in those 10 s? If it did, the server
    # lost it; if not, the simulator never delivered that call (not a push loss).
    probe_lost = 0
    for miss in result["probe_misses"]:
        pbx = [f"{device}:{event}" for t, device, event in probe_trace if miss["from"] <= t <= miss["to"]]
        delivered = f"{probe_b}:DeliveredEvent" in pbx
        probe_lost += delivered
        print(f"  probe call {miss['callId']}: the PBX sent {pbx or 'nothing'} for the probe's devices; the probe's socket got "
              f"{miss['seen'] or 'nothing'}: " + ("THE SERVER LOST THE DELIVERED EVENT" if delivered else "the PBX never delivered the call"))
    elapsed = result["elapsed"]
    print(f"server: peak RSS {rss:.0f} MiB, CPU {100 * cpu / elapsed:.0f}% of one core over the window = "
          f"{1000 * cpu / max(1, calls_placed):.2f} ms per call; simulators {100 * result['sim_cpu'] / elapsed:.0f}%; "
          f"tws-load {100 * result['load_cpu'] / elapsed:.0f}% = {1e6 * result['load_cpu'] / max(1, window_receipts):.0f} us per call event received "
          f"({window_receipts} in the window), peak RSS {summary.get('peakRssMiB', 0):.0f} MiB")
    print(f"click-to-call exchange: request {exchange[0]} bytes, response {exchange[1]} bytes ({exchange[2]} of JSON body)")
    ok = not lost and not probe_lost and summary.get("cutOff") == 0 and summary.get("resyncs") == 0 and summary.get("outOfOrder") == 0 \
        and result["handed_while_listening"] <= clients_events <= metrics["tws_push_events_delivered_total"] \
        and metrics["tws_pbx_link_events_received_total"] == counters.get("eventsSent")
    print("events: none lost" if ok else "events: LOSS OR MISMATCH (see above)")
    p99 = percentile(latencies, 0.99)
    bench_results.record_many({
        "telephony.devices": a.devices, "telephony.clients": a.clients, "telephony.links": a.links,
        "telephony.websockets": webs, "telephony.long_polls": summary.get("pollers", 0),
        "telephony.calls_per_second": calls_placed / window_s, "telephony.calls": calls_placed, "telephony.window_s": window_s,
        "telephony.monitored_seconds": monitored, "telephony.seeded_seconds": seeded,
        "telephony.events_sent": len(sent), "telephony.events_lost": len(lost),
        "telephony.events_handed": result["handed_while_listening"], "telephony.events_received": clients_events,
        "telephony.clients_cut_off": summary.get("cutOff"), "telephony.slow_consumers": metrics["tws_push_slow_consumers_total"],
        "telephony.resyncs": summary.get("resyncs"), "telephony.seqs_out_of_order": summary.get("outOfOrder"),
        "telephony.rss_mib": rss, "telephony.cpu_ms_per_call": 1000 * cpu / max(1, calls_placed),
        "telephony.cpu_share": cpu / elapsed, "telephony.push_p50_ms": percentile(latencies, 0.5),
        "telephony.load_client.cpu_us_per_event": 1e6 * result["load_cpu"] / max(1, window_receipts),
        "telephony.load_client.cpu_share": result["load_cpu"] / elapsed, "telephony.simulator.cpu_share": result["sim_cpu"] / elapsed,
        "telephony.floor_p50_ms": percentile(floor, 0.5), "telephony.health_p99_ms": percentile(health, 0.99),
        "telephony.push_ws_p99_ms": percentile(by_transport["ws"], 0.99), "telephony.push_poll_p99_ms": percentile(by_transport["poll"], 0.99), "telephony.alerter_p99_ms": percentile(card_latencies, 0.99),
        "telephony.click_to_call_p99_ms": percentile(rt, 0.99), "telephony.click_to_call_timeouts": result["probe_timeouts"], "telephony.click_to_call_lost": probe_lost,
        "telephony.ok": ok,
    })
    # (record_ratio would name the ratio after the key's prefix, `telephony.ratio`.)
    floor99 = percentile(floor, 0.99)
    bench_results.record_many({"telephony.push_p99_ms": p99, "telephony.floor_p99_ms": floor99,
                               "telephony.push_p99_floor_ratio": p99 / floor99 if floor99 else None})
    return ok


async def run_load(a, push, base, probe_token, probe_b, sims, server, load):
    """The measured window: the simulators place calls while tws-load listens; the probe user clicks to call meanwhile.
    Then the simulators stop (what they sent is in their traces) and the probe's socket is read until quiet."""
    stats = {"round_trips": [], "probe_events": 0, "probe_timeouts": 0, "probe_misses": []}
    probe = await websockets.connect(f"ws://127.0.0.1:{push}/events?access_token={probe_token}", max_queue=None)
    await asyncio.sleep(0.5)
    window_start = time.time_ns()
    started = time.time()
    cpu0, load0 = proc_stat(server.pid)[0], proc_stat(load.pid)[0]
    sim0 = sum(proc_stat(sim.pid)[0] for sim in sims)
    loop = asyncio.get_running_loop()
    session = requests.Session()
    hdr = {"Authorization": f"Bearer {probe_token}"}
    end = time.time() + a.seconds
    interval = a.seconds / max(1, a.probes)
    while time.time() < end:
        t, t_ns = time.perf_counter(), time.time_ns()
        r = await loop.run_in_executor(None, lambda: session.post(f"{base}/api/v1/calls", json={"number": probe_b}, headers=hdr))
        if r.status_code == 201:
            seen = []
            try:
                while True:
                    event = json.loads(await asyncio.wait_for(probe.recv(), 10))
                    stats["probe_events"] += 1
                    call = event.get("call") or {}
                    seen.append(f"{call.get('device')}:{call.get('event') or event.get('type')}")
                    if call.get("event") == "delivered" and call.get("device") == probe_b: break
                stats["round_trips"].append((time.perf_counter() - t) * 1000)
            except asyncio.TimeoutError:
                stats["probe_timeouts"] += 1
                # What the PBX sent for the probe's devices in those 10 s decides whether an event was lost (report).
                stats["probe_misses"].append({"from": t_ns, "to": time.time_ns(), "callId": r.json().get("callId"), "seen": seen})
            await loop.run_in_executor(None, lambda: session.post(f"{base}/api/v1/calls/{r.json()['callId']}/hangup", headers=hdr))
        await asyncio.sleep(max(0, interval - (time.perf_counter() - t)))
    window_end = time.time_ns()
    stats["elapsed"] = time.time() - started
    stats["server_cpu"] = proc_stat(server.pid)[0] - cpu0
    stats["load_cpu"] = proc_stat(load.pid)[0] - load0
    stats["sim_cpu"] = sum(proc_stat(sim.pid)[0] for sim in sims) - sim0
    # Stop the PBXs: what they sent until now is in their traces; the link-down burst that follows reaches the clients too.
    stats["sim_out"] = "".join(await asyncio.gather(*(loop.run_in_executor(None, stop_sim, sim) for sim in sims)))
    # The probe's socket is read until quiet. Then, with every client still listening, the server's count of events
    # handed to clients is read: each of those must reach a client. (Counted after the clients closed instead, an event
    # the server takes for a socket as it closes counts on the server's side only.)
    async def read_probe(quiet):
        while True:
            try: await asyncio.wait_for(probe.recv(), quiet)
            except asyncio.TimeoutError: break
            stats["probe_events"] += 1
    await read_probe(3)

    def counted():
        load.stdin.write("count\n"); load.stdin.flush()
        answer = json.loads(load.stdout.readline() or "{}")
        if answer.get("status") != "counted": sys.exit(f"tws-load did not count: {answer}")
        return scrape(base, "tws_push_events_delivered_total")
    stats["handed_while_listening"] = await loop.run_in_executor(None, counted)
    await read_probe(1)
    await probe.close()
    stats["window"] = (window_start, window_end)
    return stats


def scale_phase(a):
    """`--scale-devices` devices over `--scale-links` simulators (no calls): seeded in SQLite, then the server started on
    them; the seconds from the server's start until every device is monitored, and its peak RSS then."""
    api, push = free_port(), free_port()
    base = f"http://127.0.0.1:{api}"
    data = tempfile.mkdtemp(prefix="tws-bench-scale-")
    per_link = a.scale_devices // a.scale_links
    first = 100000
    sims = []
    for i in range(a.scale_links):
        port = free_port()
        sim = subprocess.Popen([f"{a.bin_dir}/pbx-sim", "--port", str(port), "--devices", f"{first + i * per_link}-{first + (i + 1) * per_link - 1}",
                                "--log-level", "warning"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        if "listening" not in (sim.stdout.readline() or ""): sys.exit("pbx-sim did not start")
        sims.append((sim, port))
    devices = a.scale_devices // a.scale_links * a.scale_links
    server = start_bench_server(a.bin_dir, data, api, push)
    try:
        http = requests.Session()
        h = bench_admin(http, base)
        company = http.post(f"{base}/api/v1/admin/companies", json={"name": "Scale"}, headers=h).json()["id"]
        domain = http.post(f"{base}/api/v1/admin/domains", json={"companyId": company, "name": "Scale", "numberingPlanLength": 6},
                           headers=h).json()["id"]
        for sim, port in sims:
            http.post(f"{base}/api/v1/admin/domains/{domain}/pbx-links",
                      json={"host": "127.0.0.1", "port": port, "capacity": per_link, "pbxType": "simulator"}, headers=h).raise_for_status()
        # A user per 10 devices: the first user and device through the API, the others copied in SQLite.
        uid = http.post(f"{base}/api/v1/admin/domains/{domain}/users", json={"username": "s0", "password": "bench-password"}, headers=h).json()["id"]
        names = [f"s{i}" for i in range(1, devices // 10)]
        owners = [uid] + names
        device_rows = [(owners[i // 10], str(first + i)) for i in range(devices)]
        t0 = time.time()
        server, http, h = seed_devices(a, server, data, api, push, base, http, h, device_rows, subprocess.DEVNULL, users=(uid, names))
        seeded = time.time() - t0
        started = time.time()  # (the new process answered /health just now)
        monitored = wait_monitored(http, base, h, devices, started, limit=180)
        time.sleep(2)
        _, rss = proc_stat(server.pid)
        cpu, _ = proc_stat(server.pid)
        states = http.get(f"{base}/api/v1/admin/telephony/links", headers=h).json()
    finally:
        for sim, _ in sims: stop_sim(sim)
        stop(server)
        shutil.rmtree(data, ignore_errors=True)
    print(f"== telephony scale: {devices} devices over {a.scale_links} links ({per_link} each), {devices // 10} users")
    print(f"seeded in {seeded:.1f} s (SQLite copies of an API-made user and device, server restarted on them)")
    print(f"all {sum(s['current'] for s in states)} monitored {monitored:.1f} s after the server answered /health (target: 60 s); "
          f"server peak RSS {rss:.0f} MiB (target: < 512 MiB); server CPU until then {cpu:.1f} s")
    bench_results.record_many({"telephony.scale.devices": devices, "telephony.scale.links": a.scale_links,
                               "telephony.scale.monitored_seconds": monitored, "telephony.scale.rss_mib": rss,
                               "telephony.scale.cpu_s": cpu, "telephony.scale.seeded_seconds": seeded,
                               "telephony.scale.target_met": monitored <= 60 and rss < 512})


if __name__ == "__main__":
    main()
