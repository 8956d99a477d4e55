"""A real tws-server (and pbx-sim) for the Python test tools: free loopback ports, a temporary data directory, stopped
afterwards. Shared by contract_test.py and fuzz_contract.py."""
import contextlib, os, shutil, signal, socket, subprocess, tempfile, time
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
