#!/usr/bin/env python3
"""make bench, webhooks part (issue 19; loopback only, bounded in time).

A fresh server supervises DEVICES devices on `pbx-sim` in load mode (CPS calls/s) while SUBSCRIPTIONS webhook
subscriptions (one run with 0 for the telephony's own CPU, one with 1, one with 20) take every `call` event of the company and post them to local receivers
(scripts/webhook_receiver.py, asyncio: each subscription on its own path; --receivers of them, subscriptions spread
over them). The simulator writes every call event it sends with its wall-clock time (`--trace-events`); the receivers
record each request with its wall-clock arrival time. Joined on (device, call id, event):

- latency: PBX event written to the CSTA socket -> webhook POST received (p50/p99/max) over every subscription;
- the floor of the same run: the devices' owners (one per 100 devices, holding TWS Caller) listen on the push channel
  (:9000 WebSocket), and the same events' PBX -> WebSocket latency is reported beside;
- lost: events the PBX sent in the window that a subscription never received (must be 0), bad signatures and dead
  deliveries (must be 0);
- outbox throughput: deliveries received per second during the load and from first to last, the outbox depth
  (`tws_webhook_outbox_depth`) when the load stopped and how long it took to drain;
- cost: server CPU per delivery (the server's CPU over the whole run, load and drain, divided by the deliveries; and
  the same beyond what the 0-subscription run's telephony used per second), and the receivers' and simulator's CPU,
  so that the load tools are seen to cost less than the server.
"""
import argparse, asyncio, json, os, shutil, signal, subprocess, sys, tempfile, threading, time

import requests
import websockets

import bench_results
from tws_harness import (bench_admin, bench_tenant, free_port, grant_applications, link_and_wait_monitored, percentile,
                         proc_stat, scrape, start_bench_server, start_load_sim, stop)

PUSH_NAMES = {
    "ServiceInitiatedEvent": "initiated", "OriginatedEvent": "originated", "DeliveredEvent": "delivered",
    "EstablishedEvent": "established", "ConnectionClearedEvent": "cleared", "HeldEvent": "held",
    "RetrievedEvent": "retrieved", "TransferedEvent": "transferred", "DivertedEvent": "diverted",
    "FailedEvent": "failed", "QueuedEvent": "queued",
}
SECRET = "bench-webhook-secret-0123456789"
HERE = os.path.dirname(os.path.abspath(__file__))
PER_USER = 100
# The 0-subscription run's server CPU per second (telephony only), when it ran first.
BASELINE = {}


class PushListeners:
    """The devices' owners on the push channel, in a thread of their own: first receipt time of each call event."""

    def __init__(self, push, tokens):
        self.push, self.tokens = push, tokens
        self.received, self.closed = {}, 0
        self.ready, self.stopping = threading.Event(), None
        self.thread = threading.Thread(target=lambda: asyncio.run(self.run()), daemon=True)

    async def run(self):
        self.loop, self.stopping = asyncio.get_running_loop(), asyncio.Event()
        sockets = [await websockets.connect(f"ws://127.0.0.1:{self.push}/events?access_token={t}", max_queue=None) for t in self.tokens]
        listeners = [asyncio.create_task(self.listen(ws)) for ws in sockets]
        self.ready.set()
        await self.stopping.wait()
        for ws in sockets: await ws.close()
        await asyncio.gather(*listeners)

    async def listen(self, ws):
        try:
            async for msg in ws:
                now = time.time_ns()
                call = json.loads(msg).get("call")
                if call: self.received.setdefault((call["device"], call["callId"], call["event"]), now)
        except websockets.ConnectionClosed:
            if not self.stopping.is_set(): self.closed += 1

    def start(self):
        self.thread.start()
        if not self.ready.wait(60): sys.exit("push listeners did not connect")

    def finish(self):
        # asyncio.Event is not thread-safe: it is set from the listeners' own loop.
        self.loop.call_soon_threadsafe(self.stopping.set)
        self.thread.join(30)


def start_receivers(count, data):
    """`count` receiver processes; answers [(process, port, file)]."""
    receivers = []
    for r in range(count):
        out = os.path.join(data, f"received-{r}.jsonl")
        open(out, "w").close()
        process = subprocess.Popen([sys.executable, os.path.join(HERE, "webhook_receiver.py"), "--out", out, "--secret", SECRET],
                                   stdout=subprocess.PIPE, text=True)
        receivers.append((process, int(process.stdout.readline()), out))
    return receivers


