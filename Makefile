# badiamap: `make run` serves the map on the embedded store; `make test` runs
# every test against a throwaway PostGIS and a headless Chromium.
GO     ?= go
BIN    := bin/badiamap
ADDR   ?= 127.0.0.1:8080

.PHONY: build run test build-static compose-config bench

# The web/ui bundle (Leaflet app): target `ui`.
include web/ui/ui.mk

build: ui
	$(GO) build -o $(BIN) ./cmd/badiamap

run: build
	$(BIN) serve --addr $(ADDR)

test:
	scripts/install-test-deps
	$(MAKE) ui
	scripts/with-postgis scripts/run-tests

# The static binary the Dockerfile builds, with the same command.
build-static: ui
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags='-s -w' -o $(BIN)-static ./cmd/badiamap

# The compose file: valid, its scale profile complete, every server on the
# application role (scripts/check-compose says what it checks).
compose-config:
	scripts/check-compose

# Benchmarks (issues 2-5): prints figures; see bench/README.md.
bench:
	bench/run
