#!/usr/bin/env python3
"""make bench, statistics part (issue 21; loopback only, bounded in time).

How long `GET /api/v1/statistics` takes over a year of hourly rows for USERS users (default 1,000).

1. A release server on a fresh data directory; through the admin API: the tenant, USERS users (no password, no
   device) in one group `Everyone`, a team group `Team` of the first TEAM users, the manager `boss` (TWS Stats Admin,
   statistics rights on both groups, granted in reverse as admin guide 7.4 says) and `ann` (TWS Stats, user 1).
2. The server is stopped and the `call_statistics` table of `tws.sqlite` is filled directly with sqlite3 (documented
   short cut: counting 8.76 million calls through the PBX simulator would take hours; the rows are what the
   call-log writer would have written, one per user and local hour, every hour of the last DAYS days, with small
   random figures). The query plans of the server's two statements are printed (EXPLAIN QUERY PLAN) and must search
   the primary key by user and day range, no scan, no temporary B-tree.
3. The server is started again on the same data directory, and each query runs for SECONDS seconds by CLIENTS
   closed-loop keep-alive clients: latency p50/p99 and server CPU per request (utime + stime of the server from
   /proc over the phase), beside the floor of the same run, `GET /health` with the same clients:
   - ann's own year by day (8,760 rows summed into 365 days);
   - ann's own month by hour (744 rows);
   - the manager: one user's year by day (the right checked through the group);
   - the manager: the team's month by day (TEAM users, with their sum);
   - the manager: everyone's week by day (USERS users, with their sum).
Exits non-zero when an answer is not 200 or a plan is not index-backed.
"""
import argparse, datetime, http.client, json, os, random, shutil, sqlite3, sys, tempfile, threading, time

import requests

import bench_results
from tws_harness import bench_admin, bench_tenant, free_port, percentile, proc_stat, start_bench_server, stop

PASSWORD = "bench-password"


def set_up(base, users, team):
    """The tenant, users and rights; answers (the users' ids in order, the team group id, the everyone group id)."""
    http = requests.Session()
    h = bench_admin(http, base)
    company, domain = bench_tenant(http, base, h)
    for application in ["Stats", "StatsAdmin"]:
        http.put(f"{base}/api/v1/admin/licences/{application}?companyId={company}", json={"available": 10}, headers=h).raise_for_status()
    everyone = http.post(f"{base}/api/v1/admin/domains/{domain}/groups", json={"name": "Everyone"}, headers=h).json()["id"]
    team_group = http.post(f"{base}/api/v1/admin/domains/{domain}/groups", json={"name": "Team"}, headers=h).json()["id"]
    ids = []
    for i in range(users):
        body = {"username": "ann" if i == 0 else f"user{i:05d}"}
        if i == 0: body["password"] = PASSWORD
        r = http.post(f"{base}/api/v1/admin/domains/{domain}/users", json=body, headers=h)
        r.raise_for_status()
        uid = r.json()["id"]
        ids.append(uid)
        http.put(f"{base}/api/v1/admin/groups/{everyone}/members/{uid}", headers=h).raise_for_status()
        if i < team: http.put(f"{base}/api/v1/admin/groups/{team_group}/members/{uid}", headers=h).raise_for_status()
    boss = http.post(f"{base}/api/v1/admin/domains/{domain}/users", json={"username": "boss", "password": PASSWORD}, headers=h).json()["id"]

    def grant(body):
        http.post(f"{base}/api/v1/admin/authorizations", json=body, headers=h).raise_for_status()
    grant({"objectType": "application", "application": "Stats", "granteeType": "user", "granteeId": ids[0]})
    grant({"objectType": "application", "application": "StatsAdmin", "granteeType": "user", "granteeId": boss})
    for group in (everyone, team_group):
        # Reversed (admin guide 7.4): the grantee is the one who sees, the object the group whose figures are seen.
        grant({"objectType": "statistics", "objectId": group, "objectKind": "group", "granteeType": "user", "granteeId": boss})
    return company, domain, ids, team_group, everyone


