"""parley.transport's HTTP/1.1 client against real loopback servers: body framings, gzip, keep-alive
reuse and its limits, stale connections, pools, TLS, URL credentials and a stream's bounded buffer.
Every codec also runs through it in the provider, reliability and faults tests."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime
import gzip
import ipaddress
import ssl
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import orjson
import pytest
import uvloop
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from parley import transport
from parley.errors import UpstreamError
from parley.transport import Pool, SSEFraming, UpstreamRequest


@pytest.fixture(params=["asyncio", "uvloop"])
def event_loop_policy(request):
    """Every test on both loops: the gateway runs on uvloop (uvicorn's), the SDK on any."""
    return uvloop.EventLoopPolicy() if request.param == "uvloop" else asyncio.DefaultEventLoopPolicy()


JSON_HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"


@dataclass
class Seen:
    """What a loopback server saw: connections accepted and closed, request heads and bodies."""

    connections: int = 0
    closed: int = 0
    heads: list[bytes] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)
    writers: list[asyncio.StreamWriter] = field(default_factory=list)


async def read_request(reader: asyncio.StreamReader) -> tuple[bytes, bytes] | None:
    """One request's head and body, or None when the client closed the connection."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return head, await reader.readexactly(length)


# A connection handler: answers requests (read with `read_request`) until it returns.
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter, Seen], Awaitable[None]]


@contextlib.asynccontextmanager
async def serving(
    handler: Handler, *, host: str = "127.0.0.1", tls: ssl.SSLContext | None = None
) -> AsyncIterator[tuple[str, Seen]]:
    seen = Seen()

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.connections += 1
        seen.writers.append(writer)
        try:
            await handler(reader, writer, seen)
        except ConnectionError:
            pass
        finally:
            writer.close()
            seen.closed += 1

    server = await asyncio.start_server(connection, host, 0, ssl=tls)
    port = server.sockets[0].getsockname()[1]
    literal = f"[{host}]" if ":" in host else host
    try:
        yield f"{'https' if tls else 'http'}://{literal}:{port}", seen
    finally:
        await transport.close()
        for writer in seen.writers:
            writer.close()
        server.close()
        await server.wait_closed()


def answering(*answers: bytes, hold: float = 0.0) -> Handler:
    """Answer each request on a connection with the next of `answers` (the last one repeats), and
    keep the connection for more unless the answer ends with the close."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, seen: Seen) -> None:
        turn = 0
        while (request := await read_request(reader)) is not None:
            seen.heads.append(request[0])
            seen.bodies.append(request[1])
            if hold:
                await asyncio.sleep(hold)
            writer.write(answers[min(turn, len(answers) - 1)])
            await writer.drain()
            turn += 1
            if b"connection: close" in answers[min(turn - 1, len(answers) - 1)].lower():
                return

    return handle


def json_answer(value: object, *extra: bytes) -> bytes:
    body = orjson.dumps(value)
    return JSON_HEAD + b"".join(extra) + b"content-length: %d\r\n\r\n" % len(body) + body


def chunked(*pieces: bytes) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces) + b"0\r\n\r\n"


def post(url: str, **kwargs: object) -> UpstreamRequest:
    return UpstreamRequest("POST", url, body={"q": 1}, **kwargs)  # type: ignore[arg-type]


async def events(url: str, **kwargs: object) -> list[object]:
    stream = transport.send_stream(post(url), SSEFraming(), **kwargs)  # type: ignore[arg-type]
    return [SSEFraming.decode(event) async for batch in stream for event in batch]


def decoded(batch: list[bytes]) -> list[object]:
    return [SSEFraming.decode(event) for event in batch]


SSE_HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream; charset=utf-8\r\n"


# --- framings --------------------------------------------------------------------------------------


async def test_content_length_chunked_and_close_delimited_bodies():
    async with serving(answering(json_answer({"n": 1}))) as (url, _):
        assert await transport.send_json(post(url + "/v1/x")) == {"n": 1}
    answer = JSON_HEAD + b"transfer-encoding: chunked\r\n\r\n" + chunked(b'{"n":', b" 2", b"}")
    async with serving(answering(answer)) as (url, _):
        assert await transport.send_json(post(url)) == {"n": 2}
    # HTTP/1.0 without a length, and HTTP/1.1 without one: the body ends with the connection.
    for version in (b"1.0", b"1.1"):
        answer = b'HTTP/%s 200 OK\r\ncontent-type: application/json\r\n\r\n{"n": 3}' % version

        async def close_after(reader, writer, seen, answer=answer):
            await read_request(reader)
            writer.write(answer)
            await writer.drain()

        async with serving(close_after) as (url, seen):
            assert await transport.send_json(post(url)) == {"n": 3}
            assert await transport.send_json(post(url)) == {"n": 3}
            assert seen.connections == 2  # an answer delimited by the close is never reused


