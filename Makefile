# Rallye: `make run` plays the rally (offline demo without TELEGRAM_BOT_TOKEN), `make test` tests it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

LANGUAGES := fr ar fa_AF ps ti uk ru tr bn
CATALOGS := $(foreach lang,$(LANGUAGES),locales/$(lang)/LC_MESSAGES/messages.mo)

.PHONY: install run test check lint types format validate i18n catalogs assets clean

# the dashboard's map library, from the npm registry at build time (never a CDN at run time),
# pinned by version and checked by the tarball's SHA-256
LEAFLET_VERSION := 1.9.4
LEAFLET_SHA256 := 84c65a256e50657896f54c33bd857b6849ebe94c817803be818bf32a3dde0b77
LEAFLET_DIR := bot/dashboard/static/vendor/leaflet
LEAFLET := $(LEAFLET_DIR)/leaflet.js

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=python3.11)")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# compiled catalogs are build products: made from the committed .po files whenever they change
locales/%/LC_MESSAGES/messages.mo: locales/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -d locales -D messages -l $* 2>&1 | grep -v "^compiling" || true
	@test -f $@ || { echo "failed to compile $@"; exit 1; }

catalogs: $(CATALOGS)

$(LEAFLET):
	@command -v npm >/dev/null || { echo "npm is needed once to fetch Leaflet (apt-get install npm)"; exit 1; }
	mkdir -p var/assets
	cd var/assets && npm pack --silent leaflet@$(LEAFLET_VERSION) >/dev/null
	echo "$(LEAFLET_SHA256)  var/assets/leaflet-$(LEAFLET_VERSION).tgz" | sha256sum --check --quiet -
	rm -rf var/assets/package $(LEAFLET_DIR) && mkdir -p $(LEAFLET_DIR)
	tar -xzf var/assets/leaflet-$(LEAFLET_VERSION).tgz -C var/assets package/dist package/LICENSE
	cp -r var/assets/package/dist/leaflet.js var/assets/package/dist/leaflet.css \
		var/assets/package/dist/images var/assets/package/LICENSE $(LEAFLET_DIR)/

assets: $(LEAFLET)

# extract the interface strings, merge them into every language's catalog, compile
i18n: install
	$(BIN)/pybabel extract -F babel.cfg -k _ -k n_:1,2 --no-location --sort-output \
		--project=Rallye --copyright-holder="Rallye contributors" -o locales/messages.pot .
	for lang in $(LANGUAGES); do \
		if [ -f locales/$$lang/LC_MESSAGES/messages.po ]; then \
			$(BIN)/pybabel update --no-fuzzy-matching -i locales/messages.pot -d locales -D messages -l $$lang; \
		else \
			$(BIN)/pybabel init -i locales/messages.pot -d locales -D messages -l $$lang; \
		fi; \
	done
	$(BIN)/pybabel compile --statistics -d locales -D messages

# the real bot when TELEGRAM_BOT_TOKEN is set (environment or .env), else the offline demo
run: install catalogs assets
	@if $(BIN)/python -c 'import sys; from bot.settings import load_settings; sys.exit(0 if load_settings().token else 1)' 2>/dev/null; \
	then $(BIN)/python -m bot; else $(BIN)/python -m bot demo; fi

test: install catalogs assets
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: install
	$(BIN)/mypy bot handlers loopback tests $(wildcard bench/*.py)

check: lint types test

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

validate: install
	$(BIN)/python -m bot validate

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
