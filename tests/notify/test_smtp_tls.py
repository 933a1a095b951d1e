"""Mail over TLS to a real aiosmtpd server with its own certificate: STARTTLS with
AUTH offered only after TLS, and implicit TLS (SMTPS). The server's certificate is
checked against SMTP_CA_FILE; without it the send fails and is recorded, not sent
in clear."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from notifications import ledger
from notifications.jobs import deliver

from ..factories import World
from .conftest import SmtpSink, configure, free_port
from .test_channels import delivery_row, make_draft, record_drafts


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, as an internal mail server would have."""
    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mail.sanshen.test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class Logins:
    def __init__(self) -> None:
        self.seen: list[tuple[str, bool]] = []  # (login, over TLS)

    def __call__(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        login, password = auth_data.login.decode(), auth_data.password.decode()
        self.seen.append((login, session.ssl is not None))
        return AuthResult(success=(login, password) == ("sanshen", "s3cret"))


def _server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*map(str, certificate))
    return context


@pytest.fixture
def starttls_server(certificate: tuple[Path, Path]) -> Iterator[tuple[SmtpSink, int, Logins]]:
    sink, logins, port = SmtpSink(), Logins(), free_port()
    controller = Controller(
        sink,
        hostname="127.0.0.1",
        port=port,
        tls_context=_server_context(certificate),
        require_starttls=True,
        authenticator=logins,
        auth_require_tls=True,
    )
    controller.start()
    try:
        yield sink, port, logins
    finally:
        controller.stop()


@pytest.fixture
def smtps_server(certificate: tuple[Path, Path]) -> Iterator[tuple[SmtpSink, int]]:
    sink, port = SmtpSink(), free_port()
    controller = Controller(
        sink, hostname="127.0.0.1", port=port, ssl_context=_server_context(certificate)
    )
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()


def _one_mail(session: Session, world: World, engine: Engine) -> int:
    world.drafter.email = "tls@edu.test"
    session.commit()
    [row_id] = record_drafts(
        engine, make_draft(f"user:{world.drafter.id}", "email", world.drafter.id)
    )
    return row_id


def test_starttls_with_login_checks_the_certificate_against_the_ca_file(
    committed: tuple[Session, World],
    starttls_server: tuple[SmtpSink, int, Logins],
    certificate: tuple[Path, Path],
    engine: Engine,
    database_url: str,
) -> None:
    session, world = committed
    sink, port, logins = starttls_server
    configure(
        engine,
        database_url,
        port,
        SMTP_STARTTLS="true",
        SMTP_USER="sanshen",
        SMTP_PASSWORD="s3cret",
        SMTP_CA_FILE=str(certificate[0]),
    )
    row_id = _one_mail(session, world, engine)
    assert deliver(row_id) == "sent"
    assert [m.rcpt_tos for m in sink.messages] == [["tls@edu.test"]]
    assert logins.seen == [("sanshen", True)]  # the password went over TLS only


def test_an_untrusted_certificate_is_refused_and_recorded(
    committed: tuple[Session, World],
    starttls_server: tuple[SmtpSink, int, Logins],
    engine: Engine,
    database_url: str,
) -> None:
    session, world = committed
    sink, port, logins = starttls_server
    configure(engine, database_url, port, SMTP_STARTTLS="true", NOTIFY_MAX_ATTEMPTS="1")
    row_id = _one_mail(session, world, engine)
    deliver(row_id)
    row = delivery_row(engine, row_id)
    assert row.status != ledger.SENT and sink.messages == [] and logins.seen == []
    assert "certificate" in (row.last_error or "").lower()


def test_implicit_tls(
    committed: tuple[Session, World],
    smtps_server: tuple[SmtpSink, int],
    certificate: tuple[Path, Path],
    engine: Engine,
    database_url: str,
) -> None:
    session, world = committed
    sink, port = smtps_server
    configure(engine, database_url, port, SMTP_SSL="true", SMTP_CA_FILE=str(certificate[0]))
    row_id = _one_mail(session, world, engine)
    assert deliver(row_id) == "sent"
    assert [m.rcpt_tos for m in sink.messages] == [["tls@edu.test"]]
