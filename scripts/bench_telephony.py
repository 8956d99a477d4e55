#!/usr/bin/env python3
"""make bench, telephony part (loopback only, bounded in time).

The release server supervises DEVICES devices on `pbx-sim` in load mode while CLIENTS WebSocket clients listen on the
push channel, each signed in as the user owning DEVICES/CLIENTS of the devices. The simulator writes every call event it
sends, with its wall-clock send time (`--trace-events`); every client notes every call event it receives with its
wall-clock receipt time. Joined on (device, call id, event):

- latency: PBX event written to the CSTA socket -> received by the WebSocket client (p50/p99/max over every event);
- lost: events the PBX sent during the window that the owning client never received (must be 0);
- the server's own counters (`GET /metrics`): events the link received vs the simulator sent, events handed to
  sockets vs received by the clients, slow consumers cut off.

Every user holds TWS Alerter, so each incoming call's `delivered` event is followed by an `alerter` event carrying the
card rendered from the domain's template: its latency after the PBX's DeliveredEvent is reported next to the delivered
event's own, with the bytes of one card event.

Every user also holds TWS Rules and 5 advanced rules (issue 18): four whose callers never call, and one that forwards
calls from the 21xxx callers (a tenth of them) to an outside number at once. The simulator records each DeflectCall
request it receives (`DeflectCall` in the trace): the time from the PBX's DeliveredEvent at the called device to the
gateway's deflection is reported next to the plain delivered push latency of the same run (`--no-rules` leaves them out).

Also: calls/s placed, click-to-call round trips (POST /api/v1/calls until the callee's `delivered` arrives on the
caller's socket), server peak RSS and CPU, and the exact bytes of one click-to-call exchange.
"""
import argparse, asyncio, json, os, shutil, signal, socket, sqlite3, subprocess, sys, tempfile, time

import requests
import websockets

from tws_harness import (bench_admin, bench_tenant, free_port, grant_applications, link_and_wait_monitored, percentile,
                         proc_stat, scrape, start_bench_server, start_load_sim, stop_bench_processes)

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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin-dir", required=True)
    ap.add_argument("--devices", type=int, default=10_000)
    ap.add_argument("--clients", type=int, default=100)
    ap.add_argument("--cps", type=float, default=50)
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--probes", type=int, default=200)
    ap.add_argument("--no-rules", dest="rules", action="store_false", help="leave out the forwarding rules phase")
    a = ap.parse_args()

    api, push, pbx = free_port(), free_port(), free_port()
    base = f"http://127.0.0.1:{api}"
    data = tempfile.mkdtemp(prefix="tws-bench-")
    trace_file = os.path.join(data, "pbx-events.tsv")
    server_log = open(os.environ["BENCH_SERVER_LOG"], "w") if os.environ.get("BENCH_SERVER_LOG") else subprocess.DEVNULL
    server = start_bench_server(a.bin_dir, data, api, push, log=server_log)
    first, last = 20000, 20000 + a.devices - 1
    probe_a, probe_b = str(last + 1), str(last + 2)
    sim = start_load_sim(a.bin_dir, pbx, f"{first}-{last + 2}", a.cps, a.devices, trace_file)
    out = ""
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
        users, owner = [], {}
        for i in range(a.clients + 1):  # the last user is the click-to-call probe
            uid = http.post(f"{base}/api/v1/admin/domains/{domain}/users", json={"username": f"u{i}", "password": "bench-password"}, headers=h).json()["id"]
            http.put(f"{base}/api/v1/admin/groups/{agents}/members/{uid}", headers=h).raise_for_status()
            numbers = [probe_a, probe_b] if i == a.clients else [str(first + i * per_user + j) for j in range(per_user)]
            for n in numbers:
                http.post(f"{base}/api/v1/admin/users/{uid}/devices", json={"number": n}, headers=h).raise_for_status()
                owner[n] = i
            users.append(f"u{i}")
        seeded = time.time() - t0
        monitored = link_and_wait_monitored(http, base, h, domain, pbx, a.devices + 2)
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

        cpu0, _ = proc_stat(server.pid)
        sim_cpu0, _ = proc_stat(sim.pid)
        result = asyncio.run(run_load(a, push, base, tokens, probe_token, probe_b, sim))
        cpu1, rss = proc_stat(server.pid)
        sim_cpu1 = result["sim_cpu"]
        out = result["sim_out"]
        metrics = {m: scrape(base, m) for m in ["tws_pbx_link_events_received_total", "tws_push_events_published_total",
                                                   "tws_push_events_delivered_total", "tws_push_slow_consumers_total"]}
    finally:
        out = stop_bench_processes(sim, server) or out
    try:
        report(a, result, counters_of(out), metrics, trace_file, (probe_a, probe_b), seeded, monitored, exchange,
               (cpu1 - cpu0, sim_cpu1 - sim_cpu0, rss))
    finally:
        if os.environ.get("BENCH_KEEP_DATA"): print(f"data kept in {data}")
        else: shutil.rmtree(data, ignore_errors=True)


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


