# Sourced by .ci/run: a throwaway PostgreSQL server on loopback for the test suite.
#
# Installs Debian's postgresql when initdb is missing (CI on a fresh machine), runs
# initdb + pg_ctl into a temporary folder as an unprivileged user (the server refuses
# to run as root; CI runs as root, so the server runs as `nobody`), creates a
# database and exports FARM_GUI_TEST_POSTGRES_URL. The caller traps stop_postgres.

pg_bindir() {
    local dir
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$dir/initdb" ]; then echo "$dir"; return 0; fi
    done
    if command -v initdb >/dev/null 2>&1; then dirname "$(command -v initdb)"; return 0; fi
    return 1
}

install_postgres() {
    if [ "$(id -u)" -ne 0 ]; then
        echo "initdb not found and not root: install Debian's postgresql" >&2
        return 1
    fi
    echo "== installing PostgreSQL (Debian's postgresql)"
    export DEBIAN_FRONTEND=noninteractive
    local i
    for i in 1 2 3 4 5; do  # the dpkg lock may be held for a moment
        if { apt-get update -qq || true; } && apt-get install -y -qq postgresql >/dev/null; then
            return 0
        fi
        sleep 10
    done
    return 1
}

free_port() {
    "$1" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# as_pg_user CMD...: run a command as the server's user (ourselves unless we are root).
as_pg_user() {
    # From the server's folder: the clone's folder may be closed to that user.
    if [ "$(id -u)" -eq 0 ]; then
        (cd "$PG_DIR" && runuser -u "$PG_USER" -- "$@")
    else
        (cd "$PG_DIR" && "$@")
    fi
}

start_postgres() {  # $1: a python to pick a free port with
    local bindir port
    bindir=$(pg_bindir) || { install_postgres && bindir=$(pg_bindir); } || {
        echo "PostgreSQL: initdb not found even after installing" >&2; return 1; }
    PG_USER=nobody
    PG_DIR=$(mktemp -d /tmp/farm-gui-ci-pg.XXXXXX)
    chmod 755 "$PG_DIR"
    [ "$(id -u)" -eq 0 ] && chown "$PG_USER" "$PG_DIR"
    PG_BIN=$bindir
    port=$(free_port "$1")
    echo "== PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ($PG_DIR)"
    as_pg_user "$bindir/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 --no-instructions \
        >"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log" >&2; return 1; }
    as_pg_user "$bindir/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $PG_DIR -c fsync=off -c max_connections=100" \
        start >/dev/null || { cat "$PG_DIR/server.log" >&2; return 1; }
    as_pg_user "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres farm_test
    export FARM_GUI_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$port/farm_test"
}

stop_postgres() {
    if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR/data" ]; then
        as_pg_user "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    [ -n "${PG_DIR:-}" ] && rm -rf "$PG_DIR"
    PG_DIR=
}