def run(a, subscriptions):
    api, push, pbx = free_port(), free_port(), free_port()
    base = f"http://127.0.0.1:{api}"
    data = tempfile.mkdtemp(prefix="tws-bench-webhooks-")
    trace_file = os.path.join(data, "pbx-events.tsv")
    server = start_bench_server(a.bin_dir, data, api, push, TWS_WEBHOOKS_ALLOW_PRIVATE="true")
    receivers = start_receivers(min(a.receivers, subscriptions), data)
    first, last = 20000, 20000 + a.devices - 1
    sim = start_load_sim(a.bin_dir, pbx, f"{first}-{last}", a.cps, a.devices, trace_file)
    listeners = None
    try:
        http = requests.Session()
        h = bench_admin(http, base)
        company, domain = bench_tenant(http, base, h)
        owners = http.post(f"{base}/api/v1/admin/domains/{domain}/groups", json={"name": "Owners"}, headers=h).json()["id"]
        users = (a.devices + PER_USER - 1) // PER_USER
        grant_applications(http, base, h, company, owners, ["Caller"], users)
        for i in range(users):
            uid = http.post(f"{base}/api/v1/admin/domains/{domain}/users", json={"username": f"u{i}", "password": "bench-password"}, headers=h).json()["id"]
            http.put(f"{base}/api/v1/admin/groups/{owners}/members/{uid}", headers=h).raise_for_status()
            for n in range(first + i * PER_USER, min(last + 1, first + (i + 1) * PER_USER)):
                http.post(f"{base}/api/v1/admin/users/{uid}/devices", json={"number": str(n)}, headers=h).raise_for_status()
        for s in range(subscriptions):
            _, port, _ = receivers[s % len(receivers)]
            http.post(f"{base}/api/v1/admin/companies/{company}/webhooks", headers=h, json={
                "url": f"http://127.0.0.1:{port}/s{s}", "events": ["call"], "secret": SECRET}).raise_for_status()
        tokens = [http.post(f"{base}/api/v1/auth/login", json={"username": f"u{i}", "password": "bench-password"}).json()["token"]
                  for i in range(users)]
        listeners = PushListeners(push, tokens)
        listeners.start()
        link_and_wait_monitored(http, base, h, domain, pbx, a.devices)
        print(f"  [{subscriptions} subscription(s): monitoring {a.devices} devices, load for {a.seconds} s]", file=sys.stderr, flush=True)
        cpu0, _ = proc_stat(server.pid)
        measured_from = time.time()
        receivers_cpu0 = sum(proc_stat(p.pid)[0] for p, _, _ in receivers)
        sim_cpu0, _ = proc_stat(sim.pid)
        window_start = time.time_ns()
        time.sleep(a.seconds)
        window_end = time.time_ns()
        sim_cpu = proc_stat(sim.pid)[0] - sim_cpu0
        sim.send_signal(signal.SIGINT)
        sim.communicate(timeout=30)
        depth_at_stop = scrape(base, "tws_webhook_outbox_depth")
        print(f"  [load stopped: outbox depth {depth_at_stop:.0f}; draining (at most {a.drain:.0f} s)]", file=sys.stderr, flush=True)
        # Drain: until the outbox is empty and the receivers' files stop growing.
        t0, size, quiet = time.time(), -1, 0
        while quiet < 4 and time.time() - t0 < a.drain:
            time.sleep(0.5)
            now = sum(os.path.getsize(f) for _, _, f in receivers)
            quiet = quiet + 1 if now == size and scrape(base, "tws_webhook_outbox_depth") == 0 else 0
            size = now
        drained = time.time() - t0 - 2  # the last 4 quiet checks
        cpu1, rss = proc_stat(server.pid)
        measured = time.time() - measured_from
        receivers_cpu = sum(proc_stat(p.pid)[0] for p, _, _ in receivers) - receivers_cpu0
        dead = scrape(base, "tws_webhook_deliveries_total", 'outcome="dead"')
        delivered = scrape(base, "tws_webhook_deliveries_total", 'outcome="delivered"')
        depth_after = scrape(base, "tws_webhook_outbox_depth")
    finally:
        if listeners and listeners.thread.is_alive(): listeners.finish()
        if sim.poll() is None: sim.kill()
        stop(server)
        for process, _, _ in receivers: process.kill()
    try:
        return report(a, subscriptions, trace_file, [f for _, _, f in receivers], listeners,
                      (window_start, window_end), depth_at_stop, depth_after, drained, dead, delivered,
                      (cpu1 - cpu0, measured, rss, receivers_cpu, sim_cpu))
    finally:
        shutil.rmtree(data, ignore_errors=True)


