# inference-services: the two commands a new user needs are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PIP_FLAGS := --quiet --disable-pip-version-check
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
WIKI_PORT ?= 8180
# NLTK stopwords for revscoring: ../shared/nltk_data when present, else fetched once.
NLTK_DATA ?= $(if $(wildcard $(CURDIR)/../shared/nltk_data),$(CURDIR)/../shared/nltk_data,$(CURDIR)/.cache/nltk_data)

# service name -> requirements file
REQ_revscoring := revscoring/requirements.txt
REQ_outlink := outlink-topic-model/requirements.txt
REQ_revert-risk := revert-risk/requirements.txt
SERVICES := revscoring outlink revert-risk

.PHONY: help demo stop test lint system-packages venvs models clean

help:
	@echo "make demo   - set up everything, start the embedded wiki and the model servers"
	@echo "make stop   - stop what 'make demo' started"
	@echo "make token  - a bearer token for the demo's front door (CLASS=authed-user|established-user SUB=name)"
	@echo "make test   - lint and every test suite (through tox)"
	@echo "make models - train the demo models into ./models"
	@echo "make proof  - the slow proofs kept out of make test (~5 min)"
	@echo "make bench  - the load benchmark (~25 min): benchmarks/RESULTS.md"
	@echo "make images - build, run and query every image with podman: deploy/IMAGES.md"
	@echo "make catalog - serve a model of each of Lift Wing's 110 revscoring names (~15 min): revscoring/CATALOG.md"
	@echo "make catalog-server - all 110 behind ONE server on 127.0.0.1:8090, measured: revscoring/CATALOG.md"

