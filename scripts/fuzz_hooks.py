"""Schemathesis hooks for fuzz_contract.py (loaded through SCHEMATHESIS_HOOKS).

The fuzzer signs in as the role named by TWS_FUZZ_ROLE. Generated requests may end the session it uses (logout, token
refresh, a password reset of the account): a 401 makes schemathesis sign in again and replay the request, so one such
request does not turn the rest of the run into 401s. The generated sign-ins with wrong passwords lock out their client
address after 20 failures, as they should; the hook signs in from another loopback address (127.0.0.2), as a second
client would.
"""
import http.client, json, os, urllib.parse
import schemathesis

BASE = os.environ["TWS_FUZZ_BASE"]
ROLE = os.environ["TWS_FUZZ_ROLE"]
CREDENTIALS = json.loads(os.environ["TWS_FUZZ_CREDENTIALS"])


@schemathesis.auth(refresh_interval=600)
class SessionToken:
    def get(self, case, context):
        # A portal key is its own credential (sent as a bearer token, as API keys may be).
        if ROLE == "portal":
            return CREDENTIALS["key"]
        path = "/api/v1/auth/login" if ROLE == "user" else "/api/v1/admin/auth/login"
        url = urllib.parse.urlsplit(BASE)
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10, source_address=("127.0.0.2", 0))
        try:
            connection.request("POST", path, body=json.dumps(CREDENTIALS), headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            body = response.read()
        finally:
            connection.close()
        if response.status != 200:
            raise RuntimeError(f"sign-in as {CREDENTIALS['username']} answered {response.status}: {body[:200]!r}")
        return json.loads(body)["token"]

    def set(self, case, data, context):
        case.headers = case.headers or {}
        if ROLE == "portal":
            # The contract's scheme for the public callback operations: the key in X-API-Key.
            case.headers["X-API-Key"] = data
        else:
            case.headers["Authorization"] = f"Bearer {data}"