def seed(path, company, domain, ids, days):
    """One row per user and UTC hour (the bench domain's zone) of the last `days` days; answers (rows, seconds)."""
    t0 = time.perf_counter()
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    today = datetime.datetime.now(datetime.timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    first = today - datetime.timedelta(days=days - 1)
    hours = [(first + datetime.timedelta(hours=h)) for h in range(days * 24)]
    hour_keys = [(h.strftime("%Y-%m-%d"), int(h.timestamp()), h.hour) for h in hours]
    rng = random.Random(21)
    rows = 0
    for uid in ids:
        batch = []
        for day, start, hour in hour_keys:
            incoming, outgoing = rng.randint(0, 6), rng.randint(0, 4)
            missed = rng.randint(0, incoming)
            answered = incoming - missed
            connected = rng.randint(0, outgoing)
            batch.append((uid, day, start, hour, company, domain, incoming, outgoing, missed, answered, connected,
                          (answered + connected) * rng.randint(20, 300), answered * rng.randint(2, 20)))
        db.executemany("INSERT INTO call_statistics (userId, day, hourStart, hour, companyId, domainId, incoming, outgoing, missed, "
                       "answered, outgoingConnected, talkSeconds, answerWaitSeconds) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", batch)
        rows += len(batch)
    db.commit()
    db.execute("ANALYZE")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return rows, time.perf_counter() - t0


def query_plans(path, ids):
    """EXPLAIN QUERY PLAN of the server's hourly and daily statements (GRDBTransaction+StatisticsRecords.swift);
    answers whether both search the primary key without a scan or a temporary B-tree."""
    db = sqlite3.connect(path)
    figures = "incoming, outgoing, missed, answered, outgoingConnected, talkSeconds, answerWaitSeconds"
    sums = ", ".join(f"SUM({c.strip()})" for c in figures.split(","))
    marks = ", ".join("?" for _ in ids)
    statements = {
        "by hour": f"SELECT userId, day, hourStart, hour, companyId, domainId, {figures} FROM call_statistics "
                   f"WHERE userId IN ({marks}) AND day BETWEEN ? AND ? ORDER BY userId, day, hourStart",
        "by day": f"SELECT userId, day, MIN(hourStart), 0, MIN(companyId), MIN(domainId), {sums} FROM call_statistics "
                  f"WHERE userId IN ({marks}) AND day BETWEEN ? AND ? GROUP BY userId, day ORDER BY userId, day",
    }
    ok = True
    for name, sql in statements.items():
        plan = [row[3] for row in db.execute("EXPLAIN QUERY PLAN " + sql, [*ids, "2026-01-01", "2026-12-31"])]
        good = any("SEARCH call_statistics USING PRIMARY KEY (userId=? AND day>? AND day<?)" in p for p in plan) \
            and not any("SCAN" in p or "TEMP B-TREE" in p for p in plan)
        ok = ok and good
        print(f"query plan {name} ({len(ids)} users): " + " | ".join(plan) + ("" if good else "  <- NOT INDEX-BACKED"))
    db.close()
    return ok


def login(base, username):
    r = requests.post(f"{base}/api/v1/auth/login", json={"username": username, "password": PASSWORD, "company": "Bench", "domain": "Load"})
    r.raise_for_status()
    return r.json()["token"]


def closed_loop(port, pid, clients, seconds, path, token):
    """`clients` keep-alive connections each sending `path` again as soon as answered, for `seconds`; answers
    (latencies ms, non-200 count, server CPU seconds, wall seconds, bytes of the last answer)."""
    latencies, bad, size = [], [0], [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds
    headers = {"Authorization": f"Bearer {token}"} if token else {}

    def worker():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine = []
        while time.perf_counter() < deadline:
            sent = time.perf_counter()
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            body = response.read()
            mine.append((time.perf_counter() - sent) * 1000)
            if response.status != 200:
                with lock: bad[0] += 1
            size[0] = len(body)
        connection.close()
        with lock: latencies.extend(mine)

    cpu0, _ = proc_stat(pid)
    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads: t.start()
    for t in threads: t.join()
    wall = time.perf_counter() - t0
    return sorted(latencies), bad[0], proc_stat(pid)[0] - cpu0, wall, size[0]


def line(name, result, key=None):
    latencies, bad, cpu, wall, size = result
    n = max(1, len(latencies))
    if key:
        bench_results.record_many({f"statistics.{key}.rps": len(latencies) / wall, f"statistics.{key}.p50_ms": percentile(latencies, 0.5),
                                   f"statistics.{key}.p99_ms": percentile(latencies, 0.99), f"statistics.{key}.cpu_ms": cpu * 1000 / n,
                                   f"statistics.{key}.bytes": size, f"statistics.{key}.not_200": bad})
    print(f"{name}: {len(latencies)} requests in {wall:.1f} s ({len(latencies) / wall:.1f}/s), latency p50 {percentile(latencies, 0.5):.2f} ms, "
          f"p99 {percentile(latencies, 0.99):.2f} ms; server CPU {cpu * 1000 / n:.3f} ms per request; answer {size / 1024:.1f} KiB"
          + (f"; {bad} NOT 200" if bad else ""), flush=True)
    return bad == 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin-dir", required=True)
    ap.add_argument("--users", type=int, default=1000)
    ap.add_argument("--team", type=int, default=20, help="users of the team group the manager asks for by month")
    ap.add_argument("--days", type=int, default=365, help="days of hourly rows per user")
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--quick", action="store_true", help="100 users, 2 s per query")
    a = ap.parse_args()
    if a.quick: a.users, a.seconds = 100, 2
    api, push = free_port(), free_port()
    data = tempfile.mkdtemp(prefix="tws-bench-statistics-")
    ok = True
    server = start_bench_server(a.bin_dir, data, api, push)
    try:
        base = f"http://127.0.0.1:{api}"
        t0 = time.perf_counter()
        company, domain, ids, team, everyone = set_up(base, a.users, a.team)
        print(f"== statistics: {a.users} users, {a.days} days of hourly rows each (set up through the API in {time.perf_counter() - t0:.1f} s)")
        stop(server)
        server = None
        path = os.path.join(data, "tws.sqlite")
        rows, took = seed(path, company, domain, ids, a.days)
        print(f"seeded {rows:,} rows into call_statistics with sqlite3 in {took:.1f} s; database {os.path.getsize(path) / 2**20:.0f} MiB")
        ok = query_plans(path, ids[:1]) and query_plans(path, ids[:a.team]) and ok
        server = start_bench_server(a.bin_dir, data, api, push)
        ann, boss = login(base, "ann"), login(base, "boss")
        today = datetime.datetime.now(datetime.timezone.utc).date()
        year = (today - datetime.timedelta(days=364)).isoformat(), today.isoformat()
        month = (today - datetime.timedelta(days=30)).isoformat(), today.isoformat()
        week = (today - datetime.timedelta(days=6)).isoformat(), today.isoformat()
        floor = closed_loop(api, server.pid, a.clients, a.seconds, "/health", None)
        runs = [
            ("ann's year by day (365 buckets)", "own_year_by_day", f"/api/v1/statistics?from={year[0]}&to={year[1]}", ann),
            ("ann's month by hour (744 buckets)", "own_month_by_hour", f"/api/v1/statistics?from={month[0]}&to={month[1]}&granularity=hour", ann),
            ("manager: a user's year by day", "manager_user_year", f"/api/v1/statistics?userId={ids[-1]}&from={year[0]}&to={year[1]}", boss),
            (f"manager: team of {a.team}, month by day", "manager_team_month", f"/api/v1/statistics?groupId={team}&from={month[0]}&to={month[1]}", boss),
            (f"manager: all {a.users} users, week by day", "manager_company_week", f"/api/v1/statistics?groupId={everyone}&from={week[0]}&to={week[1]}", boss),
        ]
        for name, key, query, token in runs:
            ok = line(name, closed_loop(api, server.pid, a.clients, a.seconds, query, token), key=key) and ok
        line("floor, same run: GET /health", floor, key="floor_health")
        print(f"server peak RSS {proc_stat(server.pid)[1]:.0f} MiB")
    finally:
        if server: stop(server)
        shutil.rmtree(data, ignore_errors=True)
        print(flush=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
