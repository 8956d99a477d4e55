#!/usr/bin/env python3
"""make bench, directory part (loopback only, bounded in time).

1. A throw-away slapd with CONTACTS generated inetOrgPerson contacts (scripts/bench-data/ldap_contacts.sh: ~300
   French/European surnames, ~100 first names, 2,000 companies, unique numbers and e-mails, every 50th red-listed,
   every 100th a VIP), loaded offline with `slapadd -q`.
2. The release server in demo mode; as its administrator: an LDAP directory on that slapd in the demo domain, read
   right for the demo user amartin, then one synchronisation (`POST …/sync?wait=true`): wall time, report, RSS; then a
   second one of the unchanged source (the daily case: every row unchanged, none rewritten); then a third after
   `ldapmodify` gave every 20th contact a new e-mail address (5% of the rows updated, the rest unchanged).
3. As amartin: first, one search after the synchronisations starts the server reading the search index's terms into
   memory (ContactWordIndex): the wall time until its CPU stops moving, that CPU and the heap it added
   (directory.terms_in_memory.*). Then wrk (CLIENTS connections, SECONDS each) cycling through pre-generated requests:
   `GET /api/v1/directory/search?q=…&limit=16` with 1, 2 and 3 words (surname or its 3-6 letter prefix, + first
   name, + company word; a third of them lower-cased without accents), and `GET /api/v1/directory/lookup?number=…`
   (existing numbers written "+33 1 55 17 18 89", "0155171889" or "0033155171889", ~10% unknown numbers, which
   answer 404). p50/p99, requests/s, the server's CPU time per request, answers by status. Before that, a
   sequential pass checks the answers (every search finds something, every lookup finds the right contact or 404
   for unknown numbers). Then the same with one client, and `GET /health` under the same clients as the floor of
   the machine and HTTP stack (no session, no database).
4. Side by side, the same searches with `ldapsearch -x -z 16` against the same slapd, one process per query,
   sequentially: p50/p99 of the process's wall time (process start, connection and bind included), and slapd's own
   `etime` for each search from its stats log.
5. Bytes of one 16-result search answer.
6. The CPU comparison (issue 22): slapd restarted without its stats log and asked the same searches, lookups and its
   root entry over one persistent anonymous connection (ldap3), SECONDS/3 per kind; slapd's own CPU time per search
   from /proc beside the server's in the one-client wrk runs (`GET /health` against the root entry). Targets: searches
   at most 1.5× slapd's CPU, lookups 1×, `/health` 1.5×. Every figure also goes into results.json
   (scripts/bench_results.py): directory.search1.cpu_ms, directory.search1.slapd_cpu_ms, directory.search1.ratio, …
   `--perf DIR` then records the server with `perf` under one client per kind (DIR/perf-KIND.txt: symbols by share).

Targets (issue): search p99 < 5 ms, reverse lookup p99 < 1 ms, sync < 60 s, 16-result answer < 8 KB. A missed target
is flagged FAIL; the exit status is 1 only when something goes wrong (a wrong or 5xx answer, a failed step).

Usage (scripts/bench.sh builds the release binaries first):
  .venv/bin/python scripts/bench_directory.py --bin-dir .build/release [--contacts 500000] [--seconds 15] [--clients 8]
  .venv/bin/python scripts/bench_directory.py --skip-server --contacts 500000 --keep-ldap /tmp/bench-ldap
--skip-server runs parts 1 and 4 only. --sync-only stops after part 2 (with its floor: ldapsearch dumping the same
entries) and records the sync figures into results.json. --keep-ldap DIR loads slapd into DIR and keeps it; a later run with the same
DIR and --contacts reuses the load. BENCH_PERF_DIR=DIR records `perf record -g` of the server during each
synchronisation into DIR/sync-first.data, sync-unchanged.data and sync-changed.data. BENCH_KEEP_DATA=1 keeps the temporary directories; BENCH_SERVER_LOG=FILE keeps
the server's log.
"""
import argparse, json, os, random, re, shutil, signal, socket, subprocess, sys, tempfile, time, unicodedata
import urllib.parse

import requests

import bench_results
from tws_harness import free_port

HERE = os.path.dirname(os.path.abspath(__file__))
LDAP_SCRIPT = os.path.join(HERE, "bench-data", "ldap_contacts.sh")
WRK_SCRIPT = os.path.join(HERE, "bench-data", "paths.lua")
BASE_DN = "ou=contacts,dc=example,dc=org"
DEMO_ADMIN = ("tws", "tws-demo-admin")
DEMO_USER = ("amartin", "demo-password")
TARGETS = {"search_p99_ms": 5.0, "lookup_p99_ms": 1.0, "sync_s": 60.0, "answer_bytes": 8 * 1024}
# Server CPU per request over slapd's for the same question, one persistent client each (issue 22).
RATIO_TARGETS = {"search1": 1.5, "search2": 1.5, "search3": 1.5, "lookup": 1.0, "root": 1.5}
KINDS = [("search1", "search, 1 word"), ("search2", "search, 2 words"), ("search3", "search, 3 words"), ("lookup", "reverse lookup")]


class BenchError(Exception):
    pass


class SyncOnly(Exception):
    """--sync-only: the run stops after the synchronisations."""


