# Pangting: `make run` to try it, `make test` to test it. Nothing else is needed.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
UV_VERSION := 0.13.9
export UV_CACHE_DIR ?= $(CURDIR)/.cache/uv
export UV_PYTHON_DOWNLOADS := never
export PANGTING_VAR_DIR ?= $(CURDIR)/var

.PHONY: run test install install-dev lint audit lock test-sqlite test-postgres test-dates test-deps demo-check messages clean
.PHONY: fuzz fuzz-api fuzz-forms

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

# The lock files pin every package by hash; the stamps make a second run instant.
# requirements.lock is production only; requirements-dev.lock adds the test and lint tools.
# A production sync removes the tools, so the dev stamp depends on the production one.
$(VENV)/.installed: requirements.lock | $(BIN)/uv
	$(BIN)/uv pip sync --quiet --python $(BIN)/python --require-hashes requirements.lock
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.lock
	$(BIN)/uv pip sync --quiet --python $(BIN)/python --require-hashes requirements.lock requirements-dev.lock
	touch $@

# htmx and ECharts come from the npm registry and are served by the app (no CDN).
pangting/static/vendor/.installed: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p pangting/static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js node_modules/echarts/dist/echarts.min.js pangting/static/vendor/
	touch $@

messages: $(VENV)/.installed
	@for po in $$(find pangting/locale -name '*.po' 2>/dev/null); do \
	  $(BIN)/pybabel compile -i $$po -o $${po%.po}.mo >/dev/null; done

install: $(VENV)/.installed pangting/static/vendor/.installed messages

install-dev: $(VENV)/.installed-dev pangting/static/vendor/.installed messages

# After a change to the dependencies in pyproject.toml: re-pin both lock files.
lock: | $(BIN)/uv
	UV=$(BIN)/uv scripts/lock.sh

var/secret_key:
	mkdir -p var
	$(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > $@
	chmod 600 $@

run: install var/secret_key
	SECRET_KEY_FILE=var/secret_key $(BIN)/python manage.py migrate --noinput -v0
	SECRET_KEY_FILE=var/secret_key $(BIN)/python manage.py collectstatic --noinput -v0
	SECRET_KEY_FILE=var/secret_key $(BIN)/python manage.py seed_demo --if-empty
	@SECRET_KEY_FILE=var/secret_key $(BIN)/python manage.py demo_logins --port $(PORT)
	@# One background worker (plan runs, large ledger exports, year work files) beside the web server, stopped with it.
	SECRET_KEY_FILE=var/secret_key $(BIN)/python manage.py db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	SECRET_KEY_FILE=var/secret_key $(BIN)/gunicorn pangting.wsgi --bind 127.0.0.1:$(PORT) \
	  --workers 2 --threads 4 --access-logfile - --error-logfile -

test-deps:
	scripts/apt-deps.sh

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_SETTINGS_MODULE=pangting.test_settings $(BIN)/python manage.py check --fail-level WARNING
	DJANGO_SETTINGS_MODULE=pangting.test_settings $(BIN)/python manage.py makemigrations --check --dry-run -v0
	$(BIN)/python -m mypy  # -m puts the project on the path for the Django plugin
	$(BIN)/lint-imports
	$(BIN)/bandit --quiet --configfile bandit.yaml --recursive pangting

# The demo-match test also runs on one moved date chosen from the commit hash (printed here).
test-sqlite: install-dev
	@$(BIN)/python -m pangting.tests.moved_dates
	$(BIN)/pytest -q -n 2

# The demo-match test on every date of its list (pangting/tests/moved_dates.py).
test-dates: install-dev
	PANGTING_DEMO_DATE=all $(BIN)/pytest -q -n 2 pangting/compliance/tests/test_demo_match.py

# Django-free code (pangting/lib, tools, bench) does not touch the database: once is enough.
# The demo-match replay on a moved date runs on SQLite; here the demo is matched at the real date.
test-postgres: install-dev
	scripts/with-postgres.sh $(BIN)/pytest -q -n 2 --ignore=pangting/lib --ignore=tools --ignore=bench \
	  -k "not on_a_moved_day"

# The new user's path: `make run` on a fresh database, every demo account logging in.
demo-check: install-dev
	scripts/demo-check.sh

test: install test-deps lint test-sqlite test-postgres demo-check

# Before each release, not in `make test`: the answer changes with each new advisory, not with
# our code. --strict fails when a package could not be checked, instead of passing it silently.
audit: install-dev
	$(BIN)/pip-audit --requirement requirements.lock --require-hashes --disable-pip --strict --progress-spinner off

clean:
	rm -rf $(VENV) node_modules pangting/static/vendor staticfiles .cache

# A longer, random fuzzing run outside `make test` (whose runs are derandomized): a new seed each
# time, printed, so a failure can be replayed with `make fuzz-api PANGTING_FUZZ_SEED=<seed>`.
FUZZ_EXAMPLES ?= 100
fuzz-api: install-dev
	$(eval PANGTING_FUZZ_SEED ?= $(shell od -An -N4 -tu4 /dev/urandom | tr -d ' '))
	@echo "API fuzz seed: $(PANGTING_FUZZ_SEED) ($(FUZZ_EXAMPLES) examples per operation and persona)"
	PANGTING_FUZZ_SEED=$(PANGTING_FUZZ_SEED) PANGTING_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) \
	  $(BIN)/pytest -q -p no:randomly pangting/tests/test_api_fuzz.py

fuzz: fuzz-api fuzz-forms

# Longer property-based run of the forms from a random seed, printed so a failure can be
# replayed with PANGTING_FUZZ_SEED=<seed>; `make test` runs the same tests derandomized.
fuzz-forms: install-dev
	@seed=$${PANGTING_FUZZ_SEED:-$$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}; \
	echo "form fuzz seed: $$seed (replay: PANGTING_FUZZ_SEED=$$seed make fuzz-forms)"; \
	PANGTING_FUZZ_SEED=$$seed PANGTING_FORM_FUZZ_EXAMPLES=$${PANGTING_FORM_FUZZ_EXAMPLES:-200} \
	$(BIN)/pytest -q -p no:randomly pangting/tests/test_forms_fuzz.py

# The user guide's screenshots: every demo persona's main pages at desktop width, taken by the
# persona page walk (pangting/tests/test_browser_personas.py) into pangting/help/static/help/screens/.
.PHONY: guide-screens
guide-screens: install-dev
	PANGTING_SAVE_SCREENS=1 $(BIN)/pytest -q -p no:randomly pangting/tests/test_browser_personas.py
# Refresh the catalog's msgids from the source (then translate the new ones). The Django-free
# library marks its msgids with N_("…") and Message("…", …) (pangting/lib/messages.py).
.PHONY: makemessages
makemessages: $(VENV)/.installed
	$(BIN)/python manage.py makemessages -l en --no-obsolete