def report(a, subscriptions, trace_file, received_files, listeners, window, depth_at_stop, depth_after, drained, dead,
           delivered, usage):
    window_start, window_end = window
    server_cpu, measured, rss, receivers_cpu, sim_cpu = usage
    if subscriptions == 0: BASELINE["cpu_per_second"] = server_cpu / measured
    sent = {}
    with open(trace_file) as f:
        for line in f:
            t, device, call, event = line.rstrip("\n").split("\t")
            t = int(t)
            if not window_start <= t <= window_end or event not in PUSH_NAMES: continue
            sent.setdefault((device, call, PUSH_NAMES[event]), t)
    received, bad, arrivals = {}, 0, []
    for name in received_files:
        with open(name) as f:
            for line in f:
                record = json.loads(line)
                if record["signature"] != "valid": bad += 1
                data = json.loads(record["body"])["data"]
                at = int(record["receivedAt"] * 1e9)
                arrivals.append(at)
                received.setdefault((record["path"], data["device"], data["callId"], data["event"]), at)
    latencies, lost = [], 0
    for s in range(subscriptions):
        for key, t in sent.items():
            got = received.get((f"/s{s}",) + key)
            if got is None: lost += 1
            else: latencies.append((got - t) / 1e6)
    floor, floor_lost = [], 0
    for key, t in sent.items():
        got = listeners.received.get(key)
        if got is None: floor_lost += 1
        else: floor.append((got - t) / 1e6)
    latencies.sort(); floor.sort(); arrivals.sort()
    in_window = sum(1 for t in arrivals if t <= window_end)
    window_s = (window_end - window_start) / 1e9
    span = (arrivals[-1] - arrivals[0]) / 1e9 if len(arrivals) > 1 else float("nan")
    receivers = len(received_files)
    print(f"== webhooks: {subscriptions} subscription(s) to `call` events on {receivers} asyncio receiver(s), {a.devices} devices, "
          f"{a.cps:g} calls/s for {a.seconds} s ({len(sent)} call events sent by the PBX in the window)")
    print(f"PBX event -> webhook received ({len(latencies)} deliveries): p50 {percentile(latencies, 0.5):.2f} ms, "
          f"p99 {percentile(latencies, 0.99):.2f} ms, max {percentile(latencies, 1.0):.2f} ms")
    print(f"floor, same run: PBX event -> WebSocket push ({len(floor)} events, {len(listeners.tokens)} clients): "
          f"p50 {percentile(floor, 0.5):.2f} ms, p99 {percentile(floor, 0.99):.2f} ms; not pushed {floor_lost}, clients cut off {listeners.closed}")
    print(f"outbox throughput: {in_window / window_s:.0f} deliveries/s received during the load ({len(sent) * subscriptions / window_s:.0f}/s needed), "
          f"{len(arrivals) / span:.0f}/s from first to last ({len(arrivals)} requests); depth when the load stopped {depth_at_stop:.0f}, "
          f"drained in {drained:.1f} s (depth after: {depth_after:.0f})")
    per_delivery = server_cpu * 1000 / delivered if delivered else float("nan")
    telephony = BASELINE.get("cpu_per_second")
    marginal = ((server_cpu - telephony * measured) * 1000 / delivered) if telephony is not None and delivered else float("nan")
    print(f"server CPU {server_cpu:.1f} s over {measured:.1f} s for {delivered:.0f} deliveries and the telephony of the run: "
          f"{per_delivery:.3f} ms per delivery, {marginal:.3f} ms beyond the telephony alone (the 0-subscription run: "
          f"{(telephony or float('nan')):.3f} s of CPU per second); peak RSS {rss:.0f} MiB; receivers' CPU {receivers_cpu:.1f} s, simulator's {sim_cpu:.1f} s")
    ok = lost == 0 and bad == 0 and dead == 0 and depth_after == 0
    key = f"webhooks.s{subscriptions}"
    values = {f"{key}.server_cpu_s_per_s": server_cpu / measured, f"{key}.rss_mib": rss, f"{key}.events_sent": len(sent)}
    if subscriptions:
        values.update({f"{key}.p50_ms": percentile(latencies, 0.5), f"{key}.p99_ms": percentile(latencies, 0.99),
                       f"{key}.floor_p50_ms": percentile(floor, 0.5), f"{key}.floor_p99_ms": percentile(floor, 0.99),
                       f"{key}.ratio": percentile(latencies, 0.99) / percentile(floor, 0.99) if floor else float("nan"),
                       f"{key}.lost": lost, f"{key}.bad_signatures": bad, f"{key}.dead": dead,
                       f"{key}.cpu_ms_per_delivery": per_delivery, f"{key}.drain_seconds": drained})
    bench_results.record_many(values)
    print(f"lost: {lost} of {len(sent) * subscriptions} (event, subscription) pairs; bad signatures: {bad}; dead: {dead:.0f}"
          + ("" if ok else "  <- LOSS, MISMATCH OR NOT DRAINED"))
    return ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin-dir", required=True)
    ap.add_argument("--devices", type=int, default=1000)
    ap.add_argument("--cps", type=float, default=50)
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--drain", type=float, default=300, help="longest wait for the outbox to drain after the load")
    ap.add_argument("--subscriptions", default="0,1,20", help="comma-separated runs (0: the telephony alone, for the CPU baseline)")
    ap.add_argument("--receivers", type=int, default=4, help="receiver processes (at most one per subscription)")
    a = ap.parse_args()
    ok = True
    for count in [int(n) for n in a.subscriptions.split(",")]:
        ok = run(a, count) and ok
        print(flush=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