def counters_of(out):
    counters = {}
    for line in (out or "").splitlines():
        try: counters = json.loads(line).get("counters", counters) or counters
        except ValueError: pass
    return counters


def report(a, result, counters, metrics, trace_file, probes, seeded, monitored, exchange, usage):
    probe_a, probe_b = probes
    cpu, sim_cpu, rss = usage
    # Join what the PBX sent with what the owners' sockets received.
    window_start, window_end = result["window"]
    sent, calls_placed, deflections = {}, 0, {}
    with open(trace_file) as f:
        for line in f:
            t, device, call, event = line.rstrip("\n").split("\t")
            t = int(t)
            if not window_start <= t <= window_end or device in (probe_a, probe_b): continue
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

    print(f"== telephony: {a.devices} monitored devices, {a.cps:g} calls/s asked for {a.seconds} s, {a.clients} WebSocket clients")
    print(f"setup: {a.clients + 1} users / {a.devices + 2} devices seeded in {seeded:.1f} s; all monitored {monitored:.1f} s after the link was created (link planning runs every 10 s)")
    print(f"calls placed by the simulator in the window: {calls_placed} in {window_s:.1f} s = {calls_placed / window_s:.1f} calls/s")
    print(f"simulator totals: {json.dumps(counters, sort_keys=True)}")
    print(f"PBX event -> WebSocket client ({len(latencies)} events): p50 {percentile(latencies, 0.5):.2f} ms, "
          f"p99 {percentile(latencies, 0.99):.2f} ms, max {percentile(latencies, 1.0):.2f} ms")
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
    print(f"lost: {len(lost)} of {len(sent)} call events the PBX sent in the window never reached their owner's socket"
          + (f" (e.g. {lost[:3]})" if lost else ""))
    print(f"server counters: link received {metrics['tws_pbx_link_events_received_total']:.0f} events vs simulator sent "
          f"{counters.get('eventsSent', 0)}; push published {metrics['tws_push_events_published_total']:.0f}, handed to sockets "
          f"{metrics['tws_push_events_delivered_total']:.0f} vs received by clients {result['events']}; "
          f"slow consumers cut off {metrics['tws_push_slow_consumers_total']:.0f}")
    print(f"clients: {result['closed']} connections closed by the server, {result['resyncs']} resync events, "
          f"{result['out_of_order']} seqs out of order")
    print(f"click-to-call -> callee delivered on WebSocket ({len(rt)} probes): p50 {percentile(rt, 0.5):.1f} ms, "
          f"p99 {percentile(rt, 0.99):.1f} ms (REST request included)")
    print(f"server: peak RSS {rss:.0f} MiB, CPU {100 * cpu / result['elapsed']:.0f}% of one core over the run; "
          f"simulator CPU {100 * sim_cpu / result['elapsed']:.0f}%")
    print(f"click-to-call exchange: request {exchange[0]} bytes, response {exchange[1]} bytes ({exchange[2]} of JSON body)")
    ok = not lost and result["closed"] == 0 and result["resyncs"] == 0 and result["out_of_order"] == 0 \
        and metrics["tws_push_events_delivered_total"] == result["events"] \
        and metrics["tws_pbx_link_events_received_total"] == counters.get("eventsSent")
    print("events: none lost" if ok else "events: LOSS OR MISMATCH (see above)")
    if not ok: sys.exit(1)


