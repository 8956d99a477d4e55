#!/usr/bin/env bash
# Throw-away OpenLDAP (slapd 2.5, Debian 12) for tests.
#
#   ldap.sh start DIR PORT     # ldap://127.0.0.1:PORT (plain + StartTLS), ldaps://127.0.0.1:$((PORT+1))
#   ldap.sh stop  DIR [PORT]   # kills the slapd whose pid is in DIR/slapd.pid; keeps DIR
#
# Needs: slapd ldap-utils openssl (`make test` installs them; nothing is installed here).
# Works as root or as an unprivileged user (everything lives in DIR, no port < 1024).
# Used by Tests/IntegrationTests/LDAPTestServer.swift; adapted from the verified auth-lab recipe.
#
# Environment knobs (all optional):
#   LDAPS_PORT=N            ldaps port (default PORT+1)
#   LDAP_GEN_USERS=N        extra generated entries uid=genNNNNN,ou=people (default 0)
#   LDAP_ALLOW_UNAUTH=1|0   olcAllows: bind_anon_dn, i.e. accept "DN + empty password"
#                           unauthenticated binds (RFC 4513 5.1.2). Default 1 so the product's
#                           test can prove it refuses empty passwords itself. slapd's own default is 0.
#   LDAP_DEBUG=N            slapd -d level (default 0 = no debug, still stays in foreground)
#
# Fixed test data (suffix dc=example,dc=org):
#   rootdn  cn=admin,dc=example,dc=org / password
#   config  cn=config / config   (olcRootDN of the cn=config database, for runtime ldapmodify)
#   uid=alice,ou=people,...  alice-secret
#   uid=bob,ou=people,...    bob-secret
#   uid=o\,dd\+na\"me\\x\=y,ou=people,...  (uid value: o,dd+na"me\x=y)  odd-secret
#   uid=nopw,ou=people,...   no userPassword at all
#   uid=emptypw,ou=people,.. emptypw-secret (use it with -w '' for the unauthenticated-bind test)
#   uid=genNNNNN,ou=people,...  gen-secret   (LDAP_GEN_USERS of them, for paged results; sn genNNNNN,
#                               telephoneNumber +33 1 40 xx xx xx from N, mail genNNNNN@example.org)
#   cn=tws-users,ou=groups,... groupOfNames: alice + odd user; cn=tws-admins: bob
set -euo pipefail
# slapd, slapadd and slappasswd live in /usr/sbin, which an unprivileged PATH may lack.
export PATH="$PATH:/usr/sbin:/sbin"

cmd=${1:-}; DIR=${2:-}; PORT=${3:-}
[ -n "$cmd" ] && [ -n "$DIR" ] || { echo "usage: $0 start|stop DIR PORT" >&2; exit 2; }

stop() {
  if [ -f "$DIR/slapd.pid" ]; then
    pid=$(cat "$DIR/slapd.pid")
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid"
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    fi
    rm -f "$DIR/slapd.pid"
  fi
}

if [ "$cmd" = stop ]; then stop; exit 0; fi
[ "$cmd" = start ] || { echo "unknown command $cmd" >&2; exit 2; }
[ -n "$PORT" ] || { echo "PORT required" >&2; exit 2; }
for tool in slapd slapadd slappasswd ldapsearch openssl; do
  command -v "$tool" >/dev/null || { echo "$tool not found: install slapd ldap-utils openssl (make test does)" >&2; exit 3; }
done

LDAPS_PORT=${LDAPS_PORT:-$((PORT + 1))}
NGEN=${LDAP_GEN_USERS:-0}
ALLOW_UNAUTH=${LDAP_ALLOW_UNAUTH:-1}
DBG=${LDAP_DEBUG:-0}
SCHEMA=/etc/ldap/schema
MODPATH=/usr/lib/ldap

