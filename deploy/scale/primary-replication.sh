#!/bin/sh
# Run once by the postgis image when it creates the primary's cluster
# (/docker-entrypoint-initdb.d): lets the replica stream from it with the
# database user's password.
set -e
echo "host replication all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