def proc_stat(pid):
    """CPU seconds (user + system), current RSS and peak RSS (VmHWM) in MiB of a process."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    with open(f"/proc/{pid}/status") as f:
        status = f.read()
    rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
    hwm = int(re.search(r"VmHWM:\s+(\d+)", status).group(1))
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), rss / 1024, hwm / 1024


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(p * len(values)))] if values else float("nan")


def fold(text):
    """Lower case without accents, as a user would type it."""
    text = text.replace("ł", "l").replace("Ł", "L").replace("ø", "o").replace("ß", "ss")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def ldap_escape(value):
    """RFC 4515 assertion value escaping."""
    return "".join("\\%02x" % ord(c) if c in "*()\\\0" else c for c in value)


def digits(number):
    return "".join(c for c in number if c.isdigit())


# ---------------------------------------------------------------- data and queries

def load_sample(tsv, rng, size):
    """A random sample of the generated contacts (as dicts) and how many contacts have each surname."""
    with open(tsv, encoding="utf-8") as f:
        lines = f.readlines()
    surnames = {}
    for line in lines:
        sn = line.split("\t", 2)[1]
        surnames[sn] = surnames.get(sn, 0) + 1
    keys = ["uid", "sn", "givenName", "o", "phone", "mobile", "mail", "red", "vip"]
    sample = [dict(zip(keys, lines[i].rstrip("\n").split("\t"))) for i in rng.sample(range(len(lines)), min(size, len(lines)))]
    return sample, surnames, len(lines)


def build_queries(sample, rng, count, unknown_share):
    """count queries of each kind: (server path, ldapsearch filter, what a correct answer holds)."""
    simple = [c for c in sample if c["sn"].isalpha() and c["givenName"].isalpha()]  # no "O'Brien", "Le Gall"

    def word(text, prefix):
        w = text[:rng.randint(3, 6)] if prefix and len(text) > 3 else text
        return w

    def typed(words):  # a third typed lower case without accents
        return " ".join(fold(w) if rng.random() < 1 / 3 else w for w in words)

    q = {k: [] for k, _ in KINDS}
    for i in range(count):
        c = simple[i % len(simple)]
        sn, gn, co = c["sn"], c["givenName"], c["o"].split(" ")[0]
        w1 = word(sn, rng.random() < 0.5)
        q["search1"].append((typed([w1]), f"(|(sn={ldap_escape(w1)}*)(givenName={ldap_escape(w1)}*))", c))
        w1, w2 = word(sn, rng.random() < 0.5), word(gn, rng.random() < 0.3)
        q["search2"].append((typed([w1, w2]), f"(&(sn={ldap_escape(w1)}*)(givenName={ldap_escape(w2)}*))", c))
        w1, w2, w3 = word(sn, rng.random() < 0.3), word(gn, rng.random() < 0.3), word(co, rng.random() < 0.5)
        q["search3"].append((typed([w1, w2, w3]),
                             f"(&(sn={ldap_escape(w1)}*)(givenName={ldap_escape(w2)}*)(o={ldap_escape(w3)}*))", c))
    paths = {k: [(f"/api/v1/directory/search?q={urllib.parse.quote(text, safe='')}&limit=16", flt, c) for text, flt, c in q[k]]
             for k in ("search1", "search2", "search3")}

    lookups = []
    for i in range(count):
        if rng.random() < unknown_share:
            # "+33 7/8/9 …" belong to nobody (see ldap_contacts.sh).
            national = f"{rng.choice('789')}{rng.randrange(10 ** 8):08d}"
            contact = None
        else:
            contact = sample[i % len(sample)]
            national = digits(contact[rng.choice(("phone", "mobile"))])[2:]   # "+33 1 55 17 18 89" -> "155171889"
        form = i % 3
        number = ("+33 " + national[0] + " " + " ".join(national[k:k + 2] for k in range(1, 9, 2)) if form == 0
                  else "0" + national if form == 1 else "0033" + national)
        lookups.append((f"/api/v1/directory/lookup?number={urllib.parse.quote(number, safe='')}",
                        f"(|(telephoneNumber=+33{national})(mobile=+33{national}))", contact))
    paths["lookup"] = lookups
    return paths


# ---------------------------------------------------------------- LDAP side

def ldap_side(port, queries, warmup, slapd_log):
    """Each query as its own ldapsearch process: wall times (ms), entries found, slapd's etime (ms) per search.
    The warm-up queries (not measured) are other queries of the same kind."""
    cmd = ["ldapsearch", "-x", "-LLL", "-o", "ldif-wrap=no", "-H", f"ldap://127.0.0.1:{port}", "-b", BASE_DN, "-z", "16"]
    attrs = ["cn", "telephoneNumber", "mobile", "mail"]
    for _, flt, _ in warmup:
        subprocess.run(cmd + [flt] + attrs, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    start = os.path.getsize(slapd_log) if os.path.exists(slapd_log) else 0
    walls, found = [], []
    for _, flt, _ in queries:
        t = time.perf_counter()
        r = subprocess.run(cmd + [flt] + attrs, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        walls.append((time.perf_counter() - t) * 1000)
        if r.returncode not in (0, 4):  # 4: size limit (more than 16 entries match)
            raise BenchError(f"ldapsearch {flt} exited {r.returncode}: {r.stderr.decode(errors='replace').strip()}")
        found.append(r.stdout.count(b"\ndn: ") + r.stdout.startswith(b"dn: "))
    time.sleep(0.2)
    etimes = []
    if os.path.exists(slapd_log):
        with open(slapd_log, "rb") as f:
            f.seek(start)
            for line in f:
                m = re.search(rb"SEARCH RESULT .*etime=([\d.]+)", line)
                if m: etimes.append(float(m.group(1)) * 1000)
    return {"walls": walls, "found": found, "etimes": etimes}


def slapd_persistent(port, slapd_pid, kinds, seconds):
    """One persistent anonymous LDAP connection (ldap3), one query after the other for SECONDS per kind: slapd's own
    CPU time per search from /proc (what the server's `cpu_ms` is measured against), and the client's wall times.
    kinds: [(key, [(_, filter, _)], scope)]; the root entry read is ("root", [(None, "(objectClass=*)", None)], "BASE")."""
    from ldap3 import BASE, SUBTREE, Connection, Server as LDAPServer
    conn = Connection(LDAPServer(f"ldap://127.0.0.1:{port}", get_info=None), auto_bind=True)
    attrs = ["cn", "telephoneNumber", "mobile", "mail"]
    out = {}
    try:
        for key, queries, scope in kinds:
            base, sc, at = ("", BASE, None) if scope == "BASE" else (BASE_DN, SUBTREE, attrs)
            for _, flt, _ in queries[-30:]:   # warm-up: other queries of the same kind
                conn.search(base, flt, sc, attributes=at, size_limit=16)
            walls, n, entries = [], 0, 0
            before = proc_stat(slapd_pid)[0]
            end = time.perf_counter() + seconds
            while time.perf_counter() < end:
                _, flt, _ = queries[n % len(queries)]
                t = time.perf_counter()
                conn.search(base, flt, sc, attributes=at, size_limit=16)
                walls.append((time.perf_counter() - t) * 1000)
                if conn.result["result"] not in (0, 4):   # 4: size limit (more than 16 entries match)
                    raise BenchError(f"ldap3 search {flt}: {conn.result}")
                entries += len(conn.entries)
                n += 1
            out[key] = {"cpu_ms": (proc_stat(slapd_pid)[0] - before) * 1000 / max(1, n), "requests": n,
                        "p50_ms": percentile(walls, 0.5), "p99_ms": percentile(walls, 0.99), "mean_entries": entries / max(1, n)}
    finally:
        conn.unbind()
    return out


# ---------------------------------------------------------------- server side

class Server:
    def __init__(self, bin_dir, data, log_path):
        self.api, self.push = free_port(), free_port()
        self.base = f"http://127.0.0.1:{self.api}"
        env = dict(os.environ, TWS_PUSH_PORT=str(self.push), TWS_LOG_LEVEL="warning", TWS_BCRYPT_COST="4")
        self.log_path = log_path
        self.log = open(log_path, "w")
        self.proc = subprocess.Popen([f"{bin_dir}/tws-server", "serve", "--demo", "--data-dir", data, "--port", str(self.api)],
                                     env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.http = requests.Session()

    def wait_ready(self, seconds=120):
        end = time.time() + seconds
        while time.time() < end:
            if self.proc.poll() is not None:
                raise BenchError(f"tws-server exited with {self.proc.returncode}; log:\n{self.tail()}")
            try:
                if self.http.get(f"{self.base}/health", timeout=1).ok: return
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        raise BenchError(f"tws-server not up after {seconds} s; log:\n{self.tail()}")

    def tail(self, lines=30):
        if not self.log.closed: self.log.flush()
        try:
            with open(self.log_path, errors="replace") as f: return "".join(f.readlines()[-lines:])
        except OSError: return ""

    def call(self, method, path, token=None, expect=(200, 201, 204), timeout=30, **kw):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        r = self.http.request(method, self.base + path, headers=headers, timeout=timeout, **kw)
        if r.status_code not in expect:
            raise BenchError(f"{method} {path} answered {r.status_code}: {r.text[:500]}")
        return r.json() if r.content and r.headers.get("content-type", "").split(";")[0].endswith("json") else None

    def admin_token(self):
        """The demo's administrator; on a database that is not a demo one, the boot administrator (password changed)."""
        r = self.http.post(f"{self.base}/api/v1/admin/auth/login", json={"username": DEMO_ADMIN[0], "password": DEMO_ADMIN[1]}, timeout=30)
        if r.ok and not r.json().get("passwordChangeRequired"): return r.json()["token"]
        boot = self.call("POST", "/api/v1/admin/auth/login", json={"username": "tws", "password": "tws"})
        if boot.get("passwordChangeRequired"):
            self.call("POST", "/api/v1/admin/auth/password", boot["token"], json={"currentPassword": "tws", "newPassword": DEMO_ADMIN[1]})
            return self.call("POST", "/api/v1/admin/auth/login", json={"username": DEMO_ADMIN[0], "password": DEMO_ADMIN[1]})["token"]
        return boot["token"]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try: self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired: self.proc.kill(); self.proc.wait()
        self.log.close()


def directory_body(ldap_port):
    return {
        "name": "Bench LDAP", "source": "Ldap", "kind": "public", "priority": 30, "mergeContacts": False,
        "connection": {"ldap": {
            "host": "127.0.0.1", "port": ldap_port, "ldaps": False, "startTLS": False, "caFile": "", "tlsVerify": True,
            "bindDN": "", "password": "", "baseDN": BASE_DN, "filter": "(objectClass=inetOrgPerson)",
            "pageSize": 1000, "sizeLimit": 0, "timeoutSeconds": 30}},
        "fieldMap": {"fields": {
            "id": "uid", "lastName": "sn", "firstName": "givenname", "company": "o", "professionalPhone": "telephonenumber",
            "professionalRedList": "employeetype", "mobilePhone": "mobile", "mobileRedList": "employeetype", "mail1": "mail",
            "private0": "title"}, "privateLabels": {"0": "[VIP]"}},
        "synchronization": {"mode": "manual"},
    }


def proc_memory(pid):
    """RssAnon and RssFile of a process in MiB (/proc/PID/status): heap against SQLite's memory-mapped file pages."""
    with open(f"/proc/{pid}/status") as f:
        status = f.read()
    return tuple(int(re.search(rf"{name}:\s+(\d+)", status).group(1)) / 1024 for name in ("RssAnon", "RssFile"))


def proc_written_mib(pid):
    """MiB the process handed to write(2)/pwrite(2) so far (/proc/PID/io wchar): SQLite's WAL and checkpoint writes."""
    with open(f"/proc/{pid}/io") as f:
        return int(re.search(r"wchar:\s+(\d+)", f.read()).group(1)) / 1048576


def ldap_dump_floor(ldap_port, slapd_pid):
    """The floor of a synchronisation: `ldapsearch` reading every contact with the attributes the field map asks
    for, in pages of 1,000 like the server, to /dev/null. Wall time, its own CPU, and slapd's CPU (/proc)."""
    attrs = ["uid", "sn", "givenName", "o", "telephoneNumber", "mobile", "employeeType", "mail", "title"]
    ldap_cpu0 = proc_stat(slapd_pid)[0]
    before = os.times()
    t0 = time.perf_counter()
    r = subprocess.run(["ldapsearch", "-x", "-LLL", "-H", f"ldap://127.0.0.1:{ldap_port}", "-b", BASE_DN, "-E", "pr=1000/noprompt",
                        "(objectClass=inetOrgPerson)"] + attrs, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    after = os.times()
    if r.returncode != 0: raise BenchError(f"ldapsearch dump failed ({r.returncode}): {r.stderr[-500:]}")
    client_cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return {"wall": wall, "client_cpu": client_cpu, "slapd_cpu": proc_stat(slapd_pid)[0] - ldap_cpu0}


def setup_and_sync(server, ldap_port, slapd_pid, contacts):
    token = server.admin_token()
    domains = server.call("GET", "/api/v1/admin/domains", token)["items"]
    if not domains: raise BenchError("no domain: the demo seed did not run")
    domain = next((d for d in domains if d["name"] == "Paris"), domains[0])["id"]
    users = server.call("GET", f"/api/v1/admin/domains/{domain}/users", token, params={"q": DEMO_USER[0], "limit": 50})["items"]
    user = next((u for u in users if u["username"] == DEMO_USER[0]), None)
    if not user: raise BenchError(f"demo user {DEMO_USER[0]} not found in domain {domain}")
    directory = server.call("POST", f"/api/v1/admin/domains/{domain}/directories", token, json=directory_body(ldap_port))["id"]
    server.call("POST", "/api/v1/admin/authorizations", token,
                json={"objectType": "directory", "objectId": directory, "granteeType": "user", "granteeId": user["id"]})

    written = {}

    def run_sync(name):
        # BENCH_PERF_DIR=DIR: `perf record -g` of the server during each synchronisation, into DIR/sync-NAME.data.
        perf = None
        if os.environ.get("BENCH_PERF_DIR"):
            os.makedirs(os.environ["BENCH_PERF_DIR"], exist_ok=True)
            perf = subprocess.Popen(["perf", "record", "-g", "-F", "499", "-p", str(server.proc.pid), "-o",
                                     os.path.join(os.environ["BENCH_PERF_DIR"], f"sync-{name}.data")],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(1)
        cpu0 = proc_stat(server.proc.pid)[0]
        written0 = proc_written_mib(server.proc.pid)
        ldap_cpu0 = proc_stat(slapd_pid)[0] if slapd_pid else 0
        t0 = time.perf_counter()
        r = server.http.post(f"{server.base}/api/v1/admin/directories/{directory}/sync", params={"wait": "true"},
                             headers={"Authorization": f"Bearer {token}"}, timeout=3600)
        if r.status_code not in (200, 202): raise BenchError(f"sync answered {r.status_code}: {r.text[:500]}")
        report = r.json()
        while report.get("state") == "running":   # a server that answered 202 despite wait=true
            time.sleep(0.5)
            report = server.call("GET", f"/api/v1/admin/directories/{directory}/sync", token)
        wall = time.perf_counter() - t0
        cpu1, rss, hwm = proc_stat(server.proc.pid)
        written[name] = proc_written_mib(server.proc.pid) - written0
        if perf:
            perf.send_signal(signal.SIGINT)
            perf.wait(timeout=120)
        ldap_cpu = (proc_stat(slapd_pid)[0] - ldap_cpu0) if slapd_pid else float("nan")
        if report.get("state") != "succeeded":
            raise BenchError(f"synchronisation did not succeed: {json.dumps(report)[:1000]}")
        return report, wall, cpu1 - cpu0, ldap_cpu, rss, hwm

    report, wall, cpu, ldap_cpu, rss, hwm = run_sync("first")
    anon, filed = proc_memory(server.proc.pid)
    problems = []
    stored = report.get("created", 0) + report.get("updated", 0) + report.get("unchanged", 0)
    if report.get("read") != contacts or stored != contacts:
        problems.append(f"synchronisation read {report.get('read')} and stored {stored} of {contacts} contacts: {json.dumps(report)[:1000]}")
    # The daily case: the same source read again, nothing changed, nothing rewritten.
    again, again_wall, again_cpu, again_ldap_cpu, _, _ = run_sync("unchanged")
    if again.get("unchanged") != contacts or again.get("created") or again.get("updated") or again.get("deleted"):
        problems.append(f"a second synchronisation of the unchanged source changed rows: {json.dumps(again)[:1000]}")
    # A day with changes: every 20th contact (5%) gets a new e-mail address in slapd (a value of this run, so a
    # reused load changes again), then a third synchronisation updates those rows and their search index entries.
    # Mail is not what the checks and queries below look at.
    ids = range(20, contacts + 1, 20)
    stamp = int(time.time())
    ldif = "".join(f"dn: uid=c{i:07d},{BASE_DN}\nchangetype: modify\n"
                   f"replace: mail\nmail: moved.{stamp}.{i}@example.org\n\n" for i in ids)
    t0 = time.perf_counter()
    r = subprocess.run(["ldapmodify", "-x", "-H", f"ldap://127.0.0.1:{ldap_port}", "-D", "cn=admin,dc=example,dc=org", "-w", "password"],
                       input=ldif, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    modify_wall = time.perf_counter() - t0
    if r.returncode != 0: raise BenchError(f"ldapmodify failed ({r.returncode}): {r.stdout[-1000:]}")
    moved, moved_wall, moved_cpu, moved_ldap_cpu, _, _ = run_sync("changed")
    if (moved.get("updated") != len(ids) or moved.get("unchanged") != contacts - len(ids) or moved.get("created")
            or moved.get("deleted")):
        problems.append(f"after {len(ids)} e-mail changes, the synchronisation reported {json.dumps(moved)[:1000]}")
    return problems, {"directory": directory, "domain": domain, "user": user["id"], "report": report, "wall": wall,
            "cpu": cpu, "ldap_cpu": ldap_cpu, "rss": rss, "hwm": hwm, "rss_anon": anon, "rss_file": filed,
            "again": {"report": again, "wall": again_wall, "cpu": again_cpu, "ldap_cpu": again_ldap_cpu},
            "moved": {"report": moved, "wall": moved_wall, "cpu": moved_cpu, "ldap_cpu": moved_ldap_cpu, "changed": len(ids),
                      "ldapmodify": modify_wall},
            "floor": ldap_dump_floor(ldap_port, slapd_pid), "rss_after_syncs": proc_stat(server.proc.pid)[1],
            "rss_anon_after_syncs": proc_memory(server.proc.pid)[0], "written_mib": written}


def record_sync(sync, contacts):
    """The synchronisation figures into results.json (scripts/bench_results.py), each beside its floor. The changed
    rows' CPU is the changed re-sync's CPU minus the unchanged re-sync's, over the rows changed."""
    from bench_results import record_many
    again, moved, floor = sync["again"], sync["moved"], sync["floor"]
    record_many({
        "directory.sync.contacts": contacts,
        "directory.sync.seconds": sync["wall"],
        "directory.sync.cpu_s": sync["cpu"],
        "directory.sync.cpu_us_per_row": sync["cpu"] * 1e6 / contacts,
        "directory.sync.slapd_cpu_s": sync["ldap_cpu"],
        "directory.sync.floor_ldapsearch_seconds": floor["wall"],
        "directory.sync.floor_ldapsearch_slapd_cpu_s": floor["slapd_cpu"],
        "directory.sync.floor_ldapsearch_client_cpu_s": floor["client_cpu"],
        "directory.resync_unchanged.seconds": again["wall"],
        "directory.resync_unchanged.cpu_s": again["cpu"],
        "directory.resync_unchanged.cpu_us_per_row": again["cpu"] * 1e6 / contacts,
        "directory.resync_unchanged.slapd_cpu_s": again["ldap_cpu"],
        "directory.resync_changed.rows": moved["changed"],
        "directory.resync_changed.seconds": moved["wall"],
        "directory.resync_changed.cpu_s": moved["cpu"],
        "directory.resync_changed.cpu_ms_per_row": (moved["cpu"] - again["cpu"]) * 1000 / moved["changed"],
        "directory.rss_mib_after_sync": sync["rss"],
        "directory.rss_anon_mib_after_sync": sync["rss_anon"],
        "directory.rss_file_mib_after_sync": sync["rss_file"],
        "directory.rss_mib_after_syncs": sync["rss_after_syncs"],
    })


def terms_in_memory(server, token, path):
    """The server keeps the search index's terms in memory (ContactWordIndex) and reads them again in the background
    once writes have paused for 1 s. After the synchronisations: one search starts that read; the server is idle
    otherwise, so the read ends when its CPU stops moving. Wall time, CPU and the heap (RssAnon) it added."""
    time.sleep(1.5)
    pid = server.proc.pid
    cpu0, anon0 = proc_stat(pid)[0], proc_memory(pid)[0]
    t0 = time.perf_counter()
    server.call("GET", path, token)
    last, last_t, end = proc_stat(pid)[0], time.perf_counter(), None
    while time.perf_counter() - t0 < 120:
        time.sleep(0.25)
        now = proc_stat(pid)[0]
        if now - last < 0.01:
            end = last_t
            break
        last, last_t = now, time.perf_counter()
    cpu1, anon1 = proc_stat(pid)[0], proc_memory(pid)[0]
    figures = {"seconds": (end or time.perf_counter()) - t0, "cpu_s": cpu1 - cpu0, "rss_anon_mib": anon1 - anon0, "rss_anon_after_mib": anon1}
    from bench_results import record_many
    record_many({f"directory.terms_in_memory.{k}": v for k, v in figures.items()})
    print(f"search terms in memory: read in {figures['seconds']:.1f} s after the first search, server CPU {figures['cpu_s']:.1f} s, "
          f"heap +{figures['rss_anon_mib']:.0f} MiB (RssAnon {anon1:.0f} MiB)", flush=True)
    return figures


def check_answers(server, token, paths, sample, per_kind=100):
    """Sequential pass over the first queries of each kind: every search finds something, every lookup the right
    contact (404 for unknown numbers); plus lookups of a few red-listed and VIP contacts. Returns problems (empty when
    all is right), the mean hits per search kind and the red-list/VIP observations."""
    problems, hits, checks = [], {}, {}
    h = {"Authorization": f"Bearer {token}"}
    probes = [c for c in sample if c["red"] == "1"][:5] + [c for c in sample if c["vip"] == "1"][:5]
    probes = [(f"/api/v1/directory/lookup?number={urllib.parse.quote(c['phone'], safe='')}", None, c) for c in probes]
    for kind, _ in KINDS:
        counts = []
        for path, _, contact in paths[kind][:per_kind] + (probes if kind == "lookup" else []):
            r = server.http.get(server.base + path, headers=h, timeout=30)
            if kind != "lookup":
                if r.status_code != 200 or not r.json().get("items"):
                    problems.append(f"{path} answered {r.status_code} {r.text[:200]} (contact {contact['uid']} matches it)")
                else:
                    counts.append(len(r.json()["items"]))
            elif contact is None:
                if r.status_code != 404: problems.append(f"{path} (nobody's number) answered {r.status_code} {r.text[:200]}")
            elif r.status_code != 200:
                problems.append(f"{path} ({contact['uid']} {contact['givenName']} {contact['sn']}) answered {r.status_code} {r.text[:200]}")
            else:
                card = r.json().get("contact") or {}
                if (card.get("lastName"), card.get("firstName")) != (contact["sn"], contact["givenName"]):
                    problems.append(f"{path} found {card.get('firstName')} {card.get('lastName')}, not {contact['givenName']} {contact['sn']} ({contact['uid']})")
                else:
                    # Red list and VIP on the way (reported, not fatal).
                    shown = {digits(p.get("number", "")) for p in card.get("phones", [])}
                    mine = {digits(contact["phone"]), digits(contact["mobile"])}
                    if contact["red"] == "1": checks.setdefault("red-listed contacts found with their numbers hidden", []).append(not (shown & mine))
                    else: checks.setdefault("other contacts found with their numbers shown", []).append(bool(shown & mine))
                    if contact["vip"] == "1":
                        checks.setdefault("VIP contacts found flagged vip, vipInfo \"VIP gold\"", []).append(
                            bool(card.get("vip")) and card.get("vipInfo") == "VIP gold")
            if r.status_code >= 500: problems.append(f"{path} answered {r.status_code}")
        hits[kind] = sum(counts) / len(counts) if counts else float("nan")
    return problems, hits, checks


def answer_bytes(server, token, surname):
    """Exact bytes of GET /api/v1/directory/search?q=SURNAME&limit=16 on a fresh HTTP/1.1 connection."""
    path = f"/api/v1/directory/search?q={urllib.parse.quote(surname, safe='')}&limit=16"
    raw = (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.api}\r\nAuthorization: Bearer {token}\r\n"
           f"Accept: application/json\r\nConnection: close\r\n\r\n").encode()
    s = socket.create_connection(("127.0.0.1", server.api)); s.sendall(raw)
    answer = b""
    while chunk := s.recv(65536): answer += chunk
    s.close()
    head, body = answer.split(b"\r\n\r\n", 1)
    if re.search(rb"(?im)^transfer-encoding:\s*chunked", head):
        plain, rest = b"", body
        while True:
            size, rest = rest.split(b"\r\n", 1)
            size = int(size.split(b";")[0], 16)
            if size == 0: break
            plain, rest = plain + rest[:size], rest[size + 2:]
        body = plain
    status = int(head.split(b" ", 2)[1])
    items = json.loads(body).get("items", []) if status == 200 else []
    if status != 200 or len(items) != 16:
        raise BenchError(f"GET {path} answered {status} with {len(items)} items (16 expected): {body[:300]!r}")
    return {"path": path, "request": len(raw), "response": len(answer), "body": len(body)}


def run_wrk(base, token, paths, seconds, clients, work, kind):
    file = os.path.join(work, f"paths-{kind}.txt")
    with open(file, "w") as f:
        f.write("\n".join(p for p, _, _ in paths) + "\n")
    cmd = ["wrk", f"-t{min(2, clients)}", f"-c{clients}", f"-d{seconds}s", "--latency", "--timeout", "5s",
           "-H", f"Authorization: Bearer {token}", "-s", WRK_SCRIPT, base, "--", file]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0: raise BenchError(f"wrk failed ({r.returncode}): {r.stdout[-2000:]}")
    with open(os.path.join(work, f"wrk-{kind}.txt"), "w") as f: f.write(r.stdout)
    m = re.search(r"^WRK_JSON (.*)$", r.stdout, re.M)
    if not m: raise BenchError(f"no WRK_JSON line in wrk's output:\n{r.stdout[-2000:]}")
    result = json.loads(m.group(1))
    rps = re.search(r"Requests/sec:\s+([\d.]+)", r.stdout)
    result["rps"] = float(rps.group(1)) if rps else result["requests"] / (result["duration_us"] / 1e6)
    # wrk's own latency distribution lines, kept as a cross-check of the Lua percentiles.
    result["lines"] = {p: v for p, v in re.findall(r"^\s+(50|99)%\s+(\S+)", r.stdout, re.M)}
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", r.stdout)
    result["non2xx"] = int(non2xx.group(1)) if non2xx else 0
    return result


def profile_server(server, token, paths, floor, work, out_dir, seconds):
    """perf record of the server (call graphs) under one client per kind, after the measured runs (perf's own cost
    stays out of them): OUT_DIR/perf-KIND.data and OUT_DIR/perf-KIND.txt, the symbols by their own share of samples."""
    os.makedirs(out_dir, exist_ok=True)
    for kind, kind_paths in [(k, paths[k]) for k, _ in KINDS] + [("health", floor)]:
        data = os.path.join(out_dir, f"perf-{kind}.data")
        print(f"perf: {kind}, 1 client, {seconds} s …", flush=True)
        rec = subprocess.Popen(["perf", "record", "-q", "-F", "2000", "-g", "-p", str(server.proc.pid), "-o", data],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        run_wrk(server.base, token, kind_paths, seconds, 1, work, f"perf-{kind}")
        rec.send_signal(signal.SIGINT)
        rec.wait(timeout=60)
        with open(os.path.join(out_dir, f"perf-{kind}.txt"), "w") as f:
            subprocess.run(["perf", "report", "-i", data, "--no-children", "--sort", "dso,symbol", "--stdio", "-g", "none",
                            "--percent-limit", "0.3"], stdout=f, stderr=subprocess.DEVNULL)


# ---------------------------------------------------------------- report

def failure(e):
    if not isinstance(e, BenchError):
        import traceback; traceback.print_exc()
        return f"{type(e).__name__}: {e}"
    return str(e)


def fmt_ms(v):
    return "n/a" if v != v else (f"{v:.2f} ms" if v < 100 else f"{v:.0f} ms")


def verdict(value, target):
    if value is None or value != value: return "n/a"
    return "PASS" if value < target else "FAIL"


def report(a, load, contacts, sync, checks, wrk, ldap, size, errors):
    print(f"== directory: {contacts:,} LDAP contacts; wrk -t{min(2, a.clients)} -c{a.clients}, {a.seconds} s per kind")
    if load.get("reused"):
        print(f"slapd: reused the load in {load['dir']}")
    else:
        print(f"slapd: {contacts:,} contacts generated in {load.get('gen', float('nan')):.1f} s, "
              f"slapadd -q in {load.get('slapadd', float('nan')):.1f} s ({load.get('wall', float('nan')):.1f} s to a running slapd)")
    if sync:
        rep = sync["report"]
        print(f"sync: {sync['wall']:.1f} s wall; report read {rep.get('read')}, created {rep.get('created')}, updated {rep.get('updated')}, "
              f"unchanged {rep.get('unchanged')}, deleted {rep.get('deleted')}, ignored {rep.get('ignored')}; "
              f"server CPU {sync['cpu']:.1f} s ({sync['cpu'] * 1e6 / contacts:.0f} µs a row), slapd CPU {sync['ldap_cpu']:.1f} s")
        if "written_mib" in sync:
            print("server writes (wchar): " + ", ".join(f"{name} sync {mib:,.0f} MiB" for name, mib in sync["written_mib"].items()))
        if "floor" in sync:
            floor = sync["floor"]
            print(f"floor: ldapsearch dumping the same entries and attributes to /dev/null, pages of 1,000: {floor['wall']:.1f} s wall, "
                  f"its CPU {floor['client_cpu']:.1f} s, slapd CPU {floor['slapd_cpu']:.1f} s")
        if "again" in sync:
            again = sync["again"]
            print(f"second sync, source unchanged: {again['wall']:.1f} s wall; unchanged {again['report'].get('unchanged')}, "
                  f"created {again['report'].get('created')}, updated {again['report'].get('updated')}; server CPU {again['cpu']:.1f} s "
                  f"({again['cpu'] * 1e6 / contacts:.0f} µs a row), slapd CPU {again.get('ldap_cpu', float('nan')):.1f} s")
        if "moved" in sync:
            moved = sync["moved"]
            print(f"third sync, {moved['changed']:,} e-mail addresses changed in slapd (ldapmodify {moved['ldapmodify']:.1f} s): "
                  f"{moved['wall']:.1f} s wall; updated {moved['report'].get('updated')}, unchanged {moved['report'].get('unchanged')}, "
                  f"created {moved['report'].get('created')}, deleted {moved['report'].get('deleted')}; server CPU {moved['cpu']:.1f} s, "
                  f"slapd CPU {moved.get('ldap_cpu', float('nan')):.1f} s")
            if "again" in sync:
                extra = (moved["cpu"] - sync["again"]["cpu"]) * 1000 / moved["changed"]
                print(f"changed rows: {extra:.3f} ms of CPU each (third sync's CPU minus the unchanged re-sync's, over the {moved['changed']:,} rows)")
        print(f"server memory: RSS {sync['rss']:.0f} MiB after the sync (RssAnon {sync.get('rss_anon', float('nan')):.0f} MiB, "
              f"RssFile {sync.get('rss_file', float('nan')):.0f} MiB; peak {sync['hwm']:.0f} MiB); "
              f"RSS {sync.get('rss_after_syncs', float('nan')):.0f} MiB after the three syncs "
              f"(RssAnon {sync.get('rss_anon_after_syncs', float('nan')):.0f} MiB); "
              f"peak {sync.get('hwm_end', float('nan')):.0f} MiB after the load runs")
        for name, values in checks.get("flags", {}).items():
            print(f"check: {name}: {sum(values)} of {len(values)}")
    if a.sync_only:
        for e in errors: print(f"ERROR: {e}")
        return
    print()
    print("| measure | p50 | p99 | requests/s | server CPU per request | answers | mean hits | target | result |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    def cpu(w): return fmt_ms(w["cpu_ms"]) if "cpu_ms" in w else "n/a"
    for kind, label in KINDS:
        w = wrk.get(kind)
        target = TARGETS["lookup_p99_ms" if kind == "lookup" else "search_p99_ms"]
        if w:
            p99 = w["p99_us"] / 1000
            answers = f"{w['ok']:,} 2xx, {w['notfound']:,} 404, {w['client_errors']} other 4xx, {w['server_errors']} 5xx"
            hits = checks.get("hits", {}).get(kind, float("nan"))
            print(f"| {label} | {fmt_ms(w['p50_us'] / 1000)} | {fmt_ms(p99)} | {w['rps']:,.0f} | {cpu(w)} | {answers} | "
                  f"{'' if kind == 'lookup' or hits != hits else f'{hits:.1f}'} | p99 < {target:g} ms | {verdict(p99, target)} |")
        else:
            print(f"| {label} | | | | | not run | | p99 < {target:g} ms | n/a |")
    for kind, label in KINDS:
        w = wrk.get(kind + "_single")
        if not w: continue
        target = TARGETS["lookup_p99_ms" if kind == "lookup" else "search_p99_ms"]
        p99 = w["p99_us"] / 1000
        answers = f"{w['ok']:,} 2xx, {w['notfound']:,} 404, {w['client_errors']} other 4xx, {w['server_errors']} 5xx"
        print(f"| {label}, 1 client | {fmt_ms(w['p50_us'] / 1000)} | {fmt_ms(p99)} | {w['rps']:,.0f} | {cpu(w)} | {answers} | | "
              f"p99 < {target:g} ms | {verdict(p99, target)} |")
    for kind, label in [("health", f"floor: GET /health, {a.clients} clients"), ("health_single", "floor: GET /health, 1 client")]:
        w = wrk.get(kind)
        if not w: continue
        print(f"| {label} | {fmt_ms(w['p50_us'] / 1000)} | {fmt_ms(w['p99_us'] / 1000)} | {w['rps']:,.0f} | {cpu(w)} | "
              f"{w['ok']:,} 2xx, {w['requests'] - w['ok']:,} other | | (no target) | |")
    sync_s = sync["wall"] if sync else None
    print(f"| sync of {contacts:,} contacts | | | | | | < {TARGETS['sync_s']:g} s | "
          f"{'n/a' if sync_s is None else f'{sync_s:.1f} s ' + verdict(sync_s, TARGETS['sync_s'])} |")
    body = size["body"] if size else None
    print(f"| 16-result search answer | | | | | | < {TARGETS['answer_bytes']:,} bytes | "
          f"{'n/a' if body is None else f'{body:,} bytes ' + verdict(body, TARGETS['answer_bytes'])} |")
    if ldap:
        print()
        print("| same queries, ldapsearch | process p50 | process p99 | slapd etime p50 | slapd etime p99 | mean entries |")
        print("| --- | --- | --- | --- | --- | --- |")
        for kind, label in KINDS:
            l = ldap.get(kind)
            if not l: continue
            found = sum(l["found"]) / len(l["found"]) if l["found"] else float("nan")
            print(f"| {label} | {fmt_ms(percentile(l['walls'], 0.5))} | {fmt_ms(percentile(l['walls'], 0.99))} | "
                  f"{fmt_ms(percentile(l['etimes'], 0.5))} | {fmt_ms(percentile(l['etimes'], 0.99))} | {found:.1f} |")
        n = len(next(iter(ldap.values()))["walls"])
        print(f"ldapsearch: {n} queries per kind, each its own `ldapsearch -x -z 16` process, one after the other: the process times include "
              f"process start, connection and anonymous bind; slapd etime is slapd's own time per search (its stats log). LDAP filters: "
              f"1 word (|(sn=W*)(givenName=W*)); 2 words (&(sn=W1*)(givenName=W2*)); 3 words (&(sn=W1*)(givenName=W2*)(o=W3*)); "
              f"lookup (|(telephoneNumber=+33…)(mobile=+33…)). The server gets the same words, a third of them lower-cased without "
              f"accents (LDAP gets the accented spelling: its matching rules do not fold accents), and looks up numbers written "
              f"+33 1 55 17 18 89, 0155171889 or 0033155171889 ({a.unknown_share:.0%} nobody's: 404 expected).")
    persistent = ldap.get("persistent", {}) if ldap else {}
    if persistent:
        print()
        print("| one persistent client each | server CPU per request | slapd CPU per request | ratio | target | result | server p50 / p99 | ldap3 client p50 / p99 |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- |")
        for kind, label in KINDS + [("root", "floor: GET /health against slapd's root entry")]:
            w, l = wrk.get("health_single" if kind == "root" else kind + "_single"), persistent.get(kind)
            if not (w and l and "cpu_ms" in w): continue
            limit = RATIO_TARGETS[kind]
            ratio = w["cpu_ms"] / l["cpu_ms"] if l["cpu_ms"] else float("nan")
            print(f"| {label} | {fmt_ms(w['cpu_ms'])} | {fmt_ms(l['cpu_ms'])} | {ratio:.2f}× | ≤ {limit:g}× | {verdict(ratio, limit + 1e-9)} | "
                  f"{fmt_ms(w['p50_us'] / 1000)} / {fmt_ms(w['p99_us'] / 1000)} | {fmt_ms(l['p50_ms'])} / {fmt_ms(l['p99_ms'])} |")
        print("slapd's CPU is its own user + system time from /proc over the run, restarted without its stats log, queried "
              "by one persistent anonymous ldap3 connection (the filters above, size limit 16, 4 attributes); the server's is "
              "the one-client wrk run's. The root entry is a base search of the root DSE.")
    record_results(contacts, sync, wrk, persistent, size)
    print()
    for kind, label in KINDS:
        w = wrk.get(kind)
        if w: print(f"wrk {label}: {w['requests']:,} requests in {w['duration_us'] / 1e6:.1f} s, mean {fmt_ms(w['mean_us'] / 1000)}, "
                    f"max {fmt_ms(w['max_us'] / 1000)}; wrk's own lines: 50% {w['lines'].get('50')}, 99% {w['lines'].get('99')}, "
                    f"non-2xx {w['non2xx']:,}")
    if size:
        print(f"16-result answer: GET {size['path']}: {size['body']:,} bytes of JSON body; response {size['response']:,} bytes "
              f"with headers, request {size['request']} bytes")
    if errors:
        print("ERRORS:")
        for e in errors[:20]: print(f"  {e}")
        if len(errors) > 20: print(f"  … and {len(errors) - 20} more")


def record_results(contacts, sync, wrk, persistent, size):
    """The run's figures as results.json keys (scripts/bench_results.py), each ratio beside its floor."""
    values = {"directory.contacts": contacts}
    for kind, _ in KINDS:
        for suffix, prefix in (("_single", f"directory.{kind}"), ("", f"directory.{kind}.wrk8")):
            w = wrk.get(kind + suffix)
            if w:
                values.update({f"{prefix}.rps": w["rps"], f"{prefix}.p50_ms": w["p50_us"] / 1000, f"{prefix}.p99_ms": w["p99_us"] / 1000})
                if "cpu_ms" in w: values[f"{prefix}.cpu_ms"] = w["cpu_ms"]
    for kind, key in ((k, f"directory.{k}") for k, _ in KINDS):
        l = persistent.get(kind)
        if l:
            values.update({f"{key}.slapd_cpu_ms": l["cpu_ms"], f"{key}.slapd_p50_ms": l["p50_ms"], f"{key}.slapd_p99_ms": l["p99_ms"]})
            w = wrk.get(kind + "_single")
            if w and "cpu_ms" in w and l["cpu_ms"]:
                values.update({f"{key}.ratio": w["cpu_ms"] / l["cpu_ms"], f"{key}.target_ratio": RATIO_TARGETS[kind],
                               f"{key}.target_met": w["cpu_ms"] / l["cpu_ms"] <= RATIO_TARGETS[kind]})
    w, l = wrk.get("health_single"), persistent.get("root")
    if w and "cpu_ms" in w:
        values.update({"http.health.cpu_ms": w["cpu_ms"], "http.health.p50_ms": w["p50_us"] / 1000, "http.health.p99_ms": w["p99_us"] / 1000})
        if l and l["cpu_ms"]:
            values.update({"http.health.slapd_root_cpu_ms": l["cpu_ms"], "http.health.ratio": w["cpu_ms"] / l["cpu_ms"],
                           "http.health.target_ratio": RATIO_TARGETS["root"], "http.health.target_met": w["cpu_ms"] / l["cpu_ms"] <= RATIO_TARGETS["root"]})
    if size: values["directory.answer16.bytes"] = size["body"]
    bench_results.record_many(values)


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin-dir", help="where the release tws-server is (required unless --skip-server)")
    ap.add_argument("--contacts", type=int, default=500_000)
    ap.add_argument("--seconds", type=int, default=15, help="per wrk run")
    ap.add_argument("--clients", type=int, default=8, help="wrk connections")
    ap.add_argument("--queries", type=int, default=4000, help="distinct requests per kind cycled by wrk")
    ap.add_argument("--ldap-queries", type=int, default=200, help="ldapsearch processes per kind")
    ap.add_argument("--unknown-share", type=float, default=0.1, help="share of lookups of numbers nobody has")
    ap.add_argument("--keep-ldap", metavar="DIR", help="load slapd in DIR and keep it; reuse DIR's load when it has the same --contacts")
    ap.add_argument("--skip-server", action="store_true", help="slapd and ldapsearch only")
    ap.add_argument("--sync-only", action="store_true", help="stop after the three synchronisations and the memory figures")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--perf", metavar="DIR", help="after the measured runs, perf-record the server under one client per kind into DIR")
    ap.add_argument("--quick", action="store_true", help="20,000 contacts, 5 s per wrk run (make bench-quick)")
    a = ap.parse_args()
    if not a.skip_server and not a.bin_dir: ap.error("--bin-dir is required unless --skip-server")
    if not a.skip_server and not os.access(os.path.join(a.bin_dir, "tws-server"), os.X_OK):
        ap.error(f"no executable tws-server in {a.bin_dir}")
    for tool in ["ldapsearch"] + ([] if a.skip_server else ["wrk"]):
        if not shutil.which(tool): sys.exit(f"{tool} not found (make bench installs wrk; ldapsearch is in ldap-utils)")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    if a.quick:
        a.contacts, a.seconds, a.ldap_queries = 20_000, 5, 50
    single_seconds = max(5, a.seconds // 3)
    rng = random.Random(a.seed)
    work = tempfile.mkdtemp(prefix="tws-bench-dir-")
    ldap_dir = os.path.abspath(a.keep_ldap) if a.keep_ldap else os.path.join(work, "ldap")
    ldap_port = free_port()
    server, errors = None, []
    load, sync, checks, wrk, ldap, size, contacts = {"dir": ldap_dir}, None, {}, {}, {}, None, a.contacts
    try:
        print(f"loading {a.contacts:,} contacts into slapd ({ldap_dir}) …", flush=True)
        t0 = time.perf_counter()
        env = dict(os.environ, LDAP_DEBUG="256", LDAP_REUSE="1" if a.keep_ldap else "0")
        r = subprocess.run([LDAP_SCRIPT, "start", ldap_dir, str(ldap_port), str(a.contacts)], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        load["wall"] = time.perf_counter() - t0
        if r.returncode != 0: raise BenchError(f"ldap_contacts.sh start failed ({r.returncode}):\n{r.stdout[-3000:]}")
        m = re.search(r"generated \d+ contacts in ([\d.]+) s, slapadd -q in ([\d.]+) s", r.stdout)
        if m: load["gen"], load["slapadd"] = float(m.group(1)), float(m.group(2))
        else: load["reused"] = True
        with open(os.path.join(ldap_dir, "slapd.pid")) as f: slapd_pid = int(f.read().strip())
        sample, surnames, contacts = load_sample(os.path.join(ldap_dir, "contacts.tsv"), rng, 20_000)
        paths = build_queries(sample, rng, a.queries, a.unknown_share)
        common = max((s for s in surnames if s.isalpha()), key=surnames.get)

        if not a.skip_server:
            try:
                data = os.path.join(work, "server")
                os.makedirs(data)
                server = Server(a.bin_dir, data, os.environ.get("BENCH_SERVER_LOG") or os.path.join(work, "server.log"))
                server.wait_ready()
                print(f"server up; creating the LDAP directory and synchronising {contacts:,} contacts …", flush=True)
                problems, sync = setup_and_sync(server, ldap_port, slapd_pid, contacts)
                errors += problems
                record_sync(sync, contacts)
                if a.sync_only: raise SyncOnly()
                token = server.call("POST", "/api/v1/auth/login", json={"username": DEMO_USER[0], "password": DEMO_USER[1]})["token"]
                terms_in_memory(server, token, paths["search2"][0][0])
                problems, checks["hits"], checks["flags"] = check_answers(server, token, paths, sample)
                errors += problems
                size = answer_bytes(server, token, common)
                def measured(kind, kind_paths, seconds, clients):
                    """run_wrk, with the server's CPU time per request over the run."""
                    before = proc_stat(server.proc.pid)[0]
                    w = run_wrk(server.base, token, kind_paths, seconds, clients, work, kind)
                    w["cpu_ms"] = (proc_stat(server.proc.pid)[0] - before) * 1000 / max(1, w["requests"])
                    return w
                for kind, label in KINDS:
                    print(f"wrk: {label}, {a.seconds} s …", flush=True)
                    w = wrk[kind] = measured(kind, paths[kind], a.seconds, a.clients)
                    if w["server_errors"] or w["client_errors"]:
                        errors.append(f"{label}: {w['server_errors']} 5xx and {w['client_errors']} 4xx (not 404) answers under load")
                    if kind == "lookup":
                        unknown = sum(1 for _, _, c in paths[kind] if c is None) / len(paths[kind])
                        seen = w["notfound"] / max(1, w["requests"])
                        if abs(seen - unknown) > 0.03:
                            errors.append(f"{label}: {seen:.1%} of answers were 404, {unknown:.1%} of the numbers are nobody's")
                    elif w["notfound"]:
                        errors.append(f"{label}: {w['notfound']} answers 404 under load")
                    socket_errors = {k: v for k, v in w["socket_errors"].items() if v and k != "status"}
                    if socket_errors: errors.append(f"{label}: wrk socket errors {socket_errors}")
                # One client at a time: the time a request takes without waiting behind the others (what one
                # Alerter or CRM sees), where the 8-client runs above measure the server saturated.
                for kind, label in KINDS:
                    print(f"wrk: {label}, 1 client, {single_seconds} s …", flush=True)
                    wrk[kind + "_single"] = measured(kind + "_single", paths[kind], single_seconds, 1)
                # The floor of this machine and HTTP stack: GET /health (no session, no database, a 15-byte answer)
                # under the same clients, same token header, same wrk script.
                floor = [("/health", None, None)]
                print(f"wrk: GET /health, {single_seconds} s, {a.clients} clients then 1 …", flush=True)
                wrk["health"] = measured("health", floor, single_seconds, a.clients)
                wrk["health_single"] = measured("health_single", floor, single_seconds, 1)
                if a.perf:
                    profile_server(server, token, paths, floor, work, a.perf, single_seconds)
                sync["hwm_end"] = proc_stat(server.proc.pid)[2]
                server.stop()   # the LDAP side runs alone
            except SyncOnly:
                server.stop()
            except Exception as e:  # noqa: BLE001 (the LDAP side still runs; the run fails)
                errors.append(failure(e))

        if a.sync_only: raise SyncOnly()
        print(f"ldapsearch: {a.ldap_queries} queries per kind …", flush=True)
        slapd_log = os.path.join(ldap_dir, "slapd.log")
        for kind, _ in KINDS:
            ldap[kind] = ldap_side(ldap_port, paths[kind][:a.ldap_queries], paths[kind][-30:], slapd_log)
        misses = [flt for (_, flt, c), n in zip(paths["lookup"][:a.ldap_queries], ldap["lookup"]["found"]) if (c is not None) != (n > 0)]
        if misses: errors.append(f"ldapsearch lookups with a wrong hit count: {misses[:5]}")
        # The CPU comparison: slapd restarted without its stats log (which costs it CPU per operation), then one
        # persistent connection, as the server's one-client wrk runs above.
        print(f"slapd: one persistent connection, {single_seconds} s per kind …", flush=True)
        subprocess.run([LDAP_SCRIPT, "stop", ldap_dir], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        r = subprocess.run([LDAP_SCRIPT, "start", ldap_dir, str(ldap_port), str(a.contacts)],
                           env=dict(os.environ, LDAP_DEBUG="0", LDAP_REUSE="1"), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0: raise BenchError(f"ldap_contacts.sh restart failed ({r.returncode}):\n{r.stdout[-3000:]}")
        with open(os.path.join(ldap_dir, "slapd.pid")) as f: slapd_pid = int(f.read().strip())
        ldap["persistent"] = slapd_persistent(ldap_port, slapd_pid, [(k, paths[k], "SUB") for k, _ in KINDS]
                                              + [("root", [(None, "(objectClass=*)", None)], "BASE")], single_seconds)
    except SyncOnly:
        pass
    except Exception as e:  # noqa: BLE001 (still clean up and report what was measured)
        errors.append(failure(e))
    finally:
        try:
            if server:
                server.stop()
                if errors and not os.environ.get("BENCH_SERVER_LOG"): print("server log (end):\n" + server.tail(), file=sys.stderr)
        finally:
            subprocess.run([LDAP_SCRIPT, "stop", ldap_dir], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if os.environ.get("BENCH_KEEP_DATA"): print(f"data kept in {work}" + (f" and {ldap_dir}" if a.keep_ldap else ""))
            else: shutil.rmtree(work, ignore_errors=True)
    report(a, load, contacts, sync, checks, wrk, ldap, size, errors)
    if errors: sys.exit(1)


if __name__ == "__main__":
    main()