stop   # idempotent restart
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
rm -rf "$DIR/slapd.d" "$DIR/db" "$DIR"/*.ldif
mkdir -p "$DIR/slapd.d" "$DIR/db"

# ---------- TLS: a tiny CA + server cert (CN=localhost, SAN localhost + $(hostname) + 127.0.0.1) ----------
# $(hostname) is needed because libldap replaces the URL host "localhost" by the local hostname
# (ldap_host_connected_to) before checking the certificate name.
if [ ! -f "$DIR/server.pem" ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=TWS Test CA" \
    -keyout "$DIR/ca.key" -out "$DIR/ca.pem" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
    -keyout "$DIR/server.key" -out "$DIR/server.csr" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,DNS:%s,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "$(hostname 2>/dev/null || cat /etc/hostname)" > "$DIR/server.ext"
  openssl x509 -req -in "$DIR/server.csr" -CA "$DIR/ca.pem" -CAkey "$DIR/ca.key" -CAcreateserial \
    -days 3650 -extfile "$DIR/server.ext" -out "$DIR/server.pem" 2>/dev/null
  # an unrelated CA, for "wrong CA must fail" tests
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=Other CA" \
    -keyout "$DIR/other-ca.key" -out "$DIR/other-ca.pem" 2>/dev/null
  chmod 600 "$DIR"/*.key
fi

# ---------- cn=config ----------
cat > "$DIR/config.ldif" <<EOF
dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: $DIR/slapd.pid
olcArgsFile: $DIR/slapd.args
olcTLSCACertificateFile: $DIR/ca.pem
olcTLSCertificateFile: $DIR/server.pem
olcTLSCertificateKeyFile: $DIR/server.key
EOF
if [ "$ALLOW_UNAUTH" = 1 ]; then echo "olcAllows: bind_anon_dn" >> "$DIR/config.ldif"; fi
cat >> "$DIR/config.ldif" <<EOF

dn: cn=module{0},cn=config
objectClass: olcModuleList
cn: module{0}
olcModulePath: $MODPATH
olcModuleLoad: back_mdb

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

include: file://$SCHEMA/core.ldif

include: file://$SCHEMA/cosine.ldif

include: file://$SCHEMA/inetorgperson.ldif

include: file://$SCHEMA/nis.ldif

dn: olcDatabase={-1}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {-1}frontend
olcSizeLimit: size.soft=500 size.hard=500 size.prtotal=unlimited

dn: olcDatabase={0}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {0}config
olcRootDN: cn=config
olcRootPW: config

dn: olcDatabase={1}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {1}mdb
olcSuffix: dc=example,dc=org
olcRootDN: cn=admin,dc=example,dc=org
olcRootPW: password
olcDbDirectory: $DIR/db
olcDbMaxSize: 268435456
olcDbIndex: objectClass eq
olcDbIndex: uid,cn,member eq
olcSizeLimit: size.soft=500 size.hard=500 size.prtotal=unlimited
olcAccess: {0}to attrs=userPassword by self write by anonymous auth by * none
olcAccess: {1}to * by * read
EOF
slapadd -n0 -F "$DIR/slapd.d" -l "$DIR/config.ldif" >"$DIR/slapadd.log" 2>&1 \
  || { cat "$DIR/slapadd.log" >&2; exit 1; }

# ---------- data ----------
hash() { slappasswd -h '{SSHA}' -s "$1"; }
{
cat <<EOF
dn: dc=example,dc=org
objectClass: dcObject
objectClass: organization
dc: example
o: Example

dn: ou=people,dc=example,dc=org
objectClass: organizationalUnit
ou: people

dn: ou=groups,dc=example,dc=org
objectClass: organizationalUnit
ou: groups

dn: uid=alice,ou=people,dc=example,dc=org
objectClass: inetOrgPerson
objectClass: posixAccount
uid: alice
cn: Alice Example
sn: Example
givenName: Alice
mail: alice@example.org
telephoneNumber: +1 555 0100
uidNumber: 10001
gidNumber: 10000
homeDirectory: /home/alice
userPassword: $(hash alice-secret)

dn: uid=bob,ou=people,dc=example,dc=org
objectClass: inetOrgPerson
objectClass: posixAccount
uid: bob
cn: Bob Example
sn: Example
mail: bob@example.org
uidNumber: 10002
gidNumber: 10000
homeDirectory: /home/bob
userPassword: $(hash bob-secret)

dn: uid=o\,dd\+na\"me\\\\x\=y,ou=people,dc=example,dc=org
objectClass: inetOrgPerson
uid: o,dd+na"me\\x=y
cn: Odd Name
sn: Name
userPassword: $(hash odd-secret)

dn: uid=nopw,ou=people,dc=example,dc=org
objectClass: inetOrgPerson
uid: nopw
cn: No Password
sn: Password

dn: uid=emptypw,ou=people,dc=example,dc=org
objectClass: inetOrgPerson
uid: emptypw
cn: Empty Password Test
sn: Test
userPassword: $(hash emptypw-secret)

dn: cn=tws-users,ou=groups,dc=example,dc=org
objectClass: groupOfNames
cn: tws-users
member: uid=alice,ou=people,dc=example,dc=org
member: uid=o\,dd\+na\"me\\\\x\=y,ou=people,dc=example,dc=org

dn: cn=tws-admins,ou=groups,dc=example,dc=org
objectClass: groupOfNames
cn: tws-admins
member: uid=bob,ou=people,dc=example,dc=org

EOF
genpw=$(hash gen-secret)
for i in $(seq 1 "$NGEN"); do
  n=$(printf 'gen%05d' "$i")
  printf 'dn: uid=%s,ou=people,dc=example,dc=org\nobjectClass: inetOrgPerson\nuid: %s\ncn: Generated %s\nsn: %s\ngivenName: Gen\ntelephoneNumber: +33 1 40 %02d %02d %02d\nmail: %s@example.org\nuserPassword: %s\n\n' \
    "$n" "$n" "$i" "$n" $((i / 10000 % 100)) $((i / 100 % 100)) $((i % 100)) "$n" "$genpw"
done
} > "$DIR/data.ldif"
slapadd -q -n1 -F "$DIR/slapd.d" -l "$DIR/data.ldif" >>"$DIR/slapadd.log" 2>&1 \
  || { cat "$DIR/slapadd.log" >&2; exit 1; }

# ---------- start (foreground -d keeps it as our child; background it) ----------
URLS="ldap://127.0.0.1:$PORT/ ldaps://127.0.0.1:$LDAPS_PORT/"
# The daemon keeps none of the caller's descriptors above 2: a caller that learns that this script ended
# from a pipe closing (Foundation's Process does) would otherwise wait for slapd's whole life.
(
  for fd in /proc/$BASHPID/fd/*; do fd=${fd##*/}; [ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null; done
  exec nohup slapd -d "$DBG" -F "$DIR/slapd.d" -h "$URLS" >"$DIR/slapd.log" 2>&1 </dev/null
) &
echo $! > "$DIR/slapd.pid"     # slapd rewrites the same pid into olcPidFile
for _ in $(seq 100); do
  if ldapsearch -x -H "ldap://127.0.0.1:$PORT" -b "" -s base -LLL namingContexts >/dev/null 2>&1; then
    echo "slapd pid $(cat "$DIR/slapd.pid") on ldap://127.0.0.1:$PORT ldaps://127.0.0.1:$LDAPS_PORT (CA: $DIR/ca.pem)"
    exit 0
  fi
  kill -0 "$(cat "$DIR/slapd.pid")" 2>/dev/null || break
  sleep 0.1
done
echo "slapd failed to start; log:" >&2; tail -20 "$DIR/slapd.log" >&2; exit 1
