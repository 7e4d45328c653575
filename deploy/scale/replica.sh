#!/bin/sh
# The replica's entrypoint: on an empty volume, copy the primary with
# pg_basebackup -R (which writes standby.signal and primary_conninfo), then
# run PostgreSQL as a hot standby streaming from it.
set -e
if [ ! -s "$PGDATA/PG_VERSION" ]; then
	until pg_basebackup -h db -U "$POSTGRES_USER" -D "$PGDATA" -R -X stream -c fast; do
		echo "replica: the primary is not ready; trying again" >&2
		rm -rf "${PGDATA:?}"/*
		sleep 2
	done
	chmod 700 "$PGDATA"
fi
exec postgres -c hot_standby=on
