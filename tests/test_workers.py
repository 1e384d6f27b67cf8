"""`parley --workers N`: each worker listens on a socket of its own (SO_REUSEPORT), so the kernel
spreads new connections over all of them; a port something else listens on refuses the start.
Real processes on loopback; who holds which socket is read from /proc, as `ss -p` would."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.conftest import MASTER_KEY
from tests.test_fleet import Instance

LISTEN, ESTABLISHED = "0A", "01"  # /proc/net/tcp's states


def tcp_sockets(port: int) -> dict[int, str]:
    """inode -> state of the IPv4 TCP sockets whose local port is `port`."""
    found = {}
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].rsplit(":", 1)[1], 16) == port:
            found[int(fields[9])] = fields[3]
    return found


def socket_inodes(pid: int) -> set[int]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(int(target[8:-1]))
    return inodes


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def listeners(instance: Instance, count: int) -> dict[int, int]:
    """{worker pid: its listening socket's inode}, once `count` sockets listen on the port."""
    deadline = time.monotonic() + 60
    while True:
        listening = {i for i, state in tcp_sockets(instance.port).items() if state == LISTEN}
        if len(listening) >= count or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    owners = {}
    for pid in children(instance.proc.pid):
        for inode in socket_inodes(pid) & listening:
            owners[pid] = inode
    return owners


def in_flight(instance: Instance) -> float:
    """The fleet's requests in flight, as /metrics says."""
    with socket.create_connection(("127.0.0.1", instance.port), timeout=10) as c:
        c.sendall(
            b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            b"Authorization: Bearer " + MASTER_KEY.encode() + b"\r\n\r\n"
        )
        data = b""
        while chunk := c.recv(65536):
            data += chunk
    line = next(x for x in data.decode().splitlines() if x.startswith("parley_requests_in_flight "))
    return float(line.split()[1])


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "model_list": [
                    {
                        "model_name": "solo",
                        "litellm_params": {
                            "model": "gemini/solo",
                            "api_key": "upstream-key",
                            "api_base": "http://127.0.0.1:9",
                        },
                    }
                ],
                "general_settings": {
                    "master_key": MASTER_KEY,
                    "database_url": f"sqlite:///{tmp_path}/parley.db",
                },
            }
        )
    )
    return path


def test_each_worker_listens_on_its_own_socket_and_new_connections_reach_both(config):
    silent = socket.create_server(("127.0.0.1", 0))  # an upstream that takes connections, never answers
    settings = yaml.safe_load(config.read_text())
    settings["model_list"][0]["litellm_params"]["api_base"] = f"http://127.0.0.1:{silent.getsockname()[1]}"
    config.write_text(yaml.safe_dump(settings))
    instance = Instance(config, workers=2).wait_ready()
    try:
        owners = listeners(instance, 2)
        assert len(owners) == 2 and len(set(owners.values())) == 2, owners
        # The supervisor's own socket holds the address but never listens: it gets no connection.
        assert not socket_inodes(instance.proc.pid) & set(owners.values())
        clients = [socket.create_connection(("127.0.0.1", instance.port), timeout=10) for _ in range(32)]
        try:
            for c in clients:  # each connection served, and still open (kept alive)
                c.sendall(b"GET /health/readiness HTTP/1.1\r\nHost: x\r\n\r\n")
                assert c.recv(4096).startswith(b"HTTP/1.1 200 ")
            established = {i for i, state in tcp_sockets(instance.port).items() if state == ESTABLISHED}
            per_worker = {pid: len(socket_inodes(pid) & established) for pid in owners}
            # The kernel hashes each connection to a listener: all 32 on one would be 2 in 2**32.
            assert sum(per_worker.values()) == 32 and min(per_worker.values()) >= 1, per_worker
        finally:
            for c in clients:
                c.close()
        # A worker killed outright, with a request in flight (its body not all sent): the
        # supervisor starts another, which listens on its own socket, and the dead one's request
        # no longer counts in the fleet's /metrics.
        idle = in_flight(instance)
        body = b'{"model": "solo", "input": "hi"}'
        pending = socket.create_connection(("127.0.0.1", instance.port), timeout=10)
        pending.sendall(
            b"POST /v1beta/interactions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Authorization: Bearer " + MASTER_KEY.encode() + b"\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
        )
        deadline = time.monotonic() + 30
        while in_flight(instance) <= idle:  # the create waits for an upstream that never answers
            assert time.monotonic() < deadline
            time.sleep(0.1)
        established = {i for i, state in tcp_sockets(instance.port).items() if state == ESTABLISHED}
        killed = next(pid for pid in owners if socket_inodes(pid) & established)
        os.kill(killed, 9)
        pending.close()
        deadline = time.monotonic() + 90
        while (again := listeners(instance, 2)).keys() == owners.keys() or len(again) < 2:
            assert time.monotonic() < deadline, again
            time.sleep(0.2)
        assert killed not in again and len(set(again.values())) == 2
        deadline = time.monotonic() + 30
        while in_flight(instance) != idle:
            assert time.monotonic() < deadline, in_flight(instance)
            time.sleep(0.2)
    finally:
        instance.stop()
        silent.close()


def test_a_port_another_fleet_or_server_listens_on_refuses_the_start(config):
    first = Instance(config, workers=2).wait_ready()
    try:
        assert len(listeners(first, 2)) == 2
        with socket.socket() as plain:  # and a listener that is not Parley's
            plain.bind(("127.0.0.1", 0))
            plain.listen()
            for port in (first.port, plain.getsockname()[1]):
                second = subprocess.run(
                    [sys.executable, "-m", "parley.cli", "--config", str(config), "--port", str(port)]
                    + ["--workers", "2"],
                    capture_output=True,
                    text=True,
                    timeout=60,
                )
                assert second.returncode != 0
                assert f"parley: cannot listen on 127.0.0.1:{port}: Address already in use" in second.stderr
        # The first fleet is untouched: still its two listeners, still serving.
        assert len(listeners(first, 2)) == 2
        with first.client() as c:
            assert c.get("/health/readiness").status_code == 200
    finally:
        first.stop()


def test_workers_end_when_their_supervisor_is_killed(config):
    """kill -9 of the supervisor: its workers drain and exit, so the port is free to start again."""
    instance = Instance(config, workers=2).wait_ready()
    try:
        workers = list(listeners(instance, 2))
        assert len(workers) == 2
        instance.proc.kill()
        instance.proc.wait()
        deadline = time.monotonic() + 30
        while alive := [pid for pid in workers if Path(f"/proc/{pid}").exists() and not zombie(pid)]:
            assert time.monotonic() < deadline, f"workers {alive} outlived their supervisor"
            time.sleep(0.1)
        again = Instance(config, workers=2, port=instance.port).wait_ready()
        again.stop()
    finally:
        instance.stop()


def zombie(pid: int) -> bool:
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    return True
