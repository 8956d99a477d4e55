#!/usr/bin/env python3
"""make bench, calendar part (issue 21; loopback only, bounded in time).

CalDAV refresh cost: USERS users of one domain, each with a calendar on a throw-away Radicale (Debian's, run with
/usr/bin/python3 on a free port, htpasswd plain, temporary storage) holding a few events each (one going on now, one
later today, a daily recurring one, a private one), seeded straight into Radicale's file storage (its own format:
a collection folder with `.Radicale.props`, one .ics per event) so seeding costs no HTTP.

1. Floor, same run: the same REPORT calendar-query with the same time-range, for every calendar, from Python
   (requests, CONCURRENCY threads, keep-alive): wall time, Radicale's time per REPORT (latency p50/p99) and Radicale's
   CPU per calendar (utime + stime of its process from /proc). A first untimed pass warms Radicale's item cache.
2. The server: a release tws-server with a temporary data directory; the domain's calendar connection is set and the
   refresher reads every calendar once (CONCURRENCY at once): wall time of the pass (as the server logs it, and from
   the PUT to the log line), server CPU per user (from /proc over the pass), Radicale's CPU per calendar during it,
   and what was read (busy/free/unknown counts from GET /api/v1/telephony/calendar-presence of a viewer who sees all).
Exits non-zero when a calendar was not read.
"""
import argparse, concurrent.futures, datetime, json, os, shutil, subprocess, sys, tempfile, threading, time, uuid

import requests

import bench_results
from tws_harness import bench_admin, bench_tenant, free_port, grant_applications, percentile, proc_stat, start_bench_server, stop

PASSWORD = "bench-calendar-secret"


def query(start, end):
    stamp = lambda t: t.strftime("%Y%m%dT%H%M%SZ")
    return ('<?xml version="1.0" encoding="utf-8"?><C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
            '<D:prop><C:calendar-data/></D:prop><C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">'
            f'<C:time-range start="{stamp(start)}" end="{stamp(end)}"/></C:comp-filter></C:comp-filter></C:filter></C:calendar-query>')


def event(uid, lines):
    return "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//TWS bench//EN", "BEGIN:VEVENT", f"UID:{uid}",
                        "DTSTAMP:20260101T000000Z"] + lines + ["END:VEVENT", "END:VCALENDAR", ""])


def seed(store, users, now):
    """Each user's calendar folder in Radicale's storage with four events around `now`."""
    stamp = lambda t: t.strftime("%Y%m%dT%H%M%SZ")
    root = os.path.join(store, "collection-root")
    for i in range(users):
        folder = os.path.join(root, f"user{i}@example.com")
        calendar = os.path.join(folder, "calendar")
        os.makedirs(calendar, exist_ok=True)
        with open(os.path.join(folder, ".Radicale.props"), "w") as f: json.dump({}, f)
        with open(os.path.join(calendar, ".Radicale.props"), "w") as f: json.dump({"tag": "VCALENDAR"}, f)
        begin = now - datetime.timedelta(minutes=30 + i % 30)
        events = {
            # Long enough to be going on when the server reads it, minutes after seeding (users are created first).
            "now": ["DTSTART:" + stamp(begin), "DTEND:" + stamp(now + datetime.timedelta(hours=2)), f"SUMMARY:Meeting {i}"],
            "later": ["DTSTART:" + stamp(now + datetime.timedelta(hours=3)), "DTEND:" + stamp(now + datetime.timedelta(hours=4)), "SUMMARY:Review"],
            "daily": ["DTSTART;TZID=Europe/Paris:20260105T093000", "DTEND;TZID=Europe/Paris:20260105T094500", "RRULE:FREQ=DAILY",
                      "SUMMARY:Stand-up"],
            "private": ["DTSTART:" + stamp(now + datetime.timedelta(hours=6)), "DTEND:" + stamp(now + datetime.timedelta(hours=7)),
                        "SUMMARY:Doctor", "CLASS:PRIVATE"],
        }
        for name, lines in events.items():
            uid = f"{name}-{i}"
            with open(os.path.join(calendar, f"{uid}.ics"), "w", newline="") as f: f.write(event(uid, lines))


