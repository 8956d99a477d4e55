#!/usr/bin/env bash
# Throw-away OpenLDAP (slapd 2.5, Debian 12) preloaded with N generated contacts, for the directory benchmark
# (scripts/bench_directory.py). Adapted from the verified dir-lab recipe; same style as scripts/test-services/ldap.sh.
#
#   ldap_contacts.sh gen   FILE.ldif N    # only write the LDIF (+ FILE.tsv, one line per contact)
#   ldap_contacts.sh start DIR PORT [N]   # config (slapadd -n0) + generate N contacts + slapadd -q + slapd on 127.0.0.1:PORT
#   ldap_contacts.sh stop  DIR            # kills the slapd whose pid is in DIR/slapd.pid; keeps DIR
#
# Needs: slapd ldap-utils python3 (make deps installs the first two; nothing is installed here).
# Works as root or unprivileged (everything in DIR, PORT >= 1024). 500,000 contacts: 5-10 s to generate,
# 1-2.5 min for slapadd -q on 2 shared cores (58-150 s measured, with other jobs running); DB 843 MB
# (olcDbMaxSize 8 GiB is sparse).
#
# Environment knobs (all optional):
#   LDAP_REUSE=1          when DIR already holds a complete load of the same N, start slapd on it without reloading
#   LDAP_TOOL_THREADS=N   slapadd olcToolThreads (default 1: 2 was slower on 2 shared cores)
#   LDAP_DEBUG=N          slapd -d level (default 0; 256 = "stats": one RESULT line per operation with qtime/etime)
#   LDAP_SEED=N           generator seed (default 20261123)
#
# Data (suffix dc=example,dc=org; rootdn cn=admin,dc=example,dc=org / password; anonymous read of everything;
# size.soft=500 size.hard=500 size.prtotal=unlimited, so only paged searches read more than 500 entries):
#   uid=cNNNNNNN,ou=contacts,dc=example,dc=org   inetOrgPerson, NNNNNNN = 1..N
#     sn               one of ~300 common French/European surnames (accents, O'Brien, Łukasiewicz…), Zipf-like spread
#     givenName        one of ~100 first names; cn = "givenName sn"
#     o                one of 2,000 companies ("Acme Transports 17"), Zipf-like spread
#     telephoneNumber  "+33 A xx xx xx xx", A in 1..5, unique
#     mobile           "+33 6 xx xx xx xx", unique, never "+33 6 12 34 …" (the demo users' mobiles)
#     mail             first.last.NNN@company-domain.fr, unique
#     employeeType     "lr" (liste rouge: a red-list value the server understands) on every 50th contact
#     title            "VIP gold" on every 100th contact (the VIP field), absent otherwise
#   Numbers "+33 7 …", "+33 8 …" and "+33 9 …" belong to nobody (use them for unknown-number lookups).
#   Non-ASCII values are base64 (RFC 2849 "::"). DIR/contacts.tsv holds the same data, one contact a line:
#   uid sn givenName o telephoneNumber mobile mail redlist(0/1) vip(0/1)
# Indexes: objectClass eq; uid,mail eq; cn,sn,givenName eq,sub; telephoneNumber,mobile eq.
set -euo pipefail
# slapd and slapadd live in /usr/sbin, which an unprivileged PATH may lack.
export PATH="$PATH:/usr/sbin:/sbin"

cmd=${1:-}; DIR=${2:-}; PORT=${3:-}
usage() { echo "usage: $0 gen FILE.ldif N | start DIR PORT [N] | stop DIR" >&2; exit 2; }
[ -n "$cmd" ] && [ -n "$DIR" ] || usage

