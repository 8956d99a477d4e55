#!/usr/bin/env bash
# Throw-away MIT Kerberos KDC (krb5 1.20, Debian 12) for tests.
#
#   kdc.sh start DIR PORT   # krb5kdc on 127.0.0.1:PORT (UDP+TCP), realms TWS.TEST and OTHER.TEST
#   kdc.sh stop  DIR [PORT] # kills the krb5kdc whose pid is in DIR/krb5kdc.pid; keeps DIR
#
# Adapted for the product's tests from a verified recipe. Needs: apt-get install -y krb5-kdc krb5-admin-server krb5-user   (kadmin.local is in
# krb5-admin-server; kinit/klist/kvno in krb5-user). Nothing is installed here.
# Works as root or unprivileged (all files in DIR, PORT >= 1024).
#
# Afterwards, for every krb5/GSSAPI process (client or acceptor):
#   export KRB5_CONFIG=DIR/krb5.conf          # realms, 127.0.0.1:PORT, no DNS canonicalisation
#   export KRB5CCNAME=FILE:DIR/alice.cc       # per-client credential cache
# Only the KDC/kadmin.local also need KRB5_KDC_PROFILE=DIR/kdc.conf (this script sets it).
#
# Principals (passwords):
#   alice@TWS.TEST         alice-secret
#   bob@TWS.TEST           bob-secret
#   carol@TWS.TEST         carol-secret     (valid Kerberos user, NOT a product user)
#   shortlived@TWS.TEST    short-secret     (maxlife 10 s: its tickets expire quickly)
#   dave@OTHER.TEST        dave-secret      (other realm; cross-realm trust OTHER.TEST -> TWS.TEST,
#                                             so dave can get a ticket for HTTP/localhost@TWS.TEST)
#   HTTP/localhost@TWS.TEST  randkey -> DIR/http.keytab   (the product's acceptor keytab)
#   HTTP/otherhost@TWS.TEST  randkey -> DIR/other.keytab  (a keytab that does NOT hold HTTP/localhost)
set -euo pipefail

cmd=${1:-}; DIR=${2:-}; PORT=${3:-}
[ -n "$cmd" ] && [ -n "$DIR" ] || { echo "usage: $0 start|stop DIR PORT" >&2; exit 2; }

stop() {
  if [ -f "$DIR/krb5kdc.pid" ]; then
    pid=$(cat "$DIR/krb5kdc.pid")
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid"
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    fi
    rm -f "$DIR/krb5kdc.pid"
  fi
}
if [ "$cmd" = stop ]; then stop; exit 0; fi
[ "$cmd" = start ] || { echo "unknown command $cmd" >&2; exit 2; }
[ -n "$PORT" ] || { echo "PORT required" >&2; exit 2; }

stop
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
rm -rf "$DIR"/principal* "$DIR"/other-principal* "$DIR"/stash* "$DIR"/*.keytab "$DIR"/*.cc "$DIR"/*.log

cat > "$DIR/krb5.conf" <<EOF
[libdefaults]
    default_realm = TWS.TEST
    dns_lookup_kdc = false
    dns_lookup_realm = false
    # do not turn "localhost" into the machine's name or a reverse-DNS name:
    # curl --negotiate http://localhost:N/ must ask for HTTP/localhost@TWS.TEST
    dns_canonicalize_hostname = false
    rdns = false
    # never touch the real /tmp/krb5cc_UID by accident
    default_ccache_name = FILE:$DIR/default.cc
    # tolerate only 5 s of clock skew, so "expired ticket" tests need not wait 5 minutes
    clockskew = 5
    ticket_lifetime = 10h
    forwardable = true

[realms]
    TWS.TEST = {
        kdc = 127.0.0.1:$PORT
    }
    OTHER.TEST = {
        kdc = 127.0.0.1:$PORT
    }

[domain_realm]
    localhost = TWS.TEST
    otherhost = TWS.TEST

[logging]
    default = FILE:$DIR/krb5lib.log
EOF

cat > "$DIR/kdc.conf" <<EOF
[kdcdefaults]
    kdc_listen = 127.0.0.1:$PORT
    kdc_tcp_listen = 127.0.0.1:$PORT

[realms]
    TWS.TEST = {
        database_name = $DIR/principal
        key_stash_file = $DIR/stash
        acl_file = $DIR/kadm5.acl
        max_life = 10h
        max_renewable_life = 1d
        supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal
    }
    OTHER.TEST = {
        database_name = $DIR/other-principal
        key_stash_file = $DIR/other-stash
        acl_file = $DIR/kadm5.acl
        max_life = 10h
        max_renewable_life = 1d
        supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal
    }

[logging]
    kdc = FILE:$DIR/kdc.log
    admin_server = FILE:$DIR/kadmin.log
EOF
: > "$DIR/kadm5.acl"

export KRB5_CONFIG="$DIR/krb5.conf" KRB5_KDC_PROFILE="$DIR/kdc.conf"
unset KRB5_KTNAME KRB5CCNAME || true

kdb5_util create -s -r TWS.TEST   -P masterpw >"$DIR/setup.log" 2>&1
kdb5_util create -s -r OTHER.TEST -P masterpw >>"$DIR/setup.log" 2>&1

q()  { kadmin.local -r TWS.TEST   -q "$1" >>"$DIR/setup.log" 2>&1; }
qo() { kadmin.local -r OTHER.TEST -q "$1" >>"$DIR/setup.log" 2>&1; }
q "addprinc -pw alice-secret alice"
q "addprinc -pw bob-secret bob"
q "addprinc -pw carol-secret carol"
q "addprinc -pw short-secret -maxlife 10s shortlived"
q "addprinc -randkey HTTP/localhost"
q "addprinc -randkey HTTP/otherhost"
q "ktadd -k $DIR/http.keytab HTTP/localhost"
q "ktadd -k $DIR/other.keytab HTTP/otherhost"
qo "addprinc -pw dave-secret dave"
# cross-realm: OTHER.TEST users may get TWS.TEST service tickets (same key in both DBs)
q  "addprinc -pw cross-realm-secret krbtgt/TWS.TEST@OTHER.TEST"
qo "addprinc -pw cross-realm-secret krbtgt/TWS.TEST@OTHER.TEST"
chmod 600 "$DIR"/*.keytab

# -n: stay in the foreground (so $! is the KDC's pid); -P also writes it
# The daemon keeps none of the caller's descriptors above 2: a test process's sockets held open by it would never
# be seen closed by their peers, and a caller reading this script's output would wait for the KDC's whole life.
(
  for fd in /proc/$BASHPID/fd/*; do fd=${fd##*/}; [ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null; done
  exec nohup krb5kdc -n -r TWS.TEST -r OTHER.TEST -P "$DIR/krb5kdc.pid.kdc" >"$DIR/krb5kdc.out" 2>&1 </dev/null
) &
echo $! > "$DIR/krb5kdc.pid"
for _ in $(seq 100); do
  if echo alice-secret | KRB5CCNAME="FILE:$DIR/probe.cc" kinit alice@TWS.TEST >/dev/null 2>&1; then
    rm -f "$DIR/probe.cc"
    echo "krb5kdc pid $(cat "$DIR/krb5kdc.pid") on 127.0.0.1:$PORT; export KRB5_CONFIG=$DIR/krb5.conf; keytab $DIR/http.keytab"
    exit 0
  fi
  kill -0 "$(cat "$DIR/krb5kdc.pid")" 2>/dev/null || break
  sleep 0.1
done
echo "krb5kdc failed to start:" >&2; cat "$DIR/krb5kdc.out" >&2; tail -20 "$DIR/kdc.log" >&2 || true; exit 1
