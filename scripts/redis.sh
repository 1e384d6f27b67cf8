#!/usr/bin/env bash
# Throwaway Redis servers for tests (the Debian `redis-server` package).
#
#   scripts/redis.sh install          install `redis-server` if it is missing
#   scripts/redis.sh start DIR PORT   (install if needed,) start a server on 127.0.0.1:PORT with its
#                                     files in DIR (pid, log; no persistence), wait until it answers
#   scripts/redis.sh stop DIR         stop the server started in DIR (no-op when it is not running)
#
# Idempotent: `start` on a running server only waits for it, `stop` on a stopped one does nothing.
# Quiet on success; on failure the reason (and the server log's tail) goes to stderr, exit status 1.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

die() {
    echo "redis.sh: $*" >&2
    exit 1
}

install_redis() {
    command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1 && return 0
    bash "$HERE/apt_install.sh" redis-server redis-tools
    command -v redis-server >/dev/null 2>&1 || die "redis-server installed but not on PATH"
}

running() { # DIR -> 0 when the server whose pid file is in DIR is alive
    [[ -f "$1/redis.pid" ]] && kill -0 "$(cat "$1/redis.pid")" 2>/dev/null
}

start() {
    local dir=$1 port=$2
    [[ "$port" =~ ^[0-9]+$ ]] || die "PORT must be a number, got '$port'"
    install_redis
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd -P)
    if ! running "$dir"; then
        # Loopback only, no persistence (a test server), its own pid and log files.
        if ! redis-server --bind 127.0.0.1 --port "$port" --daemonize yes --dir "$dir" \
            --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --save '' --appendonly no \
            >/dev/null 2>&1; then
            tail -n 20 "$dir/redis.log" >&2 2>/dev/null || true
            die "redis-server failed to start"
        fi
    fi
    local i
    for i in $(seq 1 200); do
        if [[ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" == "PONG" ]]; then
            return 0
        fi
        sleep 0.05
    done
    tail -n 20 "$dir/redis.log" >&2 2>/dev/null || true
    die "Redis in $dir does not answer on 127.0.0.1:$port (port in use?)"
}

stop() {
    local dir=$1 pid i
    [[ -d "$dir" ]] || return 0
    running "$dir" || return 0
    pid=$(cat "$dir/redis.pid")
    kill "$pid" 2>/dev/null || true
    for i in $(seq 1 200); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.05
    done
    die "redis-server (pid $pid) did not stop"
}

cmd=${1:-}
case "$cmd" in
install) install_redis ;;
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