gen() { # FILE.ldif N  (also writes FILE's .tsv sibling)
  python3 - "$1" "$2" "${LDAP_SEED:-20261123}" <<'PY'
import base64, random, sys, unicodedata
out, n, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
tsv = (out[:-5] if out.endswith(".ldif") else out) + ".tsv"
SURNAMES = """Martin Bernard Thomas Petit Robert Richard Durand Dubois Moreau Laurent Simon Michel Lefebvre Leroy Roux David
Bertrand Morel Fournier Girard Bonnet Dupont Lambert Fontaine Rousseau Vincent Müller Lefèvre Faure André Mercier Blanc Guérin
Boyer Garnier Chevalier François Legrand Gauthier Garcia Perrin Robin Clément Morin Nicolas Henry Roussel Mathieu Gautier Masson
Marchand Duval Denis Dumont Marie Lemaire Noël Meyer Dufour Meunier Brun Blanchard Giraud Joly Rivière Lucas Brunet Gaillard
Barbier Arnaud Martinez Gérard Roche Renard Schmitt Roy Leroux Colin Vidal Caron Picard Roger Fabre Aubert Lemoine Renaud Dumas
Lacroix Olivier Philippe Bourgeois Pierre Benoît Rey Leclerc Payet Rolland Leclercq Guillaume Lecomte Lopez Jean Dupuy Guillot
Hubert Berger Carpentier Sanchez Dupuis Moulin Louis Deschamps Huet Vasseur Perez Boucher Fleury Royer Klein Jacquet Adam Paris
Poirier Marty Aubry Guyot Carré Charles Renault Charpentier Ménard Maillard Baron Bertin Bailly Hervé Schneider Fernandez Collet
Léger Bouvier Julien Prévost Millet Perrot Daniel Cousin Germain Breton Besson Langlois Rémy Pelletier Lévêque Perrier Leblanc
Barré Lebrun Marchal Weber Mallet Hamon Boulanger Jacob Monnier Michaud Rodriguez Guichard Gillet Étienne Grondin Poulain Tessier
Chevallier Collin Chauvin Bouchet Gay Lemaître Bénard Maréchal Humbert Reynaud Antoine Hoarau Perret Barthélemy Cordier Pichon
Lejeune Gilbert Lamy Delaunay Pasquier Carlier Laporte Schmidt Fischer Wagner Becker Schulz Hoffmann Koch Richter Wolf Schröder
Neumann Schwarz Braun Zimmermann Krüger Hartmann Lange Werner Krause Meier Lehmann Köhler Herrmann König Walter Huber Kaiser Fuchs
Peters Scholz Möller Weiß Jung Hahn Vogel Friedrich Keller Günther Winkler Roth Beck Lorenz Baumann Franke Albrecht Schuster Böhm
Kraus Krämer Vogt Jäger Sommer Groß Seidel Brandt Haas Ziegler Kühn O'Brien O'Connor O'Neill McCarthy Murphy Kelly Walsh Smith
Jones Williams Brown Taylor Wilson Davies Evans Fernández González Rodríguez López Martínez Sánchez Pérez Gómez Díaz Muñoz
Álvarez Romero Alonso Gutiérrez Navarro Silva Santos Ferreira Pereira Oliveira Costa Rodrigues Gonçalves Rossi Russo Ferrari
Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo Conti Giordano Mancini Rizzo Lombardi Moretti Nowak Kowalski
Wiśniewski Wójcik Kowalczyk Kamiński Lewandowski Zieliński Łukasiewicz Szymański Jansen Bakker Janssens Peeters Maes Nielsen
Jensen Hansen Pedersen Andersson Johansson Karlsson Nilsson Eriksson Larsson Novák Dvořák Horváth Nagy Kovács Szabó Tóth Popescu
Ionescu Papadopoulos Nguyen Tran Le Gall Da Silva De Luca van den Berg""".split()
# The last few are multi-word surnames: re-join them.
SURNAMES = SURNAMES[:-9] + ["Le Gall", "Da Silva", "De Luca", "van den Berg"]
FIRST = """Jean Marie Pierre Anne Michel Nathalie Philippe Isabelle Alain Sylvie Nicolas Catherine Patrick Christine Christophe
Sandrine Laurent Véronique Stéphane Valérie Éric Céline Frédéric Sophie Julien Aurélie Thomas Émilie Sébastien Camille Olivier
Claire Guillaume Julie Antoine Caroline Maxime Hélène Alexandre Élodie Lucas Léa Hugo Chloé Louis Manon Gabriel Inès Raphaël
Zoé Arthur Jade Théo Louise Noé Lina Jules Mila Adam Ambre Benoît Agnès Cédric Brigitte Damien Françoise Jérôme Geneviève
Loïc Maëlle Mathéo Noémie Rémi Solène Yannick Thérèse Gaëtan Béatrice Jürgen Siobhán José Łucja Søren Ingrid Klaus Greta
Sean Aoife Diego Lucía João Inês Marco Giulia Piotr Agnieszka Lars Astrid Matteo Chiara Tomás Niamh Björn Ana""".split()
BRANDS = """Acme Alpha Atlas Azur Boréal Cap Cristal Delta Écho Étoile Horizon Iris Jade Kappa Lumière Méridien Nova Oméga Opale
Orion Pégase Phénix Polaris Quartz Saphir Sirius Solaris Titan Vega Zénith Armor Alizé Aquila Brio Cèdre Dune Élan Fjord Granit
Hélios Ibis Lynx Mistral Nord Olympe Prisme Rubis Séquoia Tramontane Vertex""".split()
TRADES = """Transports Logistique Conseil Informatique Bâtiment Assurances Immobilier Énergie Santé Pharma Distribution Télécom
Industries Services Finance Médias Agro Chimie Textile Automobile Aéronautique Électronique Ingénierie Formation Nettoyage
Sécurité Restauration Hôtellerie Voyages Édition Imprimerie Juridique Audit Recrutement Événements Architecture Paysage
Menuiserie Plomberie Optique""".split()
assert len(BRANDS) == 50 and len(TRADES) == 40, (len(BRANDS), len(TRADES))

def ascii_fold(s):
    s = s.replace("ł", "l").replace("Ł", "L").replace("ø", "o").replace("Ø", "O").replace("ß", "ss")
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
    return "".join(c for c in s.lower().replace(" ", "-") if c.isalnum() or c == "-")

def attr(name, value):
    """One LDIF line: base64 when the value is not a SAFE-STRING (RFC 2849), e.g. non-ASCII."""
    if value.isascii() and value[:1] not in (" ", ":", "<") and not value.endswith(" "):
        return f"{name}: {value}\n"
    return f"{name}:: {base64.b64encode(value.encode()).decode()}\n"

companies = [f"{BRANDS[k % 50]} {TRADES[k // 50]} {1 + (k * 37) % 99}" for k in range(2000)]
company_domain = [ascii_fold(c) + ".fr" for c in companies]
sn_line = [attr("sn", s) for s in SURNAMES]
gn_line = [attr("givenName", g) for g in FIRST]
o_line = [attr("o", c) for c in companies]
sn_mail = [ascii_fold(s).replace("-", "") for s in SURNAMES]
gn_mail = [ascii_fold(g) for g in FIRST]
cn_cache = {}

rng = random.Random(seed)
def zipf_picks(count, s):  # a few very common values, a long tail
    weights = [1 / (r + 1) ** s for r in range(count)]
    order = list(range(count)); rng.shuffle(order)
    return rng.choices(order, weights=weights, k=n)
sn_pick, gn_pick, co_pick = zipf_picks(len(SURNAMES), 0.5), zipf_picks(len(FIRST), 0.5), zipf_picks(2000, 0.5)

def digits8(x):
    return f"{x // 1000000:02d} {x // 10000 % 100:02d} {x // 100 % 100:02d} {x % 100:02d}"

with open(out, "w", encoding="utf-8") as f, open(tsv, "w", encoding="utf-8") as t:
    f.write("dn: dc=example,dc=org\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example\n\n"
            "dn: ou=contacts,dc=example,dc=org\nobjectClass: organizationalUnit\nou: contacts\n\n")
    w, tw = f.write, t.write
    for i in range(1, n + 1):
        s, g, c = sn_pick[i - 1], gn_pick[i - 1], co_pick[i - 1]
        uid = f"c{i:07d}"
        # Unique: multiplying by a number prime to the modulus is a bijection.
        phone = f"+33 {1 + i % 5} {digits8((i * 7919 + 1234567) % 100000000)}"
        mobile = f"+33 6 {digits8(20000000 + (i * 104729 + 7654321) % 80000000)}"
        mail = f"{gn_mail[g]}.{sn_mail[s]}.{i}@{company_domain[c]}"
        cn = cn_cache.get((g, s))
        if cn is None: cn = cn_cache[(g, s)] = attr("cn", f"{FIRST[g]} {SURNAMES[s]}")
        red, vip = i % 50 == 0, i % 100 == 0
        w(f"dn: uid={uid},ou=contacts,dc=example,dc=org\nobjectClass: inetOrgPerson\nuid: {uid}\n{cn}{sn_line[s]}{gn_line[g]}"
          f"{o_line[c]}telephoneNumber: {phone}\nmobile: {mobile}\nmail: {mail}\n"
          + ("employeeType: lr\n" if red else "") + ("title: VIP gold\n" if vip else "") + "\n")
        tw(f"{uid}\t{SURNAMES[s]}\t{FIRST[g]}\t{companies[c]}\t{phone}\t{mobile}\t{mail}\t{int(red)}\t{int(vip)}\n")
PY
}

