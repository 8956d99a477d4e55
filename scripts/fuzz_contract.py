#!/usr/bin/env python3
"""Fuzzes the REST contract with schemathesis against a real tws-server (run by `make test`).

For each role a server with a fresh database and a pbx-sim are started on loopback and given a company with users,
devices, licences, rights, a PBX link, directories, contacts and groups (one server per role, so what one role's run
deletes or locks does not change what the next one meets). schemathesis then generates requests from
openapi/tws.yaml with a fixed seed, signed in as a user (every operation outside /api/v1/admin), as a company
administrator and as a super-user (the /api/v1/admin operations), and runs these checks on every answer:
not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
positive_data_acceptance (a request the contract allows is not refused as malformed) and negative_data_rejection
(a request the contract forbids is refused). Any finding fails the run; its reproduction (curl) is printed.

Nothing is excluded: requests that would wreck the run itself (the fuzzing account deleting or demoting itself,
removing the last super-user) must be refused by the server with a proper answer.
"""
import argparse, base64, json, os, subprocess, sys, tempfile, time
import requests
from tws_harness import tws_server, pbx_sim

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,"
          "positive_data_acceptance,negative_data_rejection")
PASSWORD = "fuzz-password-1"


def seed(base, sim_port):
    """The data the fuzzer's generated ids and names may land on; returns the credentials of each role."""
    s = requests.Session()
    boot = s.post(f"{base}/api/v1/admin/auth/login", json={"username": "tws", "password": "tws"}, timeout=10).json()["token"]
    s.headers["Authorization"] = f"Bearer {boot}"
    expect(s.post(f"{base}/api/v1/admin/auth/password", json={"currentPassword": "tws", "newPassword": "keeper-password"}), 204)

    def post(path, body, status=201):
        return expect(s.post(f"{base}{path}", json=body), status).json()

    company = post("/api/v1/admin/companies", {"name": "Fuzz Co"})
    other = post("/api/v1/admin/companies", {"name": "Other Co"})
    domain = post("/api/v1/admin/domains", {"companyId": company["id"], "name": "Lyon", "numberingPlanLength": 4})
    post("/api/v1/admin/domains", {"companyId": other["id"], "name": "Paris", "numberingPlanLength": 4})
    users = []
    for index, (username, first, last) in enumerate((("ada", "Ada", "Lovelace"), ("bob", "Bob", "Martin"), ("chloe", "Chloé", "Durand"))):
        user = post(f"/api/v1/admin/domains/{domain['id']}/users",
                    {"username": username, "firstName": first, "lastName": last, "password": PASSWORD, "email": f"{username}@fuzz.example"})
        post(f"/api/v1/admin/users/{user['id']}/devices", {"number": str(2001 + index)})
        users.append(user)
    # StatsAdmin (issue 21): the statistics operation reaches its checks and answers with figures, not 403.
    for application in ("Caller", "Alerter", "StatsAdmin"):
        expect(s.put(f"{base}/api/v1/admin/licences/{application}?companyId={company['id']}", json={"available": 10}), 200)
        for user in users:
            post("/api/v1/admin/authorizations", {"objectType": "application", "application": application, "granteeType": "user",
                                                   "granteeId": user["id"]})
    group = post(f"/api/v1/admin/domains/{domain['id']}/groups", {"name": "Support"})
    expect(s.put(f"{base}/api/v1/admin/groups/{group['id']}/members/{users[1]['id']}"), 204)
    post(f"/api/v1/admin/domains/{domain['id']}/pbx-links", {"host": "127.0.0.1", "port": sim_port, "capacity": 100, "pbxType": "simulator"})
    post(f"/api/v1/admin/domains/{domain['id']}/intercom-groups", {"name": "Reception", "devices": [{"number": "2001", "duplicateX": 3}]})
    post(f"/api/v1/admin/domains/{domain['id']}/phone-queues", {"name": "Sales", "device": {"number": "2050"}})
    directories = expect(s.get(f"{base}/api/v1/admin/domains/{domain['id']}/directories"), 200).json()["items"]
    public = [d for d in directories if d["source"] == "TwsPublic"][0]
    post(f"/api/v1/admin/directories/{public['id']}/contacts",
         {"lastName": "Lemaire", "firstName": "Sophie", "company": "Acme", "phones": [{"kind": "professional", "number": "+33 1 55 17 18 89"}]})
    for directory in directories:
        post("/api/v1/admin/authorizations", {"objectType": "directory", "objectId": directory["id"], "granteeType": "group", "granteeId": group["id"]})
    expect(s.put(f"{base}/api/v1/admin/groups/{group['id']}/members/{users[0]['id']}"), 204)
    # The first user may see the statistics of the group Support (admin guide 7.4: granted in reverse).
    post("/api/v1/admin/authorizations", {"objectType": "statistics", "objectId": group["id"], "objectKind": "group", "granteeType": "user",
                                          "granteeId": users[0]["id"]})
    post("/api/v1/admin/admins", {"username": "fuzz-super", "password": PASSWORD, "superUser": True, "companyIds": []})
    post("/api/v1/admin/admins", {"username": "fuzz-company", "password": PASSWORD, "superUser": False, "companyIds": [company["id"]]})

    # A callback group and a publishable portal key (issue 20): what the public callback operations are fuzzed with.
    expect(s.put(f"{base}/api/v1/admin/licences/Portal?companyId={company['id']}", json={"available": 2}), 200)
    post(f"/api/v1/admin/domains/{domain['id']}/callback-groups",
         {"name": "Sales", "device": "2060", "members": [users[0]["id"]], "hours": []})
    portal = post(f"/api/v1/admin/companies/{company['id']}/api-keys",
                  {"name": "Shop", "scopes": ["callbacks:create"], "allowedOrigins": ["https://shop.example"]})

    # The user's own data: a private contact and a contact list.
    user = requests.Session()
    token = expect(user.post(f"{base}/api/v1/auth/login", json={"username": "ada", "password": PASSWORD}), 200).json()["token"]
    user.headers["Authorization"] = f"Bearer {token}"
    contact = expect(user.post(f"{base}/api/v1/contacts/private", json={"lastName": "Private", "phones": [{"kind": "mobile", "number": "0612345678"}]}), 201).json()
    expect(user.post(f"{base}/api/v1/contact-lists", json={"name": "Favourites", "contactIds": [contact["id"]]}), 201)
    return {
        "user": {"username": "ada", "password": PASSWORD},
        "company-admin": {"username": "fuzz-company", "password": PASSWORD},
        "super-user": {"username": "fuzz-super", "password": PASSWORD},
        "portal": {"key": portal["secret"]},
    }


