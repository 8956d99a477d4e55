#!/usr/bin/env python3
"""make bench, callbacks part (issue 20; loopback only, bounded in time).

RATE callback requests per second for SECONDS seconds against the public `POST /api/v1/callbacks`, all with one
publishable key (scope `callbacks:create`, one allowed origin) and from one client address (loopback has only one),
paced open loop by a small pool of keep-alive HTTP/1.1 connections (http.client in threads). Every request asks
for the group `Sales`, with a distinct visitor number, and `whenClosed: next-opening`: the group's only opening is a
minute of a day two days ahead, so every accepted request stays `scheduled` and no double call loads the PBX (the
bench measures the request path: key, origin, dialing plan, number rules, limits, the pending check and the insert).

Two servers, one after the other:
- (a) default limits: how many requests are accepted and how many are refused by the limits, the 429s split by their
  `code` (`rate_limited` per address, number or key; `callback_queue_full`);
- (b) limits raised through the environment (per address, per number, per key) and the group's `maxPending` at its
  maximum, so that every request is accepted: accepted/s, latency p50/p99, server CPU per request (utime + stime of
  the server process from /proc, over the phase, divided by the requests), beside the floor of the same run:
  `GET /health` at the same rate from the same client, with its own latency and CPU per request.
Exits non-zero when (b) does not accept every request or (a) answers anything but 201 and 429.
"""
import argparse, collections, concurrent.futures, datetime, http.client, json, queue, re, shutil, sys, tempfile, time

import requests

import bench_results
from tws_harness import (bench_admin, bench_tenant, free_port, grant_applications, percentile, proc_stat, start_bench_server,
                         stop)

ORIGIN = "https://shop.example"
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
RAISED = {"TWS_CALLBACKS_PER_ADDRESS_PER_MINUTE": "10000000", "TWS_CALLBACKS_PER_NUMBER_PER_HOUR": "10000000",
          "TWS_API_KEY_RATE": "100000", "TWS_API_KEY_BURST": "100000"}


class PacedClient:
    """Sends requests at a fixed rate (open loop: request i is due at start + i / rate, whatever the answers before
    it) over `connections` keep-alive connections; answers (status, body, latency ms, lateness ms) per request."""

    def __init__(self, port, connections):
        self.pool = queue.Queue()
        for _ in range(connections):
            self.pool.put(http.client.HTTPConnection("127.0.0.1", port, timeout=30))
        self.workers = concurrent.futures.ThreadPoolExecutor(max_workers=connections)

    def one(self, method, path, body, headers, due):
        connection = self.pool.get()
        try:
            sent = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                data = response.read()
            except (http.client.HTTPException, OSError):
                connection.close()
                return 0, b"", (time.perf_counter() - sent) * 1000, (sent - due) * 1000
            return response.status, data, (time.perf_counter() - sent) * 1000, (sent - due) * 1000
        finally:
            self.pool.put(connection)

    def run(self, rate, seconds, request):
        """`request(i)` answers (method, path, body, headers) of the i-th request."""
        futures, start = [], time.perf_counter()
        for i in range(int(rate * seconds)):
            due = start + i / rate
            pause = due - time.perf_counter()
            if pause > 0: time.sleep(pause)
            futures.append(self.workers.submit(self.one, *request(i), due))
        return [f.result() for f in futures]

    def close(self):
        self.workers.shutdown()
        while not self.pool.empty(): self.pool.get().close()


def closed_hours():
    """One minute of opening two days ahead (UTC, the bench domain's zone): every request waits for it."""
    day = DAYS[(datetime.datetime.now(datetime.timezone.utc).weekday() + 2) % 7]
    return [{"days": [day], "from": "03:00", "to": "03:01"}]


def set_up(base):
    """The tenant, one member, the Portal licence, the group and the publishable key; answers the key's secret."""
    http = requests.Session()
    h = bench_admin(http, base)
    company, domain = bench_tenant(http, base, h)
    agents = http.post(f"{base}/api/v1/admin/domains/{domain}/groups", json={"name": "Agents"}, headers=h).json()["id"]
    grant_applications(http, base, h, company, agents, ["Caller"], 1)
    agent = http.post(f"{base}/api/v1/admin/domains/{domain}/users", json={"username": "agent", "password": "bench-password"}, headers=h).json()["id"]
    http.put(f"{base}/api/v1/admin/groups/{agents}/members/{agent}", headers=h).raise_for_status()
    http.post(f"{base}/api/v1/admin/users/{agent}/devices", json={"number": "20001"}, headers=h).raise_for_status()
    http.put(f"{base}/api/v1/admin/licences/Portal?companyId={company}", json={"available": 5}, headers=h).raise_for_status()
    http.post(f"{base}/api/v1/admin/domains/{domain}/callback-groups", headers=h, json={
        "name": "Sales", "device": "20999", "members": [agent], "hours": closed_hours(), "maxPending": 10000}).raise_for_status()
    key = http.post(f"{base}/api/v1/admin/companies/{company}/api-keys", headers=h, json={
        "name": "Shop", "scopes": ["callbacks:create"], "actsFor": {"users": [], "groups": []}, "allowedOrigins": [ORIGIN]})
    key.raise_for_status()
    return key.json()["secret"]


def callback_request(key):
    headers = {"Content-Type": "application/json", "X-API-Key": key, "Origin": ORIGIN}

    def request(i):
        # Distinct national mobile numbers (06 1x xx xx xx): no duplicate, none refused by the number rules.
        body = json.dumps({"number": f"06{10000000 + i:08d}", "name": "Bench Visitor", "target": {"group": "Sales"},
                           "whenClosed": "next-opening"})
        return "POST", "/api/v1/callbacks", body, headers
    return request


