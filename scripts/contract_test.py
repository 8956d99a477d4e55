#!/usr/bin/env python3
"""Contract checks run by `make test`.

1. openapi/tws.yaml is a valid OpenAPI 3.1 document (openapi-spec-validator).
2. A real tws-server is started on a free loopback port with a temporary data directory, and zeep
   (an independent SOAP client) loads the WSDL from it and calls AdminLogin, ChangeAdminPassword,
   Login, GetMe, ListUsers, GetLicences, GetResolvedParameters and Logout over SOAP 1.1 and 1.2.
3. The SOAP endpoint refuses hostile XML (external entity) with a fault and changes nothing.
4. Every event the push channel sends during a call (call events with their screen-pop data, the Alerter card) is
   valid against the contract's PushEvent schema (jsonschema, draft 2020-12).
Prints 'N passed, N failed' last; exits non-zero on any failure.
"""
import argparse, json, os, shutil, signal, subprocess, sys, tempfile, time, traceback
import requests
from tws_harness import free_port, pbx_sim as simulated_pbx, tws_server
import jsonschema
import zeep, zeep.exceptions, zeep.transports
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
results = []


def check(name):
    def wrap(fn):
        try:
            fn()
            results.append((name, None))
            print(f"PASS {name}")
        except Exception as error:  # a failed check is reported, the others still run
            results.append((name, error))
            print(f"FAIL {name}: {error}")
            traceback.print_exc()
        return fn
    return wrap


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True, help="path to the tws-server binary")
    args = parser.parse_args()

    @check("openapi document is valid OpenAPI 3.1")
    def _():
        spec, _ = read_from_filename(os.path.join(ROOT, "openapi", "tws.yaml"))
        validate(spec)
        assert spec["openapi"].startswith("3.1"), spec["openapi"]

    push_port = free_port()
    with tws_server(args.server, TWS_PUSH_PORT=str(push_port)) as base:
        run_soap_checks(base, os.path.join(os.path.dirname(args.server), "pbx-sim"))
        run_push_checks(base, push_port, os.path.join(os.path.dirname(args.server), "pbx-sim"))

    failed = sum(1 for _, error in results if error)
    print(f"{len(results) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


def soap_client(base, port_name, token=None):
    session = requests.Session()
    if token:
        session.headers["Authorization"] = f"Bearer {token}"
    client = zeep.Client(f"{base}/soap?wsdl", transport=zeep.transports.Transport(session=session))
    return client.bind("TwsService", port_name)


def fault_code(fault):
    detail = fault.detail
    if detail is None:
        return None
    for element in detail.iter():
        if element.tag.endswith("code"):
            return element.text
    return None


def run_soap_checks(base, pbx_sim):
    state = {}

    @check("GET /openapi.yaml serves the contract")
    def _():
        response = requests.get(f"{base}/openapi.yaml", timeout=5)
        assert response.status_code == 200 and "openapi: 3.1.0" in response.text

    @check("zeep loads the WSDL from the server; boot admin must change its password")
    def _():
        service = soap_client(base, "TwsSoap11Port")
        answer = service.AdminLogin(username="tws", password="tws")
        assert answer.passwordChangeRequired is True
        admin = soap_client(base, "TwsSoap11Port", answer.token)
        try:
            admin.GetLicences(companyId=1)
            raise AssertionError("boot admin was allowed to list licences")
        except zeep.exceptions.Fault as fault:
            assert fault_code(fault) == "password_change_required", fault_code(fault)
        admin.ChangeAdminPassword(currentPassword="tws", newPassword="contract-admin-pw")
        state["admin"] = service.AdminLogin(username="tws", password="contract-admin-pw").token

    @check("REST set-up of a company, domain, user, licence and right")
    def _():
        h = {"Authorization": f"Bearer {state['admin']}"}
        company = requests.post(f"{base}/api/v1/admin/companies", json={"name": "Contract Co"}, headers=h, timeout=5).json()
        domain = requests.post(f"{base}/api/v1/admin/domains", json={"companyId": company["id"], "name": "Lyon", "numberingPlanLength": 4}, headers=h, timeout=5).json()
        user = requests.post(f"{base}/api/v1/admin/domains/{domain['id']}/users",
                             json={"username": "zoe", "firstName": "Zoé", "lastName": "Contract", "password": "zoe-password"}, headers=h, timeout=5).json()
        device = requests.post(f"{base}/api/v1/admin/users/{user['id']}/devices", json={"number": "2001"}, headers=h, timeout=5)
        assert device.status_code == 201, device.text
        licence = requests.put(f"{base}/api/v1/admin/licences/Caller?companyId={company['id']}", json={"available": 1}, headers=h, timeout=5)
        assert licence.status_code == 200, licence.text
        right = requests.post(f"{base}/api/v1/admin/authorizations", json={"objectType": "application", "application": "Caller", "granteeType": "user", "granteeId": user["id"]}, headers=h, timeout=5)
        assert right.status_code == 201, right.text
        state.update(company=company["id"], domain=domain["id"], user=user["id"])

    for port_name in ("TwsSoap11Port", "TwsSoap12Port"):
        @check(f"{port_name}: Login then GetMe returns the user, devices and applications")
        def _():
            answer = soap_client(base, port_name).Login(company="Contract Co", domain="Lyon", username="zoe", password="zoe-password")
            assert answer.userId == state["user"] and "TWS" in answer.methods.split("|")
            me = soap_client(base, port_name, answer.token).GetMe()
            assert me.user.username == "zoe" and me.user.firstName == "Zoé"
            assert me.company.name == "Contract Co" and me.domain.name == "Lyon"
            assert [d.number for d in me.device] == ["2001"]
            assert [a.code for a in me.application] == ["Caller"]
            assert any(p.name == "AuthMethods" and p.value == "TWS" for p in me.parameter)
            state[port_name] = answer.token

        @check(f"{port_name}: wrong password is a Fault invalid_credentials")
        def _():
            try:
                soap_client(base, port_name).Login(username="zoe", password="not-the-password")
                raise AssertionError("login succeeded")
            except zeep.exceptions.Fault as fault:
                assert fault_code(fault) == "invalid_credentials", fault_code(fault)

    @check("admin SOAP operations: ListUsers, GetLicences, GetResolvedParameters")
    def _():
        admin = soap_client(base, "TwsSoap12Port", state["admin"])
        users = admin.ListUsers(domainId=state["domain"], limit=10)
        assert users.total == 1 and users.user[0].username == "zoe" and users.user[0].enabled is True
        licences = {l.application: l for l in admin.GetLicences(companyId=state["company"])}
        assert licences["Caller"].available == 1 and licences["Caller"].used == 1 and licences["Caller"].free == 0
        parameters = admin.GetResolvedParameters(userId=state["user"], application="TwsServer")
        methods = [p for p in parameters if p.name == "AuthMethods"][0]
        assert methods.value == "TWS" and methods.source == "default"

    @check("directory SOAP operations: SearchDirectory and LookupNumber (zeep reads ContactCard), no_contact fault")
    def _():
        h = {"Authorization": f"Bearer {state['admin']}"}
        directories = requests.get(f"{base}/api/v1/admin/domains/{state['domain']}/directories", headers=h, timeout=5).json()["items"]
        public = [d for d in directories if d["source"] == "TwsPublic"][0]
        contact = requests.post(f"{base}/api/v1/admin/directories/{public['id']}/contacts", headers=h, timeout=5,
                                json={"lastName": "Lemaire", "firstName": "Sophie", "company": "Acme",
                                      "phones": [{"kind": "professional", "number": "+33 1 55 17 18 89"}]})
        assert contact.status_code == 201, contact.text
        right = requests.post(f"{base}/api/v1/admin/authorizations", headers=h, timeout=5,
                              json={"objectType": "directory", "objectId": public["id"], "granteeType": "user", "granteeId": state["user"]})
        assert right.status_code == 201, right.text
        user = soap_client(base, "TwsSoap12Port", state["TwsSoap12Port"])
        found = user.SearchDirectory(query="lemaire acme", limit=5)
        assert found.hasMore is False and [c.lastName for c in found.contact] == ["Lemaire"]
        assert found.contact[0].phone[0].number == "+33 1 55 17 18 89"
        caller = user.LookupNumber(number="0155171889")
        assert caller.name == "Sophie Lemaire" and caller.contact.company == "Acme"
        try:
            user.LookupNumber(number="0199999999")
            raise AssertionError("an unknown number was found")
        except zeep.exceptions.Fault as fault:
            assert fault_code(fault) == "no_contact", fault_code(fault)

    @check("Logout revokes the token: GetMe then faults unauthenticated")
    def _():
        token = state["TwsSoap11Port"]
        soap_client(base, "TwsSoap11Port", token).Logout()
        try:
            soap_client(base, "TwsSoap11Port", token).GetMe()
            raise AssertionError("revoked token still works")
        except zeep.exceptions.Fault as fault:
            assert fault_code(fault) == "unauthenticated", fault_code(fault)

    @check("hostile XML (external entity) is refused and changes nothing")
    def _():
        before = requests.get(f"{base}/api/v1/admin/domains/{state['domain']}/users", headers={"Authorization": f"Bearer {state['admin']}"}, timeout=5).json()["total"]
        body = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:t="urn:opentws:soap:v1">'
                '<soap:Body><t:Login><t:username>&e;</t:username></t:Login></soap:Body></soap:Envelope>')
        response = requests.post(f"{base}/soap", data=body, headers={"Content-Type": "text/xml; charset=utf-8"}, timeout=5)
        # A SOAP 1.1 fault travels with HTTP 500 (WS-I Basic Profile R1126); the code says what was wrong.
        assert response.status_code == 500, response.status_code
        assert "<faultcode>soap:Client</faultcode>" in response.text
        assert "xml_dtd_forbidden" in response.text and "root:" not in response.text
        after = requests.get(f"{base}/api/v1/admin/domains/{state['domain']}/users", headers={"Authorization": f"Bearer {state['admin']}"}, timeout=5).json()["total"]
        assert before == after

    @check("PHP SoapClient (SOAP 1.1 and 1.2) and a gSOAP client generated from the served WSDL: sign in, GetMe, search, "
           "click-to-call through a PBX, and a fault's code")
    def _():
        for tool in ("php", "wsdl2h", "soapcpp2", "g++"):
            if shutil.which(tool) is None:
                raise AssertionError(f"{tool} is not installed (make deps installs php-cli, php-soap, gsoap, libgsoap-dev and g++)")
        h = {"Authorization": f"Bearer {state['admin']}"}
        pbx_port = free_port()
        sim = subprocess.Popen([pbx_sim, "--port", str(pbx_port), "--devices", "2000-2099", "--keep-alive", "0", "--log-level", "error"],
                               stdout=subprocess.PIPE, text=True)
        try:
            assert "listening" in (sim.stdout.readline() or ""), "pbx-sim did not start"
            link = requests.post(f"{base}/api/v1/admin/domains/{state['domain']}/pbx-links", headers=h, timeout=10,
                                 json={"host": "127.0.0.1", "port": pbx_port, "capacity": 100, "pbxType": "simulator"})
            assert link.status_code == 201, link.text
            token = requests.post(f"{base}/api/v1/auth/login", json={"username": "zoe", "password": "zoe-password"}, timeout=5).json()["token"]
            for _ in range(100):
                lines = requests.get(f"{base}/api/v1/telephony/devices", headers={"Authorization": f"Bearer {token}"}, timeout=5).json()
                if lines and lines[0]["presence"] == "idle":
                    break
                time.sleep(0.1)
            else:
                raise AssertionError(f"device 2001 never monitored: {lines}")
            script = os.path.join(ROOT, "scripts", "soap_clients", "php_client.php")
            for version, status, faultcode in (("11", 500, "Client"), ("12", 400, "Sender")):
                run = subprocess.run(["php", script, base, version, "Contract Co", "Lyon", "zoe", "zoe-password"],
                                     capture_output=True, text=True, timeout=60)
                assert run.returncode == 0, run.stderr or run.stdout
                result = json.loads(run.stdout.strip().splitlines()[-1])
                assert result["token"] and result["username"] == "zoe" and result["contact"] == "Lemaire", result
                assert result["callId"] and result["callDevice"] == "2001", result
                # PHP reads the fault's code from its detail, whatever the HTTP status the specifications fix.
                assert result["fault"] == "invalid_credentials", result
                assert result["faultcode"].endswith(faultcode) and result["status"] == status, result
            # gSOAP: C++ proxy classes generated from the WSDL the server serves, compiled and run.
            work = tempfile.mkdtemp(prefix="tws-gsoap-")
            try:
                wsdl = os.path.join(work, "tws.wsdl")
                with open(wsdl, "wb") as f:
                    f.write(requests.get(f"{base}/soap?wsdl", timeout=5).content)
                steps = [
                    ["wsdl2h", "-o", "tws.h", "-t", "/usr/share/gsoap/WS/typemap.dat", "tws.wsdl"],
                    ["soapcpp2", "-j", "-C", "-x", "-I/usr/share/gsoap/import", "tws.h"],
                    ["g++", "-O0", "-o", "tws-gsoap", os.path.join(ROOT, "scripts", "soap_clients", "gsoap_client.cpp"), "soapC.cpp",
                     "soapTwsSoap11BindingProxy.cpp", "-I.", "-lgsoap++"],
                ]
                for step in steps:
                    done = subprocess.run(step, cwd=work, capture_output=True, text=True, timeout=300)
                    assert done.returncode == 0, f"{step[0]}: {done.stderr[-2000:] or done.stdout[-2000:]}"
                run = subprocess.run([os.path.join(work, "tws-gsoap"), f"{base}/soap", "Contract Co", "Lyon", "zoe", "zoe-password"],
                                     capture_output=True, text=True, timeout=60)
                assert run.returncode == 0, run.stderr or run.stdout
                result = json.loads(run.stdout.strip().splitlines()[-1])
                assert result["username"] == "zoe" and result["contact"] == "Lemaire", result
                assert result["callId"] and result["callDevice"] == "2001", result
                # gSOAP reads the fault under the status the SOAP specifications fix for the version it chose, and its
                # code from the detail (gSOAP's generated namespace table may write SOAP 1.2 envelopes for this binding).
                assert result["fault"] is True and result["faultCode"] == "invalid_credentials", result
                assert result["faultcode"].endswith(("Client", "Sender")), result
            finally:
                shutil.rmtree(work, ignore_errors=True)
        finally:
            sim.send_signal(signal.SIGTERM)
            try:
                sim.wait(timeout=10)
            except subprocess.TimeoutExpired:
                sim.kill()



