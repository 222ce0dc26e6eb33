#!/bin/bash
# compose.yaml: creates the records' role and database on the first start of the PostgreSQL
# container. Temporal's own databases are created by its setup, never this one.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" <<SQL
CREATE ROLE cyberduty LOGIN PASSWORD '${CYBERDUTY_DB_PASSWORD}';
CREATE DATABASE cyberduty OWNER cyberduty;
SQL