# Debian packages (MediaWiki, PHP, enchant + dictionaries, Redis), installed when missing.
.cache/system-packages.stamp: system-packages.txt
	@missing=$$(grep -v '^#' system-packages.txt | xargs -n1 | while read p; do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages: $$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
	@mkdir -p .cache && touch $@
system-packages: .cache/system-packages.stamp

# One virtualenv per service image (their dependency sets conflict), plus one for tools.
# Each installs the service's requirements.txt and the service itself, editable (its
# pyproject.toml: the runtime package and the tools beside it; outlink's requirements.txt
# installs its three packages).
$(VENV)/%/.installed: python/pyproject.toml
	$(PYTHON) -m venv $(VENV)/$*
	cd $(dir $(REQ_$*)) && $(CURDIR)/$(VENV)/$*/bin/pip install $(PIP_FLAGS) -r requirements.txt \
	  $(if $(wildcard $(dir $(REQ_$*))pyproject.toml),-e .)
	@touch $@
$(VENV)/revscoring/.installed: revscoring/requirements.txt
$(VENV)/outlink/.installed: outlink-topic-model/requirements.txt
$(VENV)/revert-risk/.installed: revert-risk/requirements.txt

# The front door's tools (gateway/render.py, gateway/tokens.py): PyJWT, cryptography,
# PyYAML, and inference_common without its dependencies (only its errors module is used).
$(VENV)/gateway/.installed: gateway/requirements.txt python/pyproject.toml
	$(PYTHON) -m venv $(VENV)/gateway
	$(VENV)/gateway/bin/pip install $(PIP_FLAGS) -r gateway/requirements.txt
	$(VENV)/gateway/bin/pip install $(PIP_FLAGS) --no-deps -e python
	@touch $@

$(VENV)/tools/.installed: test/requirements.txt
	$(PYTHON) -m venv $(VENV)/tools
	$(VENV)/tools/bin/pip install $(PIP_FLAGS) 'tox==4.*'
	@touch $@

venvs: $(foreach s,$(SERVICES),$(VENV)/$(s)/.installed)

$(CURDIR)/.cache/nltk_data:
	$(VENV)/revscoring/bin/python -m nltk.downloader -d $@ stopwords

models: system-packages venvs $(NLTK_DATA)
	cd revscoring && NLTK_DATA=$(NLTK_DATA) ../$(VENV)/revscoring/bin/python -m revscoring_tools.demo --out ../models/revscoring
	cd outlink-topic-model/model-server && ../../$(VENV)/outlink/bin/python -m outlink_predictor_tools.train --out ../../models/outlink-topic-model
	cd revert-risk && ../$(VENV)/revert-risk/bin/python -m revert_risk_tools.train --out ../models/revertrisk-language-agnostic

demo: system-packages venvs models $(VENV)/gateway/.installed
	@WIKI_PORT=$(WIKI_PORT) NLTK_DATA=$(NLTK_DATA) $(VENV)/revscoring/bin/python scripts/demo.py start

# A development bearer token for the front door (make demo's key): make -s token CLASS=established-user
CLASS ?= authed-user
SUB ?= demo-user
.PHONY: token
token: $(VENV)/gateway/.installed
	@$(VENV)/gateway/bin/python gateway/tokens.py mint --class $(CLASS) --sub $(SUB)

stop:
	@[ ! -x $(VENV)/revscoring/bin/python ] || (cd revscoring && ../$(VENV)/revscoring/bin/python -m revscoring_tools.catalog_server stop)
	@[ ! -x $(VENV)/revscoring/bin/python ] || $(VENV)/revscoring/bin/python scripts/demo.py stop

lint: $(VENV)/tools/.installed
	$(VENV)/tools/bin/tox -e lint

test: system-packages $(VENV)/tools/.installed
	$(VENV)/tools/bin/tox

# The slow proofs kept out of `make test` (~5 min): fast features equal to revscoring's on all
# 200 edits of the benchmark corpus (make test checks a quarter of its pages).
.PHONY: proof
proof: system-packages $(VENV)/tools/.installed
	FAST_FEATURES_FULL_CORPUS=1 $(VENV)/tools/bin/tox -e revscoring -- tests/test_fast_features.py

clean: stop
	rm -rf $(VENV) .tox .cache models

# Load benchmarks of every service against a MediaWiki replay server (about 20 minutes);
# writes benchmarks/RESULTS.md. `make bench BENCH_ARGS=--quick` is a smoke run.
.PHONY: bench
bench: system-packages venvs $(VENV)/gateway/.installed
	$(VENV)/revscoring/bin/python benchmarks/run.py \
	  --python-revscoring $(VENV)/revscoring/bin/python \
	  --python-outlink $(VENV)/outlink/bin/python \
	  --python-revert-risk $(VENV)/revert-risk/bin/python \
	  --python-gateway $(VENV)/gateway/bin/python $(BENCH_ARGS)

# Build every image with podman from a local debootstrap Debian base, run each with the
# demo models mounted read-only at /mnt/models, get a real prediction from the embedded
# MediaWiki, and write sizes and start-up times to deploy/IMAGES.md. Slow: not in `test`.
.PHONY: images
images: system-packages venvs models
	VENV=$(VENV) WIKI_PORT=$(WIKI_PORT) SHARED_DIR=$(CURDIR)/../shared bash scripts/images.sh all

# The Lift Wing catalogue check: a small model per (wiki, type) pair Lift Wing serves, from
# that wiki's production feature list, served by the real server under its Lift Wing name
# and scoring a revision of the embedded wiki; writes revscoring/CATALOG.md (~15 min).
.PHONY: catalog
catalog: system-packages venvs $(NLTK_DATA)
	cd revscoring && NLTK_DATA=$(NLTK_DATA) ../$(VENV)/revscoring/bin/python -m revscoring_tools.liftwing_catalog \
	  --out .cache/catalog-models --markdown CATALOG.md

# All 110 catalogue models behind ONE revscoring server on 127.0.0.1:8090 (2 pool workers):
# trains the missing ones, starts the embedded wiki if it is not running, waits for /ready,
# scores every model under its Lift Wing name and writes time to ready, PSS of the process
# tree and p50 per model type into revscoring/CATALOG.md. Runs until `make stop`.
.PHONY: catalog-server
catalog-server: system-packages venvs $(NLTK_DATA)
	cd revscoring && NLTK_DATA=$(NLTK_DATA) WIKI_PORT=$(WIKI_PORT) ../$(VENV)/revscoring/bin/python \
	  -m revscoring_tools.catalog_server start --measure --markdown CATALOG.md