async def test_a_stream_in_chunks_and_one_delimited_by_the_close():
    body = b'data: {"a": 1}\n\ndata: {"b"'
    rest = b": 2}\n\ndata: [DONE]\n\n"
    async with serving(answering(SSE_HEAD + b"transfer-encoding: chunked\r\n\r\n" + chunked(body, rest))) as (
        url,
        seen,
    ):
        assert await events(url) == [{"a": 1}, {"b": 2}]
        assert b"accept: text/event-stream" in seen.heads[0].lower()

    async def close_delimited(reader, writer, seen):
        await read_request(reader)
        writer.write(SSE_HEAD + b"\r\n" + body)
        await writer.drain()
        await asyncio.sleep(0.05)
        writer.write(b": 2}\n\n")  # no [DONE]: the close ends the stream

    async with serving(close_delimited) as (url, _):
        assert await events(url) == [{"a": 1}, {"b": 2}]


async def test_a_stream_comes_a_read_at_a_time_up_to_done():
    body = b'data: {"a": 1}\n\ndata: {"b": 2}\n\ndata: {"c": 3}\n\ndata: [DONE]\n\ndata: {"late": 1}\n\n'

    async def one_write(reader, writer, seen):
        await read_request(reader)
        writer.write(SSE_HEAD + b"\r\n" + body)  # one write: one read on the gateway's side
        await writer.drain()

    async with serving(one_write) as (url, _):
        stream = transport.send_stream(post(url), SSEFraming())
        assert [decoded(batch) async for batch in stream] == [[{"a": 1}, {"b": 2}, {"c": 3}]]


async def test_gzip_and_deflate_answers_are_decoded():
    value = {"text": "x" * 2000}
    packed = gzip.compress(orjson.dumps(value))
    answer = JSON_HEAD + b"content-encoding: gzip\r\ncontent-length: %d\r\n\r\n" % len(packed) + packed
    async with serving(answering(answer)) as (url, seen):
        assert await transport.send_json(post(url)) == value
        assert b"accept-encoding" not in seen.heads[0].lower()  # identity asked for
    for packed in (zlib.compress(orjson.dumps(value)), zlib.compress(orjson.dumps(value))[2:-4]):  # zlib, raw
        answer = JSON_HEAD + b"content-encoding: deflate\r\ncontent-length: %d\r\n\r\n" % len(packed) + packed
        async with serving(answering(answer)) as (url, _):
            assert await transport.send_json(post(url)) == value
    stream = gzip.compress(b'data: {"a": 1}\n\n' * 50)
    answer = SSE_HEAD + b"content-encoding: gzip\r\ntransfer-encoding: chunked\r\n\r\n"
    async with serving(answering(answer + chunked(stream[:40], stream[40:]))) as (url, _):
        assert await events(url) == [{"a": 1}] * 50


async def test_an_error_answer_keeps_its_message_and_retry_after():
    body = orjson.dumps({"error": {"message": "slow down"}})
    answer = b"HTTP/1.1 429 Too Many\r\nRetry-After-Ms: 1500\r\ncontent-length: %d\r\n\r\n%s" % (
        len(body),
        body,
    )
    async with serving(answering(answer)) as (url, _):
        with pytest.raises(UpstreamError) as caught:
            await transport.send_json(post(url))
        assert (caught.value.status, caught.value.message, caught.value.retry_after) == (
            429,
            "HTTP 429: slow down",
            1.5,
        )
        with pytest.raises(UpstreamError) as caught:
            await events(url)
        assert (caught.value.status, caught.value.retry_after) == (429, 1.5)


# --- keep-alive ------------------------------------------------------------------------------------


async def test_keep_alive_reuses_one_connection():
    async with serving(answering(json_answer({"n": 1}))) as (url, seen):
        for _ in range(3):
            assert await transport.send_json(post(url)) == {"n": 1}
        assert seen.connections == 1
        head = seen.heads[0].decode()
        assert head.startswith("POST / HTTP/1.1\r\n")
        port = url.rsplit(":", 1)[1]
        assert f"\r\nHost: 127.0.0.1:{port}\r\n" in head
        assert "\r\ncontent-length: 7\r\n" in head.lower() and seen.bodies[0] == b'{"q":1}'