def start_radicale(folder, port):
    with open(os.path.join(folder, "users"), "w") as f: f.write(f"tws:{PASSWORD}\n")
    process = subprocess.Popen(
        ["/usr/bin/python3", "-m", "radicale", "--config", "", "--server-hosts", f"127.0.0.1:{port}", "--auth-type", "htpasswd",
         "--auth-htpasswd-filename", os.path.join(folder, "users"), "--auth-htpasswd-encryption", "plain", "--auth-delay", "0",
         "--rights-type", "authenticated", "--storage-filesystem-folder", os.path.join(folder, "store"), "--web-type", "none",
         "--logging-level", "warning"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            requests.get(f"http://127.0.0.1:{port}/", timeout=1)
            return process
        except requests.ConnectionError:
            if process.poll() is not None: sys.exit("radicale exited")
            time.sleep(0.1)
    sys.exit("radicale did not start")


def floor_pass(port, users, concurrency, body):
    """Every calendar's REPORT from Python, `concurrency` at once; answers (latencies ms, wall s, failures)."""
    local = threading.local()

    def one(i):
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
            session.auth = ("tws", PASSWORD)
        t0 = time.perf_counter()
        r = session.request("REPORT", f"http://127.0.0.1:{port}/user{i}%40example.com/calendar/", data=body,
                            headers={"Depth": "1", "Content-Type": "application/xml; charset=utf-8"})
        return (time.perf_counter() - t0) * 1000, r.status_code == 207 and b"calendar-data" in r.content

    t0 = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=concurrency) as pool:
        results = list(pool.map(one, range(users)))
    return [r[0] for r in results], time.perf_counter() - t0, sum(1 for r in results if not r[1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin-dir", required=True)
    ap.add_argument("--users", type=int, default=1000)
    ap.add_argument("--concurrency", type=int, default=8, help="calendars read at once (the server's calendarConcurrency)")
    ap.add_argument("--quick", action="store_true", help="200 users")
    a = ap.parse_args()
    if a.quick: a.users = 200
    folder = tempfile.mkdtemp(prefix="tws-bench-calendar-")
    data = tempfile.mkdtemp(prefix="tws-bench-calendar-data-")
    radicale = server = None
    ok = True
    try:
        now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        t0 = time.perf_counter()
        seed(os.path.join(folder, "store"), a.users, now)
        cal_port = free_port()
        radicale = start_radicale(folder, cal_port)
        print(f"== calendar presence: {a.users} users, 4 events each (one now, one later, a daily recurring one, a private one), "
              f"Radicale 127.0.0.1:{cal_port}, {a.concurrency} reads at once; seeded in {time.perf_counter() - t0:.1f} s")
        body = query(now - datetime.timedelta(hours=1), now + datetime.timedelta(hours=12))
        floor_pass(cal_port, a.users, a.concurrency, body)  # warms Radicale's item cache
        rcpu0, _ = proc_stat(radicale.pid)
        latencies, wall, failed = floor_pass(cal_port, a.users, a.concurrency, body)
        rcpu = proc_stat(radicale.pid)[0] - rcpu0
        latencies.sort()
        print(f"floor, same run (Python requests, {a.concurrency} threads): {a.users} REPORTs in {wall:.2f} s = {wall * 1000 / a.users:.2f} ms "
              f"per calendar; Radicale answer p50 {percentile(latencies, 0.5):.1f} ms, p99 {percentile(latencies, 0.99):.1f} ms; "
              f"Radicale CPU {rcpu:.2f} s = {rcpu * 1000 / a.users:.2f} ms per REPORT; failed {failed}")
        ok = ok and failed == 0
        floor_wall, floor_rcpu = wall, rcpu

        api, push = free_port(), free_port()
        log_path = os.path.join(data, "server.log")
        log = open(log_path, "w")
        server = start_bench_server(a.bin_dir, data, api, push, log=log, TWS_LOG_LEVEL="info", TWS_CALENDAR_CONCURRENCY=str(a.concurrency))
        base = f"http://127.0.0.1:{api}"
        http = requests.Session()
        h = bench_admin(http, base)
        company, domain = bench_tenant(http, base, h)
        everyone = http.post(f"{base}/api/v1/admin/domains/{domain}/groups", json={"name": "Everyone"}, headers=h).json()["id"]
        viewer = http.post(f"{base}/api/v1/admin/domains/{domain}/users", headers=h,
                           json={"username": "viewer", "password": "bench-password", "email": "viewer@example.com"}).json()["id"]
        grant_applications(http, base, h, company, everyone, ["Caller"], a.users + 10)
        ids = []
        for i in range(a.users):
            r = http.post(f"{base}/api/v1/admin/domains/{domain}/users", headers=h,
                          json={"username": f"user{i}", "email": f"user{i}@example.com"})
            r.raise_for_status()
            ids.append(r.json()["id"])
            http.put(f"{base}/api/v1/admin/groups/{everyone}/members/{r.json()['id']}", headers=h).raise_for_status()
        http.put(f"{base}/api/v1/admin/groups/{everyone}/members/{viewer}", headers=h).raise_for_status()
        http.post(f"{base}/api/v1/admin/authorizations", headers=h, json={
            "objectType": "calendar", "objectId": everyone, "objectKind": "group", "granteeType": "user", "granteeId": viewer}).raise_for_status()
        token = http.post(f"{base}/api/v1/auth/login", json={"username": "viewer", "password": "bench-password"}).json()["token"]
        time.sleep(1)
        log.flush()
        before = os.path.getsize(log_path)
        cpu0, _ = proc_stat(server.pid)
        rcpu0, _ = proc_stat(radicale.pid)
        t0 = time.perf_counter()
        http.put(f"{base}/api/v1/admin/domains/{domain}/calendar-connection", headers=h, json={
            "serverURL": f"http://127.0.0.1:{cal_port}", "username": "tws", "password": PASSWORD, "refreshSeconds": 86400,
            "timeZone": "UTC"}).raise_for_status()
        passed = None
        deadline = time.time() + 600
        while passed is None and time.time() < deadline:
            time.sleep(0.05)
            with open(log_path) as f:
                f.seek(before)
                for text in f:
                    try: entry = json.loads(text)
                    except ValueError: continue
                    if entry.get("message") == "calendars read":
                        passed = entry
        wall = time.perf_counter() - t0
        cpu = proc_stat(server.pid)[0] - cpu0
        rcpu = proc_stat(radicale.pid)[0] - rcpu0
        if passed is None:
            print("the server's pass did not end within 600 s  <- FAILED")
            return 1
        meta = passed.get("metadata", passed)
        views = requests.get(f"{base}/api/v1/telephony/calendar-presence", headers={"Authorization": f"Bearer {token}"}).json()
        states = {}
        for v in views:
            if v["userId"] in ids: states[v["state"]] = states.get(v["state"], 0) + 1
        print(f"tws-server pass: {meta.get('read')} read, {meta.get('failed')} failed, {meta.get('unmapped')} unmapped in "
              f"{float(meta.get('seconds', 0)):.2f} s (PUT to log line {wall:.2f} s) = {float(meta.get('seconds', 0)) * 1000 / a.users:.2f} ms per calendar; "
              f"server CPU {cpu:.2f} s = {cpu * 1000 / a.users:.2f} ms per user; Radicale CPU meanwhile {rcpu:.2f} s = {rcpu * 1000 / a.users:.2f} ms per REPORT")
        print("presence read: " + ", ".join(f"{k} {n}" for k, n in sorted(states.items())))
        ok = ok and str(meta.get("read")) == str(a.users) and states.get("busy", 0) == a.users
        bench_results.record_many({"calendar.users": a.users, "calendar.pass_seconds": float(meta.get("seconds", 0)),
                                   "calendar.server_cpu_ms_per_user": cpu * 1000 / a.users, "calendar.radicale_cpu_ms_per_report": rcpu * 1000 / a.users,
                                   "calendar.floor_pass_seconds": floor_wall, "calendar.floor_radicale_cpu_ms_per_report": floor_rcpu * 1000 / a.users,
                                   "calendar.ratio": float(meta.get("seconds", 0)) / floor_wall if floor_wall else float("nan"),
                                   "calendar.read": int(meta.get("read") or 0), "calendar.busy": states.get("busy", 0)})
        if not ok: print("  <- NOT EVERY CALENDAR READ AS BUSY")
        return 0 if ok else 1
    finally:
        if server: stop(server)
        if radicale: stop(radicale)
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(data, ignore_errors=True)
        print(flush=True)


if __name__ == "__main__":
    sys.exit(main())