stop() {
  if [ -f "$DIR/slapd.pid" ]; then
    pid=$(cat "$DIR/slapd.pid")
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid"
      for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    fi
    rm -f "$DIR/slapd.pid"
  fi
}

case "$cmd" in
  gen) [ -n "$PORT" ] || usage; gen "$DIR" "$PORT"; exit 0 ;;
  stop) stop; exit 0 ;;
  start) [ -n "$PORT" ] || usage ;;
  *) usage ;;
esac
for tool in slapd slapadd ldapsearch python3; do
  command -v "$tool" >/dev/null || { echo "$tool not found: install slapd ldap-utils python3 (make deps does)" >&2; exit 3; }
done

N=${4:-500000}
stop   # idempotent restart
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
if [ "${LDAP_REUSE:-0}" = 1 ] && [ "$(cat "$DIR/loaded" 2>/dev/null)" = "$N ${LDAP_SEED:-20261123}" ] && [ -f "$DIR/contacts.tsv" ]; then
  echo "reusing the $N contacts already loaded in $DIR/db"
else
  rm -rf "$DIR/slapd.d" "$DIR/db" "$DIR/loaded" "$DIR"/*.ldif "$DIR/contacts.tsv"
  mkdir -p "$DIR/slapd.d" "$DIR/db"
  cat > "$DIR/config.ldif" <<EOF
dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: $DIR/slapd.pid
olcArgsFile: $DIR/slapd.args
olcToolThreads: ${LDAP_TOOL_THREADS:-1}

dn: cn=module{0},cn=config
objectClass: olcModuleList
cn: module{0}
olcModulePath: /usr/lib/ldap
olcModuleLoad: back_mdb

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

include: file:///etc/ldap/schema/core.ldif

include: file:///etc/ldap/schema/cosine.ldif

include: file:///etc/ldap/schema/inetorgperson.ldif

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
olcDbMaxSize: 8589934592
olcDbIndex: objectClass eq
olcDbIndex: uid,mail eq
olcDbIndex: cn,sn,givenName eq,sub
olcDbIndex: telephoneNumber,mobile eq
olcSizeLimit: size.soft=500 size.hard=500 size.prtotal=unlimited
olcAccess: {0}to * by * read
EOF
  slapadd -n0 -F "$DIR/slapd.d" -l "$DIR/config.ldif" >"$DIR/slapadd.log" 2>&1 || { cat "$DIR/slapadd.log" >&2; exit 1; }
  t0=$(date +%s.%N)
  gen "$DIR/contacts.ldif" "$N"
  t1=$(date +%s.%N)
  slapadd -q -n1 -F "$DIR/slapd.d" -l "$DIR/contacts.ldif" >>"$DIR/slapadd.log" 2>&1 || { tail "$DIR/slapadd.log" >&2; exit 1; }
  t2=$(date +%s.%N)
  rm -f "$DIR/contacts.ldif"   # 125 MB for 500k; contacts.tsv keeps the data
  echo "$N ${LDAP_SEED:-20261123}" > "$DIR/loaded"
  # The benchmark reads this line.
  python3 -c 'import sys; t0, t1, t2 = map(float, sys.argv[1:4]); print(f"generated {sys.argv[4]} contacts in {t1 - t0:.1f} s, slapadd -q in {t2 - t1:.1f} s")' \
    "$t0" "$t1" "$t2" "$N"
fi

# ---------- start (foreground -d keeps it as our child; background it) ----------
# The daemon keeps none of the caller's descriptors above 2: a caller that learns that this script ended
# from a pipe closing (Python's subprocess with capture does) would otherwise wait for slapd's whole life.
(
  for fd in /proc/$BASHPID/fd/*; do fd=${fd##*/}; [ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null; done
  exec nohup slapd -d "${LDAP_DEBUG:-0}" -F "$DIR/slapd.d" -h "ldap://127.0.0.1:$PORT/" >"$DIR/slapd.log" 2>&1 </dev/null
) &
echo $! > "$DIR/slapd.pid"     # slapd rewrites the same pid into olcPidFile
for _ in $(seq 300); do
  if ldapsearch -x -H "ldap://127.0.0.1:$PORT" -b "" -s base -LLL namingContexts >/dev/null 2>&1; then
    echo "slapd pid $(cat "$DIR/slapd.pid") on ldap://127.0.0.1:$PORT, db $(du -sh "$DIR/db" | cut -f1)"
    exit 0
  fi
  kill -0 "$(cat "$DIR/slapd.pid")" 2>/dev/null || break
  sleep 0.1
done
echo "slapd failed to start; log:" >&2; tail -20 "$DIR/slapd.log" >&2; exit 1
