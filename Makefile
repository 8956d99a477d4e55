# Two commands on a fresh Debian 12 machine with the Swift toolchain:
#   make run   installs what is missing, builds, starts the demo server
#   make test  installs what is missing, builds, runs every Swift test and the contract checks
SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
# Build and test needs from Debian: libxml2 (SOAP), SQLite (storage), pkg-config (system-library shims),
# python3-venv (contract-test tools from PyPI), curl (demo hint).
DEBIAN_PACKAGES := libxml2-dev libsqlite3-dev pkg-config python3-venv curl
VENV := .venv

.PHONY: deps build run test swift-test contract bench clean

deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(VENV)/.ready: scripts/requirements-test.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r scripts/requirements-test.txt
	touch $@

build: deps
	$(SWIFT) build

run: build
	$(SWIFT) run tws-server serve --demo $(ARGS)

test: deps $(VENV)/.ready
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	$(VENV)/bin/python scripts/contract_test.py --server "$$($(SWIFT) build --show-bin-path)/tws-server"

bench: deps $(VENV)/.ready
	@command -v wrk >/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq wrk; }
	scripts/bench.sh

clean:
	rm -rf .build $(VENV)
