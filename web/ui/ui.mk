# The web map (web/ui): include from the top-level Makefile.
#   make ui       install node modules when the lock file changed, and bundle
#                 web/ui/src into web/ui/dist (embedded by `go build`) when
#                 any source is newer than the bundle.
#   make ui-test  the browser tests (Chromium at /usr/bin/chromium, Go, npm).
UI_DIR ?= web/ui
UI_SOURCES := $(wildcard $(UI_DIR)/src/*) $(UI_DIR)/scripts/build.mjs $(UI_DIR)/package.json
# npm writes node_modules/.package-lock.json on every install: a stamp of when
# the modules were last installed.
UI_MODULES := $(UI_DIR)/node_modules/.package-lock.json

.PHONY: ui ui-test

ui: $(UI_DIR)/dist/index.html

$(UI_MODULES): $(UI_DIR)/package-lock.json
	cd $(UI_DIR) && npm ci --no-audit --no-fund
	touch $@

$(UI_DIR)/dist/index.html: $(UI_MODULES) $(UI_SOURCES)
	cd $(UI_DIR) && npm run build

ui-test: ui
	cd $(UI_DIR) && npm test
