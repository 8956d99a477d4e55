#!/usr/bin/env python3
"""make bench, webhooks part (issue 19; loopback only, bounded in time).

A fresh server supervises DEVICES devices on `pbx-sim` in load mode (CPS calls/s) while SUBSCRIPTIONS webhook
subscriptions (one run with 1, one with 20) take every `call` event of the company and post them to one local receiver
(scripts/webhook_receiver.py, each subscription on its own path). The simulator writes every call event it sends with its
wall-clock time (`--trace-events`); the receiver records each request with its wall-clock arrival time. Joined on
(device, call id, event):

- latency: PBX event written to the CSTA socket -> webhook POST received (p50/p99/max), per subscription;
- lost: events the PBX sent in the window that a subscription never received (must be 0), and bad signatures (must be 0);
- outbox throughput: deliveries received per second over the window and while the outbox drained after it, and the
  outbox depth (`tws_webhook_outbox_depth`) when the load stopped.
The PBX event -> WebSocket latency printed by the telephony part above is the floor to compare with.
"""
import argparse, json, os, re, shutil, signal, socket, subprocess, sys, tempfile, time

import requests

PUSH_NAMES = {
    "ServiceInitiatedEvent": "initiated", "OriginatedEvent": "originated", "DeliveredEvent": "delivered",
    "EstablishedEvent": "established", "ConnectionClearedEvent": "cleared", "HeldEvent": "held",
    "RetrievedEvent": "retrieved", "TransferedEvent": "transferred", "DivertedEvent": "diverted",
    "FailedEvent": "failed", "QueuedEvent": "queued",
}
SECRET = "bench-webhook-secret-0123456789"
HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close(); return port


def percentile(values, p):
    return values[min(len(values) - 1, int(p * len(values)))] if values else float("nan")


def scrape(base, metric, label=""):
    text = requests.get(f"{base}/metrics").text
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if (line.startswith(metric + " ") or line.startswith(metric + "{")) and label in line)


