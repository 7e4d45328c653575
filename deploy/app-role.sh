#!/bin/sh
# The role the servers connect as: LOGIN, owning nothing; `badiamap db grant`
# (the compose file's grant service) gives it what serving needs and no more
# (docs/SECURITY.md). The postgis image runs this once, as the superuser
# POSTGRES_USER, when it creates the cluster (/docker-entrypoint-initdb.d).
# It is safe to run again, for a volume made before it existed:
#   docker-compose exec db sh /docker-entrypoint-initdb.d/zz-app-role.sh
set -e
: "${BADIAMAP_APP_PASSWORD:?set BADIAMAP_APP_PASSWORD, the password of the role badiamap_app}"
# \getenv, not -v: the password stays out of psql's command line.
psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
\getenv password BADIAMAP_APP_PASSWORD
SELECT 'CREATE ROLE badiamap_app LOGIN'
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'badiamap_app') \gexec
ALTER ROLE badiamap_app PASSWORD :'password';
SQL
