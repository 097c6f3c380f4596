"""guard's upstream client over TLS: a real handshake with a certificate made here."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import ssl
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from guard.serve.upstream import ProxyOptions, UpstreamError, UpstreamPool
from tests.serve.raw_upstreams import ok as answer_ok
from tests.serve.raw_upstreams import read_request


def _certificate(tmp: Path) -> tuple[Path, Path]:
    """A self-signed certificate for ``localhost`` and 127.0.0.1, and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=1))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


async def _tls_upstream(tmp: Path, names: list[str | None]) -> tuple[asyncio.Server, int, Path]:
    cert, key = _certificate(tmp)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.sni_callback = lambda _sock, name, _ctx: names.append(name)  # type: ignore[assignment]

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head, body = await read_request(reader)
                writer.write(answer_ok(head.split(b"\r\n")[0] + b" " + body))
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
            writer.close()

    server = await asyncio.start_server(handler, "127.0.0.1", 0, ssl=context)
    return server, server.sockets[0].getsockname()[1], cert


async def test_an_https_upstream_is_verified_and_named_by_sni(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names: list[str | None] = []
    server, port, cert = await _tls_upstream(tmp_path, names)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # trusted as the system's CAs would be
    pool = UpstreamPool(ProxyOptions(f"https://localhost:{port}/base"))
    try:
        bodies = []
        for _ in range(2):
            answer = await pool.request("POST", b"/base/v1", [], b"hi")
            bodies.append(await answer.read())
            answer.release()
    finally:
        await pool.close()
        server.close()
    assert bodies == [b"POST /base/v1 HTTP/1.1 hi"] * 2
    assert names == ["localhost"]  # one handshake: the connection was kept


async def test_an_upstream_certificate_nobody_trusts_is_refused(tmp_path: Path) -> None:
    server, port, _ = await _tls_upstream(tmp_path, [])
    pool = UpstreamPool(ProxyOptions(f"https://localhost:{port}"))
    try:
        with pytest.raises(UpstreamError):
            await pool.request("GET", b"/", [], None)
    finally:
        await pool.close()
        server.close()
