# Two commands on a fresh Debian 12 machine with the Swift toolchain:
#   make run   installs what is missing, builds, starts the demo server
#   make test  installs what is missing, builds, runs every Swift test, the contract checks and the contract fuzzing
SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
# Build and test needs from Debian: libxml2 (SOAP), SQLite (storage), pkg-config (system-library shims),
# python3-venv (contract-test tools from PyPI), curl (demo hint), libldap-dev (LDAP sign-in), and for the
# LDAP tests a real OpenLDAP: slapd, ldap-utils, openssl (scripts/test-services/ldap.sh); libkrb5-dev (GSSAPI for
# Windows sign-in), gss-ntlmssp (NTLM), and for the Kerberos tests a real MIT KDC: krb5-kdc, krb5-admin-server
# (kadmin.local), krb5-user (kinit) (scripts/test-services/kdc.sh); unixodbc-dev (SQL directories over ODBC), and for
# the directory-connector tests the Debian ODBC drivers odbc-postgresql and libsqliteodbc, sqlite3 (creates the test
# database) and a real PostgreSQL 15: postgresql (scripts/test-services/postgres.sh runs its own cluster); two independent
# SOAP clients the contract checks drive: php-cli and php-soap (PHP's SoapClient), gsoap, libgsoap-dev and g++ (a C++
# client generated from the served WSDL); chromium and chromium-driver (chromedriver) for the web client's browser test
# (Tests/IntegrationTests/WebClientTests.swift drives headless Chromium over WebDriver); libcurl4-openssl-dev (e-mail
# over SMTP with STARTTLS) and python3-aiosmtpd (the SMTP sink its tests start, scripts/smtp_sink.py); libical-dev (calendar
# presence: iCalendar parsing, recurrences, time zones) and radicale (the CalDAV server its tests and bench start).
DEBIAN_PACKAGES := libxml2-dev libsqlite3-dev pkg-config python3-venv curl libldap-dev slapd ldap-utils openssl \
	libkrb5-dev krb5-kdc krb5-admin-server krb5-user gss-ntlmssp unixodbc-dev odbc-postgresql libsqliteodbc sqlite3 \
	postgresql php-cli php-soap gsoap libgsoap-dev g++ chromium chromium-driver libcurl4-openssl-dev python3-aiosmtpd \
	libical-dev radicale
VENV := .venv

.PHONY: deps stop-system-slapd stop-system-postgresql build run test swift-test contract bench bench-quick clean

# The daemons among these (slapd, krb5-kdc, krb5-admin-server, postgresql) are only wanted by the tests, which start
# their own on free ports: a policy-rc.d (unless the machine has one) keeps the packages from starting them at install,
# which would also fail for kadmind without a realm and abort the install.
deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		policy=""; if [ ! -e /usr/sbin/policy-rc.d ]; then policy=1; \
			printf '#!/bin/sh\nexit 101\n' | $(SUDO) tee /usr/sbin/policy-rc.d >/dev/null; $(SUDO) chmod 755 /usr/sbin/policy-rc.d; fi; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
		status=$$?; [ -z "$$policy" ] || $(SUDO) rm -f /usr/sbin/policy-rc.d; [ $$status -eq 0 ] || exit $$status; \
		case " $$missing " in *" slapd "*) $(MAKE) --no-print-directory stop-system-slapd;; esac; \
		case " $$missing " in *" postgresql "*) $(MAKE) --no-print-directory stop-system-postgresql;; esac; \
	fi

# Installing slapd sets up a system directory (dc=nodomain, no questions asked with the noninteractive
# frontend) and, where services may start, runs it on port 389. The tests start their own slapd on free
# ports, so that one is only in the way: stop it and keep it from starting at boot. Only done right after
# this Makefile installed slapd, never to a slapd that was there before.
stop-system-slapd:
	@if [ -d /run/systemd/system ]; then $(SUDO) systemctl disable --now slapd >/dev/null 2>&1 || true; \
	elif [ -x /etc/init.d/slapd ]; then $(SUDO) /etc/init.d/slapd stop >/dev/null 2>&1 || true; \
		$(SUDO) update-rc.d slapd disable >/dev/null 2>&1 || true; fi

# Installing postgresql creates Debian's system cluster 15/main (and starts it where services may start). The tests
# never use it (postgres.sh runs initdb in a temporary folder on a free port), so it is only kept from running; the
# cluster itself is left in place. Only done right after this Makefile installed postgresql.
stop-system-postgresql:
	@if [ -d /run/systemd/system ]; then $(SUDO) systemctl disable --now postgresql >/dev/null 2>&1 || true; \
	elif [ -x /etc/init.d/postgresql ]; then $(SUDO) /etc/init.d/postgresql stop >/dev/null 2>&1 || true; \
		$(SUDO) update-rc.d postgresql disable >/dev/null 2>&1 || true; fi

$(VENV)/.ready: scripts/requirements-test.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r scripts/requirements-test.txt
	touch $@

build: deps
	$(SWIFT) build

run: build
	$(SWIFT) run tws-server serve --demo $(ARGS)

# The contract checks and the schemathesis fuzzing of the REST contract (scripts/fuzz_contract.py: fixed seed, about three
# minutes, as a user, a company administrator, a super-user and a portal key) run side by side, each on its own free ports; the
# fuzzing's output follows the contract checks', and either one failing fails the target.
test: deps $(VENV)/.ready
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	@bin="$$($(SWIFT) build --show-bin-path)"; log="$$(mktemp)"; \
	$(VENV)/bin/python scripts/fuzz_contract.py --server "$$bin/tws-server" >"$$log" 2>&1 & fuzz=$$!; \
	$(VENV)/bin/python scripts/contract_test.py --server "$$bin/tws-server"; contract=$$?; \
	wait $$fuzz; fuzzed=$$?; cat "$$log"; rm -f "$$log"; \
	echo "contract checks: exit $$contract; fuzzing: exit $$fuzzed"; [ $$contract -eq 0 ] && [ $$fuzzed -eq 0 ]

bench: deps $(VENV)/.ready
	@command -v wrk >/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq wrk; }
	scripts/bench.sh

# The same sections and results.json keys at small sizes (20,000 contacts, 10,000 devices, 30 s of calls).
bench-quick: deps $(VENV)/.ready
	@command -v wrk >/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq wrk; }
	BENCH_QUICK=1 scripts/bench.sh

clean:
	rm -rf .build $(VENV)
