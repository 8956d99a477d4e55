#!/usr/bin/python3
"""An SMTP sink for tests and the bench (issue 20): Debian's python3-aiosmtpd, run with /usr/bin/python3.

Listens on 127.0.0.1 (a free port unless --port), prints the port on its first line of stdout, and appends one JSON
line per accepted message to --out: {"from", "to", "data", "receivedAt", "tls", "login"}. With --user/--password it
offers AUTH (PLAIN, LOGIN) and requires it; with --cert/--key it offers STARTTLS, and --require-tls refuses mail
before it. --mode: ok (250), reject (550 for every message), tempfail (451). A sink that is "down" is simply stopped;
start it again with --port to come back on the same port.
"""
import argparse, json, signal, socket, ssl, threading, time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Sink:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.args.mode == "reject":
            return "550 5.7.1 refused by the test sink"
        if self.args.mode == "tempfail":
            return "451 4.3.0 try again later"
        line = {
            "from": envelope.mail_from,
            "to": envelope.rcpt_tos,
            "data": envelope.content.decode("utf-8", "replace"),
            "receivedAt": time.time(),
            "tls": session.ssl is not None,
            "login": session.auth_data.login.decode() if isinstance(getattr(session, "auth_data", None), LoginPassword) else None,
        }
        with self.lock, open(self.args.out, "a") as out:
            out.write(json.dumps(line) + "\n")
        return "250 2.0.0 OK"


def main():
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--user")
    ap.add_argument("--password")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--require-tls", action="store_true")
    ap.add_argument("--mode", default="ok", choices=["ok", "reject", "tempfail"])
    args = ap.parse_args()
    port = args.port
    if port == 0:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
    options = {}
    if args.cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)
        options.update(tls_context=context, require_starttls=args.require_tls)
    if args.user:
        def authenticate(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == args.user and auth_data.password.decode() == args.password
            return AuthResult(success=ok, auth_data=auth_data)
        # AUTH over plain text is allowed only when no certificate is given (a loopback test of the AUTH step itself).
        options.update(authenticator=authenticate, auth_required=True, auth_require_tls=bool(args.cert))
    controller = Controller(Sink(args), hostname="127.0.0.1", port=port, **options)
    controller.start()
    print(port, flush=True)
    try:
        signal.pause()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
