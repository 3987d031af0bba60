# Fangxin: `make run` starts the whole system, `make test` runs every test.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint chaos unit integration e2e fuzz bench bench-scale install tools clean

run: $(STAMP)
	$(BIN)/python -m devtools.run

test: lint tools
	$(BIN)/python -m devtools.broker
	$(BIN)/python -m pytest tests -m "not chaos" --durations=40

# style and likely bugs everywhere (pyproject.toml), types in the shared packages
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

# the fault runs on the production topology: two replicas of everything on a three-node cluster
chaos: $(STAMP) tools
	$(BIN)/python -m devtools.broker
	$(BIN)/python -m pytest tests/faults -m chaos -v -rP

unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit

integration: $(STAMP) tools
	$(BIN)/python -m devtools.broker
	$(BIN)/python -m pytest tests/integration

e2e: $(STAMP) tools
	$(BIN)/python -m devtools.broker
	$(BIN)/python -m pytest tests/e2e

# schemathesis over every route as each kind of caller, minutes per caller (make test: seconds)
FUZZ_SECONDS_PER_ROLE ?= 180
fuzz: $(STAMP)
	$(BIN)/python -m devtools.broker
	FUZZ_SECONDS_PER_ROLE=$(FUZZ_SECONDS_PER_ROLE) FUZZ_SEED=random \
	  $(BIN)/python -m pytest tests/e2e/test_fuzz.py -p no:cacheprovider -o timeout=0 -v -rP

# the whole system under load from separate processes; writes bench/results/latest.json
bench: $(STAMP)
	$(BIN)/python -m devtools.broker
	$(BIN)/python -m bench.run

# a province's programme in the stores (BENCH_SCALE=0.1: a tenth); writes bench/results/scale-latest.json
bench-scale: $(STAMP)
	$(BIN)/python -m devtools.broker
	$(BIN)/python -m bench.scale

install: $(STAMP)

# What the tests use beside Python: from Debian, headless Chromium with its ChromeDriver and CJK
# fonts (the pages), promtool (alert rules) and HAProxy (the balancer in front of gateway
# replicas); from npm (devtools/node), axe-core (the pages' accessibility) and the documents'
# checkers (@asyncapi/parser, Redocly, Spectral: tests/e2e/test_outside_validators.py)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT  := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq
# checkov (tests/deploy/test_checkov.py) in a virtualenv of its own: its dependencies are not
# the project's pins
CHECKOV_VERSION := 3.3.30
CHECKOV_VENV    := devtools/checkov-venv
tools: $(CHECKOV_VENV)/.installed-$(CHECKOV_VERSION)
	@missing=""; command -v chromium >/dev/null 2>&1 || missing="chromium"; \
	command -v chromedriver >/dev/null 2>&1 || missing="$$missing chromium-driver"; \
	command -v promtool >/dev/null 2>&1 || missing="$$missing prometheus"; \
	command -v haproxy >/dev/null 2>&1 || missing="$$missing haproxy"; \
	fc-list :lang=zh 2>/dev/null | grep -q . || missing="$$missing fonts-noto-cjk"; \
	if [ -n "$$missing" ]; then $(SUDO) apt-get update -qq && $(APT) $$missing; fi
	@cmp -s devtools/node/package-lock.json devtools/node/node_modules/.installed-lock || \
	  { npm ci --prefix devtools/node --no-audit --no-fund --silent && \
	    cp devtools/node/package-lock.json devtools/node/node_modules/.installed-lock; }

$(CHECKOV_VENV)/.installed-$(CHECKOV_VERSION):
	rm -rf $(CHECKOV_VENV)
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet checkov==$(CHECKOV_VERSION)
	touch $@

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) .state .pytest_cache
