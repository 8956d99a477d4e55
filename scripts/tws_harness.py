"""A real tws-server (and pbx-sim) for the Python test tools: free loopback ports, a temporary data directory, stopped
afterwards. Shared by contract_test.py, fuzz_contract.py and the benches (bench_telephony.py, bench_webhooks.py, and
bench_directory.py for the measuring helpers)."""
import contextlib, os, re, shutil, signal, socket, subprocess, sys, tempfile, time
import requests


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(process):
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def tws_server(binary, **environment):
    """Yields the base URL of a server started with a fresh database; cheap bcrypt so sign-ins cost little."""
    data = tempfile.mkdtemp(prefix="tws-test-")
    port = free_port()
    env = dict(os.environ, TWS_BCRYPT_COST="4", TWS_LOG_LEVEL="warning", TWS_LOGIN_BURST="1000", TWS_PUSH_PORT=str(free_port()))
    env.update(environment)
    server = subprocess.Popen([binary, "serve", "--data-dir", data, "--port", str(port)], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            if server.poll() is not None:
                raise SystemExit(f"tws-server exited with {server.returncode}")
            try:
                if requests.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        else:
            raise SystemExit("tws-server did not start")
        yield base
    finally:
        stop(server)
        shutil.rmtree(data, ignore_errors=True)


@contextlib.contextmanager
def pbx_sim(binary, devices="2000-2099", *arguments):
    """Yields the port of a simulated PBX answering CSTA over TCP on loopback."""
    port = free_port()
    sim = subprocess.Popen([binary, "--port", str(port), "--devices", devices, "--keep-alive", "0", "--log-level", "error", *arguments],
                           stdout=subprocess.PIPE, text=True)
    try:
        if "listening" not in (sim.stdout.readline() or ""):
            raise SystemExit("pbx-sim did not start")
        yield port
    finally:
        stop(sim)


# --- Measuring helpers of the benches -------------------------------------------------------------------------------

def proc_stat(pid):
    """CPU seconds (user + system) and peak RSS in MiB of a process."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    with open(f"/proc/{pid}/status") as f:
        hwm = int(re.search(r"VmHWM:\s+(\d+)", f.read()).group(1))
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), hwm / 1024


def percentile(values, p):
    """The p-quantile (0..1) of sorted values, nan when empty."""
    return values[min(len(values) - 1, int(p * len(values)))] if values else float("nan")


def scrape(base, metric, label=""):
    """Sum of a Prometheus metric's samples on GET /metrics, only those whose line contains `label` if given."""
    text = requests.get(f"{base}/metrics", timeout=30).text
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if (line.startswith(metric + " ") or line.startswith(metric + "{")) and label in line)


# --- A bench's server, simulated PBX and tenant ---------------------------------------------------------------------

BENCH_ADMIN_PASSWORD = "bench-admin-password"


def start_bench_server(bin_dir, data, api_port, push_port, log=subprocess.DEVNULL, **environment):
    """A release server on a fresh data directory with cheap bcrypt and no login limit; answers the process once
    /health answers."""
    env = dict(os.environ, TWS_PUSH_PORT=str(push_port), TWS_BCRYPT_COST="4", TWS_LOG_LEVEL="warning", TWS_LOGIN_BURST="100000")
    env.update(environment)
    server = subprocess.Popen([f"{bin_dir}/tws-server", "serve", "--data-dir", data, "--port", str(api_port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=log)
    base = f"http://127.0.0.1:{api_port}"
    for _ in range(300):
        if server.poll() is not None:
            sys.exit(f"tws-server exited with {server.returncode}")
        try:
            if requests.get(f"{base}/health", timeout=1).ok:
                return server
        except requests.ConnectionError:
            time.sleep(0.1)
    sys.exit("tws-server did not start")


def start_load_sim(bin_dir, port, devices, cps, load_devices, trace_file):
    """pbx-sim in load mode on `devices` ("first-last"), placing `cps` calls/s among the first `load_devices` of them
    (2-20 s each) and writing every call event it sends to `trace_file` with its wall-clock time."""
    return subprocess.Popen([f"{bin_dir}/pbx-sim", "--port", str(port), "--devices", devices, "--load",
                             "--calls-per-second", str(cps), "--min-duration", "2", "--max-duration", "20",
                             "--load-devices", str(load_devices), "--trace-events", trace_file, "--log-level", "warning"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


def stop_bench_processes(sim, server):
    """Stops the simulator (SIGINT: it prints its counters; answers them) and then the server."""
    out = ""
    if sim.poll() is None:
        sim.send_signal(signal.SIGINT)
        try: out, _ = sim.communicate(timeout=30)
        except subprocess.TimeoutExpired: sim.kill()
    stop(server)
    return out


def bench_admin(http, base):
    """Signs in as the first-start administrator, sets its password, and answers the authorisation header."""
    tok = http.post(f"{base}/api/v1/admin/auth/login", json={"username": "tws", "password": "tws"}).json()["token"]
    http.post(f"{base}/api/v1/admin/auth/password", json={"currentPassword": "tws", "newPassword": BENCH_ADMIN_PASSWORD},
              headers={"Authorization": f"Bearer {tok}"}).raise_for_status()
    tok = http.post(f"{base}/api/v1/admin/auth/login", json={"username": "tws", "password": BENCH_ADMIN_PASSWORD}).json()["token"]
    return {"Authorization": f"Bearer {tok}"}


def bench_tenant(http, base, h):
    """A company `Bench` with one domain `Load` of 5-digit numbers: answers (company id, domain id)."""
    company = http.post(f"{base}/api/v1/admin/companies", json={"name": "Bench"}, headers=h).json()["id"]
    domain = http.post(f"{base}/api/v1/admin/domains", json={"companyId": company, "name": "Load", "numberingPlanLength": 5},
                       headers=h).json()["id"]
    return company, domain


def grant_applications(http, base, h, company, group, applications, licences):
    """`licences` licences of each application for the company, and the application authorised to the group."""
    for application in applications:
        http.put(f"{base}/api/v1/admin/licences/{application}?companyId={company}", json={"available": licences},
                 headers=h).raise_for_status()
        http.post(f"{base}/api/v1/admin/authorizations", json={"objectType": "application", "application": application,
                                                               "granteeType": "group", "granteeId": group}, headers=h).raise_for_status()


def link_and_wait_monitored(http, base, h, domain, pbx_port, devices, limit=180):
    """Adds the simulated PBX link to the domain and waits until it monitors `devices` devices; answers the seconds."""
    http.post(f"{base}/api/v1/admin/domains/{domain}/pbx-links",
              json={"host": "127.0.0.1", "port": pbx_port, "capacity": devices, "pbxType": "simulator"}, headers=h).raise_for_status()
    t0 = time.time()
    while True:
        links = http.get(f"{base}/api/v1/admin/telephony/links", headers=h).json()
        if links and links[0]["current"] == devices:
            return time.time() - t0
        if time.time() - t0 > limit:
            sys.exit(f"monitors not up: {links}")
        time.sleep(0.25)