async def test_a_stream_read_to_its_end_returns_its_connection():
    answer = SSE_HEAD + b"transfer-encoding: chunked\r\n\r\n" + chunked(b'data: {"a": 1}\n\n')
    async with serving(answering(answer)) as (url, seen):
        for _ in range(2):
            assert await events(url) == [{"a": 1}]
        assert seen.connections == 1


async def test_an_answer_saying_connection_close_is_not_reused():
    async with serving(answering(json_answer({"n": 1}, b"connection: close\r\n"))) as (url, seen):
        for _ in range(2):
            assert await transport.send_json(post(url)) == {"n": 1}
        assert seen.connections == 2


async def test_a_request_saying_connection_close_is_not_reused():
    async with serving(answering(json_answer({"n": 1}))) as (url, seen):
        for _ in range(2):
            request = post(url, headers={"Connection": "close"})
            assert await transport.send_json(request) == {"n": 1}
        assert seen.connections == 2


async def test_a_stale_pooled_connection_is_retried_once_on_a_fresh_one():
    """The upstream reads the second request on a kept-alive connection and hangs up: the request
    goes again on a new connection, transparently."""

    async def one_answer_per_connection(reader, writer, seen):
        await read_request(reader)
        writer.write(json_answer({"n": 1}))
        await writer.drain()
        await read_request(reader)  # the next request meets the close

    async with serving(one_answer_per_connection) as (url, seen):
        for _ in range(3):
            assert await transport.send_json(post(url)) == {"n": 1}
        assert seen.connections == 3


async def test_a_fresh_connection_that_fails_is_not_retried_and_names_no_url():
    async def hang_up(reader, writer, seen):
        await read_request(reader)

    async with serving(hang_up) as (url, seen):
        secret = url.replace("http://", "http://user:pa55word@") + "/v1?key=sekrit"
        with pytest.raises(UpstreamError) as caught:
            await transport.send_json(post(secret))
        assert (
            caught.value.status == 0 and caught.value.message == "connection failed (ServerDisconnectedError)"
        )
        assert seen.connections == 1  # the router retries, not the transport
    with pytest.raises(UpstreamError) as caught:
        await transport.send_json(post(secret))  # nothing listens any more
    assert caught.value.message.startswith("connection failed (")
    assert "pa55word" not in caught.value.message and "sekrit" not in caught.value.message


async def test_a_stream_closed_early_closes_its_connection():
    first = SSE_HEAD + b"transfer-encoding: chunked\r\n\r\n" + b"%x\r\n%s\r\n" % (16, b'data: {"a": 1}\n\n')

    async def endless(reader, writer, seen):
        while await read_request(reader) is not None:
            writer.write(first)  # and never the rest
            await writer.drain()

    async with serving(endless) as (url, seen):
        async with contextlib.aclosing(transport.send_stream(post(url), SSEFraming())) as stream:
            assert decoded(await anext(stream)) == [{"a": 1}]
        for _ in range(50):
            if seen.closed:
                break
            await asyncio.sleep(0.01)
        assert seen.closed == 1  # our side closed it
        async with contextlib.aclosing(transport.send_stream(post(url), SSEFraming())) as stream:
            assert decoded(await anext(stream)) == [{"a": 1}]
        assert seen.connections == 2


# --- pools -----------------------------------------------------------------------------------------


async def test_a_deployment_pool_of_one_serialises_its_calls():
    running = 0
    most = 0

    async def slow(reader, writer, seen):
        nonlocal running, most
        while await read_request(reader) is not None:
            running += 1
            most = max(most, running)
            await asyncio.sleep(0.1)
            running -= 1
            writer.write(json_answer({"n": 1}))
            await writer.drain()

    async with serving(slow) as (url, seen):
        one = Pool("d", 1)
        answers = await asyncio.gather(*(transport.send_json(post(url), pool=one) for _ in range(3)))
        assert answers == [{"n": 1}] * 3 and most == 1 and seen.connections == 1
        most = 0
        await asyncio.gather(*(transport.send_json(post(url)) for _ in range(3)))  # the shared pool
        assert most == 3


async def test_waiting_for_a_free_connection_is_bounded_by_the_connect_deadline(monkeypatch):
    monkeypatch.setattr(transport, "CONNECT_TIMEOUT", 0.2)

    async def hung(reader, writer, seen):
        await read_request(reader)
        await asyncio.sleep(30)

    async with serving(hung) as (url, seen):
        one = Pool("d", 1)
        first = asyncio.ensure_future(transport.send_json(post(url), pool=one))
        await asyncio.sleep(0.05)
        with pytest.raises(UpstreamError) as caught:
            await transport.send_json(post(url), pool=one)
        assert caught.value.timeout and caught.value.message == "timed out (TimeoutError)"
        first.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await first
        assert seen.connections == 1