def run_push_checks(base, push_port, pbx_sim):
    @check("push events of a call (screen-pop data, Alerter card) are valid PushEvents of the contract")
    def _():
        spec, _ = read_from_filename(os.path.join(ROOT, "openapi", "tws.yaml"))
        validator = jsonschema.Draft202012Validator({"$ref": "#/components/schemas/PushEvent", "components": spec["components"]})
        admin = requests.post(f"{base}/api/v1/admin/auth/login", json={"username": "tws", "password": "contract-admin-pw"}, timeout=5).json()["token"]
        h = {"Authorization": f"Bearer {admin}"}

        def post(path, body, status=201):
            answer = requests.post(f"{base}{path}", json=body, headers=h, timeout=10)
            assert answer.status_code == status, f"{path}: {answer.status_code} {answer.text}"
            return answer.json() if answer.content else None

        company = post("/api/v1/admin/companies", {"name": "Push Co"})["id"]
        domain = post("/api/v1/admin/domains", {"companyId": company, "name": "Nantes", "numberingPlanLength": 4})["id"]
        assert requests.put(f"{base}/api/v1/admin/licences/Alerter?companyId={company}", json={"available": 1}, headers=h, timeout=5).ok
        agent = post(f"/api/v1/admin/domains/{domain}/users", {"username": "agent", "firstName": "Ana", "lastName": "Agent", "password": "agent-password"})
        caller = post(f"/api/v1/admin/domains/{domain}/users", {"username": "caller", "firstName": "Carl", "lastName": "Caller", "password": "caller-password"})
        post(f"/api/v1/admin/users/{agent['id']}/devices", {"number": "2001"})
        post(f"/api/v1/admin/users/{caller['id']}/devices", {"number": "2002"})
        post("/api/v1/admin/authorizations", {"objectType": "application", "application": "Alerter", "granteeType": "user", "granteeId": agent["id"]})
        # Device lines and click-to-call need TWS Caller (issue 19).
        assert requests.put(f"{base}/api/v1/admin/licences/Caller?companyId={company}", json={"available": 2}, headers=h, timeout=5).ok
        for user in (agent, caller):
            post("/api/v1/admin/authorizations", {"objectType": "application", "application": "Caller", "granteeType": "user", "granteeId": user["id"]})
        with simulated_pbx(pbx_sim) as pbx_port:
            post(f"/api/v1/admin/domains/{domain}/pbx-links", {"host": "127.0.0.1", "port": pbx_port, "capacity": 10, "pbxType": "simulator"})
            agent_token = requests.post(f"{base}/api/v1/auth/login", json={"username": "agent", "password": "agent-password"}, timeout=5).json()["token"]
            caller_token = requests.post(f"{base}/api/v1/auth/login", json={"username": "caller", "password": "caller-password"}, timeout=5).json()["token"]
            for _ in range(100):
                lines = requests.get(f"{base}/api/v1/telephony/devices", headers={"Authorization": f"Bearer {caller_token}"}, timeout=5).json()
                if lines and lines[0]["presence"] == "idle":
                    break
                time.sleep(0.1)
            else:
                raise AssertionError(f"device 2002 never monitored: {lines}")
            call = requests.post(f"{base}/api/v1/calls", json={"number": "2001"}, headers={"Authorization": f"Bearer {caller_token}"}, timeout=10)
            assert call.status_code == 201, call.text
            events, after, deadline = [], 0, time.time() + 15
            while not any(e["type"] == "alerter" for e in events) and time.time() < deadline:
                answer = requests.get(f"http://127.0.0.1:{push_port}/events/poll?after={after}&timeout=2",
                                      headers={"Authorization": f"Bearer {agent_token}"}, timeout=10).json()
                events += answer["events"]
                after = answer["next"]
            cards = [e["alerter"] for e in events if e["type"] == "alerter"]
            assert cards, f"no alerter event in {events}"
            delivered = [e["call"] for e in events if e["type"] == "call" and e["call"]["event"] == "delivered"]
            assert delivered and delivered[0]["caller"]["number"] == "2002", delivered
            assert cards[0]["caller"]["number"] == "2002" and cards[0]["mode"] == "XML" and cards[0]["elements"], cards[0]
            for event in events:
                errors = sorted(validator.iter_errors(event), key=lambda error: list(error.path))
                assert not errors, f"{event['type']} event not a PushEvent: {errors[0].message} at {list(errors[0].path)}: {event}"
            print(f"  {len(events)} events checked: {sorted(set(e['type'] for e in events))}")


if __name__ == "__main__":
    main()