def expect(response, status):
    if response.status_code != status:
        raise SystemExit(f"seeding: {response.request.method} {response.request.url} answered {response.status_code}: {response.text}")
    return response


def fuzz(base, role, credentials, args, reports):
    """One schemathesis run; returns its exit status (0 when nothing was found)."""
    env = dict(os.environ, SCHEMATHESIS_HOOKS="fuzz_hooks", PYTHONPATH=os.path.join(ROOT, "scripts"),
               TWS_FUZZ_BASE=base, TWS_FUZZ_ROLE=role, TWS_FUZZ_CREDENTIALS=json.dumps(credentials))
    admin_paths = "^/api/v1/admin/"
    if role == "portal":
        selection = ["--include-path-regex", "^/api/v1/callbacks"]
    elif role == "user":
        selection = ["--exclude-path-regex", admin_paths]
    else:
        selection = ["--include-path-regex", admin_paths]
    if args.paths:
        selection += ["--include-path-regex", args.paths]
    command = [os.path.join(os.path.dirname(sys.executable), "st"), "--config-file", os.path.join(ROOT, "scripts", "schemathesis.toml"),
               "run", os.path.join(ROOT, "openapi", "tws.yaml"),
               "--url", base, "--checks", CHECKS, "--seed", str(args.seed), "--max-examples", str(args.max_examples),
               "--phases", "examples,coverage,fuzzing", "--workers", "1", "--request-timeout", "10",
               "--suppress-health-check", "all", "--no-color", "--output-truncate", "true",
               "--report", "ndjson", "--report-ndjson-path", os.path.join(reports, f"{role}.ndjson"), *selection]
    started = time.monotonic()
    print(f"== fuzzing as {role}: {' '.join(command[1:])}", flush=True)
    status = subprocess.run(command, env=env, cwd=reports).returncode
    print(f"== {role}: exit {status} after {time.monotonic() - started:.0f} s", flush=True)
    return status


def findings(ndjson):
    """One line per failed check of a run's report: operation, check, request body, status and answer."""
    lines = []
    with open(ndjson) as report:
        for line in report:
            event = json.loads(line).get("ScenarioFinished")
            if not event or event["status"] != "failure":
                continue
            recorder = event["recorder"]
            for case_id, checks in recorder["checks"].items():
                for check in checks:
                    if check["status"] != "failure":
                        continue
                    interaction = recorder["interactions"].get(case_id, {})
                    request, response = interaction.get("request", {}), interaction.get("response") or {}
                    body = decode(request.get("body"))
                    answer = decode(response.get("content"))
                    lines.append(f"{recorder['label']} [{check['name']}] {request.get('method')} {request.get('uri', '').split('/', 3)[-1]}"
                                 f" body={body[:300]!r} -> {response.get('status_code')} {answer[:300]}")
    return sorted(set(lines))


def decode(content):
    if not content:
        return ""
    if "$base64" in content:
        return base64.b64decode(content["$base64"]).decode("utf-8", "replace")
    return content.get("string", "")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True, help="path to the tws-server binary")
    parser.add_argument("--seed", type=int, default=20261203)
    parser.add_argument("--max-examples", type=int, default=25, help="generated cases per operation and phase")
    parser.add_argument("--role", action="append", choices=("user", "company-admin", "super-user", "portal"),
                        help="fuzz only as this role (repeatable); all four by default (portal: the public callback operations with a portal key)")
    parser.add_argument("--paths", help="only the operations whose path matches this regular expression (while mending one)")
    args = parser.parse_args()
    roles = args.role or ["user", "company-admin", "super-user", "portal"]
    reports = tempfile.mkdtemp(prefix="tws-fuzz-")
    failures = []
    for role in roles:
        # The generated sign-ins learn the seeded user names from answers: the user-name lockout (tested elsewhere) would
        # lock the fuzzing account itself, so it is set out of reach; the client-address lockout stays as configured.
        # The callback and key limits (tested elsewhere) are set out of reach too, so the generated requests reach the
        # service rather than a 429.
        with pbx_sim(os.path.join(os.path.dirname(args.server), "pbx-sim")) as sim_port, \
                tws_server(args.server, TWS_LOGIN_LOCK_USER_FAILURES="1000000", TWS_CALLBACKS_PER_ADDRESS_PER_MINUTE="1000000",
                           TWS_CALLBACKS_PER_NUMBER_PER_HOUR="1000000", TWS_API_KEY_RATE="100000", TWS_API_KEY_BURST="100000") as base:
            credentials = seed(base, sim_port)
            if fuzz(base, role, credentials[role], args, reports) != 0:
                failures.append(role)
                for line in findings(os.path.join(reports, f"{role}.ndjson")):
                    print(f"FINDING {role}: {line}")
    print(f"fuzzing: {len(roles) - len(failures)} roles clean, {len(failures)} with findings {failures or ''} (reports in {reports})")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
