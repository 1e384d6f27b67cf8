#!/usr/bin/env bash
# Throwaway PostgreSQL clusters for tests.
#
#   scripts/postgres.sh install          install the Debian `postgresql` package if initdb is missing
#   scripts/postgres.sh start DIR PORT   (install if needed,) create a cluster in DIR/data unless one
#                                        exists, start it on 127.0.0.1:PORT, wait until it accepts
#                                        connections; user `postgres`, trust auth, no password
#   scripts/postgres.sh stop DIR         stop the cluster in DIR (no-op when it is not running)
#
# Idempotent: `start` on a running cluster only waits for it, `stop` on a stopped one does nothing.
# PostgreSQL refuses to run as root, so as root the server runs as the `postgres` OS user (DIR is
# chowned to it; DIR's parents must be traversable by it, e.g. a mkdtemp dir under /tmp). As any
# other user it runs as that user. The cluster is for tests only: fsync is off.
# Quiet on success; on failure the reason (and the server log's tail) goes to stderr, exit status 1.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

die() {
    echo "postgres.sh: $*" >&2
    exit 1
}

bindir() {
    # The newest versioned install under /usr/lib/postgresql, else whatever is on PATH.
    local d
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [[ -n "$d" && -x "$d/initdb" && -x "$d/pg_ctl" ]]; then
        echo "$d"
        return 0
    fi
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v pg_ctl)"
        return 0
    fi
    return 1
}

install_pg() {
    bindir >/dev/null && return 0
    bash "$HERE/apt_install.sh" postgresql
    bindir >/dev/null || die "postgresql installed but no initdb/pg_ctl found under /usr/lib/postgresql/*/bin"
}

# Run a command as the server's OS user: `postgres` when we are root, ourselves otherwise.
as_pg() {
    if [[ $EUID -eq 0 ]]; then
        if command -v runuser >/dev/null 2>&1; then
            runuser -u postgres -- "$@"
        else
            su -s /bin/sh postgres -c "$(printf '%q ' "$@")"
        fi
    else
        "$@"
    fi
}

running() { # DIR -> 0 when the cluster's postmaster is alive
    [[ -f "$1/data/postmaster.pid" ]] && as_pg "$BIN/pg_ctl" -D "$1/data" status >/dev/null 2>&1
}

start() {
    local dir=$1 port=$2
    [[ "$port" =~ ^[0-9]+$ ]] || die "PORT must be a number, got '$port'"
    install_pg
    BIN=$(bindir)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd -P)
    if [[ $EUID -eq 0 ]]; then
        id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
        chown postgres: "$dir"
        as_pg test -w "$dir" || die "user postgres cannot write $dir (are its parent directories traversable?)"
    fi
    cd "$dir" # the server user must be able to stat its working directory

    if [[ ! -f "$dir/data/PG_VERSION" ]]; then
        rm -rf "$dir/data"
        if ! as_pg "$BIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-locale --no-sync \
            >"$dir/initdb.log" 2>&1; then
            tail -n 30 "$dir/initdb.log" >&2
            die "initdb failed"
        fi
        as_pg mkdir -p "$dir/run"
        # Only TCP on loopback and our own socket directory; trust, since nothing else can reach it.
        as_pg sh -c "cat > '$dir/data/pg_hba.conf'" <<'EOF'
local all all trust
host  all all 127.0.0.1/32 trust
EOF
        as_pg sh -c "cat >> '$dir/data/postgresql.conf'" <<EOF

# scripts/postgres.sh: a throwaway test cluster
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir/run'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
logging_collector = off
EOF
    fi

    if ! running "$dir"; then
        if ! as_pg "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o "-p $port" -w -t 60 start \
            >/dev/null 2>&1; then
            tail -n 20 "$dir/server.log" >&2 2>/dev/null || true
            die "pg_ctl start failed (port $port in use?)"
        fi
    fi

    # pg_ctl -w waits for the postmaster; make sure TCP on our port answers too.
    local i
    for i in $(seq 1 120); do
        if "$BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -t 1 >/dev/null 2>&1; then
            return 0
        fi
        sleep 0.25
    done
    tail -n 20 "$dir/server.log" >&2 2>/dev/null || true
    die "PostgreSQL in $dir does not accept connections on 127.0.0.1:$port"
}

stop() {
    local dir=$1
    [[ -d "$dir" ]] || return 0
    BIN=$(bindir) || return 0
    dir=$(cd "$dir" && pwd -P)
    cd "$dir"
    if running "$dir"; then
        as_pg "$BIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 ||
            die "pg_ctl stop failed for $dir"
    fi
}

cmd=${1:-}
case "$cmd" in
install) install_pg ;;
start)
    [[ $# -eq 3 ]] || die "usage: $0 start DIR PORT"
    start "$2" "$3"
    ;;
stop)
    [[ $# -eq 2 ]] || die "usage: $0 stop DIR"
    stop "$2"
    ;;
*) die "usage: $0 {install | start DIR PORT | stop DIR}" ;;
esac
