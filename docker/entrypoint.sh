#!/bin/sh
# Container entrypoint: bring the schema and code tables up to date, then run the command.
#   serve (default)  migrate, then serve on 0.0.0.0:8000 with $WEB_CONCURRENCY workers
#   anything else    migrate, then run `tarjotin <args>` (e.g. `sync ptv`, `search reindex`)
# Set SKIP_MIGRATIONS=1 on extra replicas so only one container migrates.
set -eu

if [ "${SKIP_MIGRATIONS:-0}" != "1" ]; then
    tarjotin db upgrade
fi

if [ "${1:-serve}" = "serve" ]; then
    if [ "$#" -gt 0 ]; then shift; fi
    exec tarjotin serve --host 0.0.0.0 --port "${PORT:-8000}" --workers "${WEB_CONCURRENCY:-2}" "$@"
fi
exec tarjotin "$@"
