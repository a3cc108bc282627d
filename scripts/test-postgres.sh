# Sourced by `make test`: starts the Debian PostgreSQL cluster and exports SLIPWAY_TEST_DATABASE_URL.
if [ -z "${SLIPWAY_TEST_DATABASE_URL:-}" ]; then
  if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    if command -v pg_ctlcluster >/dev/null 2>&1 && [ -n "$(ls /etc/postgresql 2>/dev/null)" ]; then
      v=$(ls /etc/postgresql | sort -n | tail -1)
      pg_ctlcluster "$v" main start 2>/dev/null || service postgresql start
    else
      service postgresql start
    fi
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
  runuser -u postgres -- psql -q -v ON_ERROR_STOP=1 -c \
    "DO \$\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'slipway') THEN CREATE ROLE slipway LOGIN PASSWORD 'slipway' CREATEDB; END IF; END \$\$;" >/dev/null
  runuser -u postgres -- psql -q -tc "SELECT 1 FROM pg_database WHERE datname = 'slipway'" | grep -q 1 \
    || runuser -u postgres -- createdb -O slipway slipway
  export SLIPWAY_TEST_DATABASE_URL=postgresql://slipway:slipway@127.0.0.1:5432/slipway
fi