def run(a, subscriptions):
    api, push, pbx = free_port(), free_port(), free_port()
    base = f"http://127.0.0.1:{api}"
    data = tempfile.mkdtemp(prefix="tws-bench-webhooks-")
    trace_file = os.path.join(data, "pbx-events.tsv")
    received_file = os.path.join(data, "received.jsonl")
    env = dict(os.environ, TWS_PUSH_PORT=str(push), TWS_BCRYPT_COST="4", TWS_LOG_LEVEL="warning", TWS_LOGIN_BURST="100000",
               TWS_WEBHOOKS_ALLOW_PRIVATE="true")
    server = subprocess.Popen([f"{a.bin_dir}/tws-server", "serve", "--data-dir", data, "--port", str(api)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    receiver = subprocess.Popen([sys.executable, os.path.join(HERE, "webhook_receiver.py"), "--out", received_file, "--secret", SECRET],
                                stdout=subprocess.PIPE, text=True)
    receiver_port = int(receiver.stdout.readline())
    first, last = 20000, 20000 + a.devices - 1
    sim = subprocess.Popen([f"{a.bin_dir}/pbx-sim", "--port", str(pbx), "--devices", f"{first}-{last}", "--load",
                            "--calls-per-second", str(a.cps), "--min-duration", "2", "--max-duration", "20",
                            "--load-devices", str(a.devices), "--trace-events", trace_file, "--log-level", "warning"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        http = requests.Session()
        for _ in range(300):
            try:
                if http.get(f"{base}/health", timeout=1).ok: break
            except requests.ConnectionError: time.sleep(0.1)
        tok = http.post(f"{base}/api/v1/admin/auth/login", json={"username": "tws", "password": "tws"}).json()["token"]
        http.post(f"{base}/api/v1/admin/auth/password", json={"currentPassword": "tws", "newPassword": "bench-admin-password"},
                  headers={"Authorization": f"Bearer {tok}"}).raise_for_status()
        tok = http.post(f"{base}/api/v1/admin/auth/login", json={"username": "tws", "password": "bench-admin-password"}).json()["token"]
        h = {"Authorization": f"Bearer {tok}"}
        company = http.post(f"{base}/api/v1/admin/companies", json={"name": "Bench"}, headers=h).json()["id"]
        domain = http.post(f"{base}/api/v1/admin/domains", json={"companyId": company, "name": "Load", "numberingPlanLength": 5}, headers=h).json()["id"]
        per_user = 100
        for i in range((a.devices + per_user - 1) // per_user):
            uid = http.post(f"{base}/api/v1/admin/domains/{domain}/users", json={"username": f"u{i}", "password": "bench-password"}, headers=h).json()["id"]
            for n in range(first + i * per_user, min(last + 1, first + (i + 1) * per_user)):
                http.post(f"{base}/api/v1/admin/users/{uid}/devices", json={"number": str(n)}, headers=h).raise_for_status()
        for s in range(subscriptions):
            http.post(f"{base}/api/v1/admin/companies/{company}/webhooks", headers=h, json={
                "url": f"http://127.0.0.1:{receiver_port}/s{s}", "events": ["call"], "secret": SECRET}).raise_for_status()
        http.post(f"{base}/api/v1/admin/domains/{domain}/pbx-links",
                  json={"host": "127.0.0.1", "port": pbx, "capacity": a.devices, "pbxType": "simulator"}, headers=h).raise_for_status()
        t0 = time.time()
        while True:
            links = http.get(f"{base}/api/v1/admin/telephony/links", headers=h).json()
            if links and links[0]["current"] == a.devices: break
            if time.time() - t0 > 180: sys.exit(f"monitors not up: {links}")
            time.sleep(0.25)
        window_start = time.time_ns()
        time.sleep(a.seconds)
        window_end = time.time_ns()
        sim.send_signal(signal.SIGINT)
        sim_out, _ = sim.communicate(timeout=30)
        depth_at_stop = scrape(base, "tws_webhook_outbox_depth")
        # Drain: until the outbox is empty and the receiver's file stops growing.
        t0, size, quiet = time.time(), -1, 0
        while quiet < 4 and time.time() - t0 < a.drain:
            time.sleep(0.5)
            now = os.path.getsize(received_file)
            quiet = quiet + 1 if now == size and scrape(base, "tws_webhook_outbox_depth") == 0 else 0
            size = now
        drained = time.time() - t0
        dead = scrape(base, "tws_webhook_deliveries_total", 'outcome="dead"')
    finally:
        if sim.poll() is None: sim.kill()
        server.send_signal(signal.SIGTERM)
        try: server.wait(timeout=30)
        except subprocess.TimeoutExpired: server.kill()
        receiver.kill()
    try:
        report(a, subscriptions, trace_file, received_file, (window_start, window_end), depth_at_stop, drained, dead)
    finally:
        shutil.rmtree(data, ignore_errors=True)


def report(a, subscriptions, trace_file, received_file, window, depth_at_stop, drained, dead):
    window_start, window_end = window
    sent = {}
    with open(trace_file) as f:
        for line in f:
            t, device, call, event = line.rstrip("\n").split("\t")
            t = int(t)
            if not window_start <= t <= window_end or event not in PUSH_NAMES: continue
            sent.setdefault((device, call, PUSH_NAMES[event]), t)
    received, bad, arrivals = {}, 0, []
    with open(received_file) as f:
        for line in f:
            record = json.loads(line)
            if record["signature"] != "valid": bad += 1
            body = json.loads(record["body"])
            data = body["data"]
            at = int(record["receivedAt"] * 1e9)
            arrivals.append(at)
            received.setdefault((record["path"], data["device"], data["callId"], data["event"]), at)
    latencies, lost = [], 0
    for s in range(subscriptions):
        for (device, call, event), t in sent.items():
            got = received.get((f"/s{s}", device, call, event))
            if got is None: lost += 1
            else: latencies.append((got - t) / 1e6)
    latencies.sort()
    arrivals.sort()
    in_window = sum(1 for t in arrivals if t <= window_end)
    window_s = (window_end - window_start) / 1e9
    span = (arrivals[-1] - arrivals[0]) / 1e9 if len(arrivals) > 1 else float("nan")
    print(f"== webhooks: {subscriptions} subscription(s) to `call` events, {a.devices} devices, {a.cps:g} calls/s for {a.seconds} s, one local receiver")
    print(f"PBX event -> webhook received ({len(latencies)} deliveries): p50 {percentile(latencies, 0.5):.2f} ms, "
          f"p99 {percentile(latencies, 0.99):.2f} ms, max {percentile(latencies, 1.0):.2f} ms")
    print(f"outbox throughput: {in_window / window_s:.0f} deliveries/s received during the load, {len(arrivals) / span:.0f}/s from first to last "
          f"({len(arrivals)} requests); outbox depth when the load stopped {depth_at_stop:.0f}, drained in {drained:.1f} s")
    ok = lost == 0 and bad == 0 and dead == 0
    print(f"lost: {lost} of {len(sent) * subscriptions} (event, subscription) pairs; bad signatures: {bad}; dead: {dead:.0f}"
          + ("" if ok else "  <- LOSS OR MISMATCH"))
    return ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin-dir", required=True)
    ap.add_argument("--devices", type=int, default=1000)
    ap.add_argument("--cps", type=float, default=50)
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--drain", type=float, default=120, help="longest wait for the outbox to drain after the load")
    ap.add_argument("--subscriptions", default="1,20", help="comma-separated runs")
    a = ap.parse_args()
    for count in [int(n) for n in a.subscriptions.split(",")]:
        run(a, count)
        print()


if __name__ == "__main__":
    main()