def health_request(i):
    return "GET", "/health", None, {}


def measure(server, client, rate, seconds, request):
    """One paced phase: answers (results, server CPU seconds over it, wall seconds)."""
    cpu0, _ = proc_stat(server.pid)
    t0 = time.perf_counter()
    results = client.run(rate, seconds, request)
    wall = time.perf_counter() - t0
    return results, proc_stat(server.pid)[0] - cpu0, wall


def codes(results):
    """201/200 and the other answers by status and problem code (with its detail, digits left out, which says which
    limit refused)."""
    counted = collections.Counter()
    for status, body, _, _ in results:
        if status in (200, 201): counted[str(status)] += 1
        else:
            try: problem = json.loads(body)
            except ValueError: problem = {}
            detail = re.sub(r"\d+", "N", problem.get("detail", ""))
            counted[f"{status} {problem.get('code', '?')} \"{detail}\""] += 1
    return counted


def line(name, results, cpu, wall, key=None):
    latencies = sorted(r[2] for r in results)
    late = sorted(r[3] for r in results)
    ok = sum(1 for r in results if r[0] in (200, 201))
    if key:
        bench_results.record_many({f"{key}.requests": len(results), f"{key}.ok_per_s": ok / wall, f"{key}.p50_ms": percentile(latencies, 0.5),
                                   f"{key}.p99_ms": percentile(latencies, 0.99), f"{key}.cpu_ms": cpu * 1000 / max(1, len(results))})
    print(f"{name}: {len(results)} requests in {wall:.1f} s, {ok / wall:.1f} answered 2xx per s; latency p50 {percentile(latencies, 0.5):.2f} ms, "
          f"p99 {percentile(latencies, 0.99):.2f} ms, max {percentile(latencies, 1.0):.2f} ms (client sent p99 {percentile(late, 0.99):.1f} ms late); "
          f"server CPU {cpu:.2f} s = {cpu * 1000 / len(results):.3f} ms per request")


def run(a, phase):
    api, push = free_port(), free_port()
    data = tempfile.mkdtemp(prefix="tws-bench-callbacks-")
    server = start_bench_server(a.bin_dir, data, api, push, **(RAISED if phase == "raised" else {}))
    client = None
    try:
        key = set_up(f"http://127.0.0.1:{api}")
        client = PacedClient(api, a.connections)
        if phase == "default":
            results, cpu, wall = measure(server, client, a.rate, a.seconds, callback_request(key))
            counted = codes(results)
            accepted = counted["201"] + counted["200"]
            refused = sum(n for c, n in counted.items() if c.startswith("429"))
            print(f"== callbacks (a), default limits: {a.rate:g} requests/s for {a.seconds} s, one key, one client address, distinct numbers")
            print(f"accepted {accepted}, refused by the limits {refused} ("
                  + ", ".join(f"{c}: {n}" for c, n in sorted(counted.items()) if c.startswith("429")) + ")"
                  + "".join(f"; other {c}: {n}" for c, n in sorted(counted.items()) if not c.startswith(("2", "429"))))
            line("all answers", results, cpu, wall, key="callbacks.default")
            bench_results.record_many({"callbacks.default.accepted": accepted, "callbacks.default.refused": refused})
            return accepted + refused == len(results)
        print(f"== callbacks (b), limits raised: {a.rate:g} requests/s for {a.seconds} s, one key, distinct numbers, all scheduled")
        floor, floor_cpu, floor_wall = measure(server, client, a.rate, a.seconds, health_request)
        # In five slices, numbered on: does a request cost more as the scheduled requests pile up?
        request, per_slice, slices = callback_request(key), int(a.rate * a.seconds) // 5, []
        for s in range(5):
            slices.append(measure(server, client, a.rate, a.seconds / 5, lambda i, s=s: request(s * per_slice + i)))
        results = [r for part, _, _ in slices for r in part]
        cpu, wall = sum(c for _, c, _ in slices), sum(w for _, _, w in slices)
        counted = codes(results)
        line("POST /api/v1/callbacks", results, cpu, wall, key="callbacks.raised")
        print("server CPU per request by fifth of the phase (scheduled requests piling up): "
              + ", ".join(f"{c * 1000 / max(1, len(part)):.2f}" for part, c, _ in slices) + " ms")
        line("floor, same run: GET /health", floor, floor_cpu, floor_wall, key="callbacks.raised.floor_health")
        bench_results.record("callbacks.raised.cpu_ratio_to_health", (cpu / max(1, len(results))) / max(1e-9, floor_cpu / max(1, len(floor))))
        ok = counted["201"] == len(results)
        print("answers: " + ", ".join(f"{c}: {n}" for c, n in sorted(counted.items())) + ("" if ok else "  <- NOT ALL ACCEPTED"))
        return ok
    finally:
        if client: client.close()
        stop(server)
        shutil.rmtree(data, ignore_errors=True)
        print(flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin-dir", required=True)
    ap.add_argument("--rate", type=float, default=100, help="requests per second")
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=8, help="keep-alive connections of the client")
    ap.add_argument("--phases", default="default,raised")
    ap.add_argument("--quick", action="store_true", help="3 s per phase")
    a = ap.parse_args()
    if a.quick: a.seconds = 3
    # Every phase runs, even after one that failed.
    sys.exit(0 if all([run(a, phase) for phase in a.phases.split(",")]) else 1)


if __name__ == "__main__":
    main()