# --- URLs ------------------------------------------------------------------------------------------


async def test_url_credentials_become_basic_auth_unless_the_request_has_authorization():
    async with serving(answering(json_answer({}))) as (url, seen):
        with_user = url.replace("http://", "http://us%40er:pa55word@")
        await transport.send_json(post(with_user + "/p"))
        expected = base64.b64encode(b"us@er:pa55word").decode()
        assert f"\r\nAuthorization: Basic {expected}\r\n" in seen.heads[0].decode()
        await transport.send_json(post(with_user + "/p", headers={"authorization": "Bearer k"}))
        assert seen.heads[1].decode().lower().count("authorization") == 1
        assert "\r\nauthorization: Bearer k\r\n" in seen.heads[1].decode()


async def test_the_query_is_merged_and_encoded_as_before():
    async with serving(answering(json_answer({}))) as (url, seen):
        request = post(url + "/a b/c?a=1&c=3", query={"a": "x y", "b": "é&/"})
        await transport.send_json(request)
        assert seen.heads[0].startswith(b"POST /a%20b/c?a=x+y&c=3&b=%C3%A9%26/ HTTP/1.1\r\n")
        await transport.send_json(post(url + "/m/arn%3Ax%2Fy:z?key=k%2F1"))
        assert seen.heads[1].startswith(b"POST /m/arn%3Ax%2Fy:z?key=k%2F1 HTTP/1.1\r\n")  # as encoded


async def test_a_header_with_a_line_break_is_refused():
    with pytest.raises(ValueError):
        await transport.send_json(post("http://127.0.0.1:9/", headers={"x-key": "k\r\nx-forged: 1"}))


async def test_an_ipv6_literal_host():
    async with serving(answering(json_answer({"v": 6})), host="::1") as (url, seen):
        assert await transport.send_json(post(url)) == {"v": 6}
        assert f"\r\nHost: [::1]:{url.rsplit(':', 1)[1]}\r\n" in seen.heads[0].decode()


def self_signed(tmp_path) -> tuple[ssl.SSLContext, str]:
    """A server context for localhost / 127.0.0.1 with a self-signed certificate, and its PEM path."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    return context, str(cert_path)


async def test_https_with_the_trust_store_from_ssl_cert_file(tmp_path, monkeypatch):
    server_tls, cert = self_signed(tmp_path)
    transport._tls.cache_clear()
    try:
        async with serving(answering(json_answer({"tls": True})), tls=server_tls) as (url, seen):
            https_localhost = url.replace("127.0.0.1", "localhost")
            with pytest.raises(UpstreamError) as caught:  # not trusted yet
                await transport.send_json(post(https_localhost))
            assert caught.value.message == "connection failed (SSLCertVerificationError)"
            monkeypatch.setenv("SSL_CERT_FILE", cert)
            transport._tls.cache_clear()
            assert await transport.send_json(post(https_localhost)) == {"tls": True}
            assert await transport.send_json(post(https_localhost)) == {"tls": True}
            assert seen.connections == 1  # one kept alive (the refused handshake never got that far)
            port = url.rsplit(":", 1)[1]
            assert f"\r\nHost: localhost:{port}\r\n" in seen.heads[0].decode()
    finally:
        transport._tls.cache_clear()


# --- back-pressure ---------------------------------------------------------------------------------


async def test_an_unread_stream_holds_a_bounded_buffer_and_blocks_the_upstream():
    piece = b'data: {"pad": "' + b"x" * (1024 * 1024 - 20) + b'"}\n\n'
    written = 0
    total = 64  # MiB offered: more than the kernel's socket buffers can take

    async def flood(reader, writer, seen):
        nonlocal written
        await read_request(reader)
        writer.write(SSE_HEAD + b"\r\n" + b'data: {"a": 1}\n\n')
        await writer.drain()
        for _ in range(total):
            writer.write(piece)
            await writer.drain()
            written += 1

    async with serving(flood) as (url, seen):
        async with contextlib.aclosing(transport.send_stream(post(url), SSEFraming())) as stream:
            assert decoded(await anext(stream)) == [{"a": 1}]
            await asyncio.sleep(1.0)  # a reader that reads nothing more
            (pool,) = transport._pools[asyncio.get_running_loop()].values()
            (conn,) = pool.connections
            assert conn.paused and conn.buffered < 1024 * 1024
            assert written < total  # the upstream's send blocks