async def run_load(a, push, base, tokens, probe_token, probe_b, sim):
    stats = {"events": 0, "closed": 0, "out_of_order": 0, "resyncs": 0, "round_trips": [], "received": {}, "cards": {},
             "card_bytes": [], "delivered_bytes": []}
    received = stats["received"]
    stop = asyncio.Event()

    async def listen(ws):
        last = 0
        try:
            while not stop.is_set():
                try: msg = await asyncio.wait_for(ws.recv(), 0.5)
                except asyncio.TimeoutError: continue
                now = time.time_ns()
                event = json.loads(msg)
                stats["events"] += 1
                if event["seq"] <= last: stats["out_of_order"] += 1
                last = event["seq"]
                if event["type"] == "resync": stats["resyncs"] += 1
                call = event.get("call")
                if call:
                    key = (call["device"], call["callId"], call["event"])
                    if key not in received: received[key] = now
                    if call["event"] == "delivered" and call.get("direction") == "incoming" and len(stats["delivered_bytes"]) < 1000:
                        stats["delivered_bytes"].append(len(msg.encode()))
                card = event.get("alerter")
                if card:
                    stats["cards"].setdefault((card["device"], card["callId"]), now)
                    if len(stats["card_bytes"]) < 1000: stats["card_bytes"].append(len(msg.encode()))
        except websockets.ConnectionClosed:
            stats["closed"] += 1

    sockets = [await websockets.connect(f"ws://127.0.0.1:{push}/events?access_token={t}", max_queue=None) for t in tokens]
    probe = await websockets.connect(f"ws://127.0.0.1:{push}/events?access_token={probe_token}", max_queue=None)
    listeners = [asyncio.create_task(listen(ws)) for ws in sockets]
    await asyncio.sleep(0.5)
    window_start = time.time_ns()
    started = time.time()
    loop = asyncio.get_running_loop()
    session = requests.Session()
    hdr = {"Authorization": f"Bearer {probe_token}"}
    end = time.time() + a.seconds
    interval = a.seconds / max(1, a.probes)
    while time.time() < end:
        t = time.perf_counter()
        r = await loop.run_in_executor(None, lambda: session.post(f"{base}/api/v1/calls", json={"number": probe_b}, headers=hdr))
        if r.status_code == 201:
            while True:
                event = json.loads(await asyncio.wait_for(probe.recv(), 10))
                stats["events"] += 1
                call = event.get("call") or {}
                if call.get("event") == "delivered" and call.get("device") == probe_b: break
            stats["round_trips"].append((time.perf_counter() - t) * 1000)
            await loop.run_in_executor(None, lambda: session.post(f"{base}/api/v1/calls/{r.json()['callId']}/hangup", headers=hdr))
        await asyncio.sleep(max(0, interval - (time.perf_counter() - t)))
    listeners.append(asyncio.create_task(listen(probe)))
    # Stop the PBX: what it sent until now is in its trace; the link-down burst that follows reaches the clients too.
    window_end = time.time_ns()
    stats["elapsed"] = time.time() - started
    stats["sim_cpu"] = proc_stat(sim.pid)[0]
    sim.send_signal(signal.SIGINT)
    stats["sim_out"] = (await loop.run_in_executor(None, lambda: sim.communicate(timeout=30)))[0]
    # Wait until the clients have read everything (the counters are compared with the server's afterwards).
    quiet, seen = 0, -1
    while quiet < 4:
        await asyncio.sleep(0.5)
        quiet = quiet + 1 if stats["events"] == seen else 0
        seen = stats["events"]
    stats["window"] = (window_start, window_end)
    stop.set()
    await asyncio.gather(*listeners)
    for ws in sockets + [probe]: await ws.close()
    return stats


if __name__ == "__main__":
    main()
