# doc-router platform. `make synth` and `make test` work on a fresh machine with
# Python 3.11+, Node 20+ and make: they create .venv and install pinned requirements.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt pyproject.toml | sha256sum | cut -c1-12)
ENV ?=
# Where CRD JSON schemas ({group}/{kind}_{version}.json) are read from: the team's shared folder
# beside the checkout when it exists (CI has it), else what `make crd-schemas` downloads.
CRD_SCHEMAS ?= $(if $(wildcard ../shared/schemas),$(abspath ../shared/schemas),.cache/crd-schemas)

# jsii (under cdk8s) prints a large banner on Node 20; silence only that banner.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CRD_SCHEMAS
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help venv requirements synth test lint bench e2e crd-schemas clean validate diff history rollback \
	kind-up kind-secrets kind-deploy kind-status kind-down secrets-init secrets-edit

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'
	@echo
	@echo "Variables (current value):"
	@printf '  %-22s %s\n' "ENV=$(ENV)" "one environment (empty: all; required by history, rollback, secrets-*)" \
		"BASE=$(BASE)" "diff base revision (empty: merge-base with origin/main, else HEAD)" \
		"HEAD=$(HEAD)" "diff head revision (empty: a fresh synth of the working tree)" \
		"FORMAT=$(FORMAT)" "report format of diff, validate, history: terminal, markdown, json, yaml" \
		"OUT=$(OUT)" "write the report to this file (empty: the terminal)" \
		"KIND_CLUSTER=$(KIND_CLUSTER)" "Kind cluster name" \
		"TIMEOUT=$(TIMEOUT)" "kind-deploy: one overall deadline" \
		"CRD_SCHEMAS=$(CRD_SCHEMAS)" "CRD JSON schemas for validate"
	@echo "Exit codes: 0 ok, 1 findings or failure, 2 usage error, 3 risk flags (diff FAIL_ON_RISK=1); make itself exits 0 or 2."

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required (found " + sys.version.split()[0] + ")")'
	@command -v node >/dev/null || { echo "Node.js 20+ is required (cdk8s runs on jsii): https://nodejs.org/"; exit 1; }
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
	$(PY) main.py synth $(if $(ENV),--env "$(ENV)")

# -n auto: one pytest worker per core (pytest-xdist); TEST_ARGS= passes more (e.g. TEST_ARGS="-k netflow").
TEST_ARGS ?=
test: $(STAMP) ## Run the test suite on every core (offline; e2e tests skip without Docker)
	$(PY) -m pytest -n auto $(TEST_ARGS)

# Python sources that lint checks; settings live in pyproject.toml ([tool.ruff], [tool.mypy]).
LINT_PATHS := constructs tests main.py bench tools
lint: $(STAMP) ## ruff check, ruff format --check and mypy (cached in .mypy_cache)
	$(VENV)/bin/ruff check $(LINT_PATHS)
	$(VENV)/bin/ruff format --check $(LINT_PATHS)
	$(VENV)/bin/mypy

bench: $(STAMP) ## Time and memory of each command as ratios to the cdk8s floor -> bench/results.json
	$(PY) bench/bench.py

e2e: $(STAMP) ## Kind end-to-end test (needs Docker, kind, kubectl, flux)
	$(PY) -m pytest -m e2e -v

validate: $(STAMP) ## Check every manifest: schema, references, policy, drift (ENV=, FORMAT=, OUT=, V=1)
	$(PY) main.py validate $(if $(ENV),--env "$(ENV)") -o $(FORMAT) $(if $(OUT),--out "$(OUT)") $(if $(V),-v)

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
diff: $(STAMP) ## Per-object diff of dist/ with risk flags (BASE=<ref> HEAD=<ref> FORMAT=markdown|json)
	@status=0; $(PY) main.py diff $(if $(BASE),--base $(BASE)) $(if $(HEAD),--head $(HEAD)) -o $(FORMAT) \
		$(if $(OUT),--out "$(OUT)") $(if $(FAIL_ON_RISK),--fail-on-risk) || status=$$?; \
	$(if $(STATUS_FILE),echo $$status > "$(STATUS_FILE)";) \
	case $$status in 0) ;; 3) echo "make diff: risk flags present (tool exit code 3)" >&2 ;; \
		*) echo "make diff: the diff tool failed (exit code $$status)" >&2 ;; esac; \
	exit $$status

history: $(STAMP) ## Revisions that changed dist/<env>/ (ENV=production, FORMAT=json)
	$(PY) main.py history --env "$(ENV)" -o $(FORMAT) $(if $(OUT),--out "$(OUT)")

rollback: $(STAMP) ## Restore ENV to revision TO as a new commit (YES=1 skips the prompt)
	$(PY) main.py rollback --env "$(ENV)" --to "$(TO)" $(if $(YES),--yes)

# Local Kind cluster (see README, "Kind").
KIND_CLUSTER ?= doc-router
kind-up: $(STAMP) ## Create the Kind cluster and local registry (idempotent)
	$(PY) main.py kind up --cluster $(KIND_CLUSTER)

kind-secrets: $(STAMP) ## Age key + development secrets from .env.kind into the Kind cluster
	$(PY) main.py kind secrets --cluster $(KIND_CLUSTER)

kind-deploy: $(STAMP) ## Install Flux, push dist/kind, wait until Ready (TIMEOUT=15m overall)
	$(PY) main.py kind deploy --cluster $(KIND_CLUSTER) --timeout $(TIMEOUT)

kind-status: $(STAMP) ## Flux Kustomizations, HelmReleases and pods
	$(PY) main.py kind status --cluster $(KIND_CLUSTER)

kind-down: $(STAMP) ## Delete the Kind cluster and the registry
	$(PY) main.py kind down --cluster $(KIND_CLUSTER)

SECRET ?=
FORCE ?=
secrets-init: $(STAMP) ## Create ENV's encrypted secrets with generated credentials (FORCE=1 replaces them)
	$(PY) main.py secrets init --env "$(ENV)" $(if $(FORCE),--force)

secrets-edit: $(STAMP) ## Edit ENV's SOPS-encrypted secrets with sops (SECRET=mongodb-credentials for the other)
	$(PY) main.py secrets edit --env "$(ENV)" $(if $(SECRET),--secret $(SECRET))

# The cluster tier (tests/cluster, docs/testing.md "The cluster tier"): real CRDs from CRDS, and
# etcd, kube-apiserver, … built offline from the Go module proxy into ~/.cache/docrouter/control-plane/.
CRDS ?= $(if $(wildcard ../shared/crds),$(abspath ../shared/crds),.cache/crds)
export CRDS
.PHONY: control-plane
control-plane: ## Build the cluster tier's control plane (Go 1.26; cached, idempotent)
	$(PYTHON) tools/control-plane/build.py

crd-schemas: ## Download CRD JSON schemas into CRD_SCHEMAS (needs internet)
	$(PYTHON) constructs/docrouter/scripts/fetch_crd_schemas.py "$(CRD_SCHEMAS)"

clean: ## Remove the virtualenv and caches
	rm -rf $(VENV) .pytest_cache .cache .mypy_cache .ruff_cache
