# badiamap: the server as a static binary in an empty (scratch) image.
#   docker build -t badiamap .
# The Go build is the command of `make build-static` (CI runs that target).

# 1. The web map (Leaflet, bundled by esbuild), embedded by the Go build.
FROM node:20-bookworm-slim AS ui
WORKDIR /src/web/ui
COPY web/ui/package.json web/ui/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ui/ ./
RUN npm run build

# 2. The static binary.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
COPY --from=ui /src/web/ui/dist/ web/ui/dist/
RUN CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /out/badiamap ./cmd/badiamap

# 3. Runtime: an empty image with the binary and CA certificates only (no
# shell, no package manager), run as a non-root user id.
FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/
COPY --from=build /out/badiamap /usr/local/bin/badiamap
USER 65532:65532
ENV BADIAMAP_ADDR=0.0.0.0:8080
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/badiamap"]
CMD ["serve"]
