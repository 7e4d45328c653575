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

# The compose file, and its scale profile with every service the profile
# promises (docs/SCALING.md).
compose-config:
	docker-compose -f docker-compose.yml config -q
	docker-compose -f docker-compose.yml --profile scale config -q
	@services="$$(docker-compose -f docker-compose.yml --profile scale config --services)"; \
	for s in db db-replica pgbouncer server-a server-b lb; do \
		echo "$$services" | grep -qx "$$s" || { echo "compose-config: the scale profile lacks $$s" >&2; exit 1; }; \
	done; \
	docker-compose -f docker-compose.yml --profile scale config | grep -q 'BADIAMAP_DATABASE_READ_URLS: .*@pgbouncer:6432/badiamap_replica' \
		|| { echo "compose-config: no server of the scale profile reads the replica through pgbouncer" >&2; exit 1; }

# Benchmarks (issues 2-5): prints figures; see bench/README.md.
bench:
	bench/run
