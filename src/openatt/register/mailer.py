"""Sending e-mail through the authority's SMTP server, configured from the environment.

Never required: without ``OPENATT_SMTP_HOST`` notifications stay in the outbox (the
``notifications`` table, each one an event in the log) until a server is configured.

========================  ==============================================================
``OPENATT_SMTP_HOST``     the server's host name (unset: nothing is sent)
``OPENATT_SMTP_PORT``     its port (default 25, 465 with ``ssl``, 587 with ``starttls``)
``OPENATT_SMTP_FROM``     the sender address (required with a host)
``OPENATT_SMTP_TLS``      ``none``, ``starttls`` or ``ssl`` (default ``none``)
``OPENATT_SMTP_USER``     login name, when the server asks for one
``OPENATT_SMTP_PASSWORD`` its password
========================  ==============================================================
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage

from openatt.register.errors import Invalid
from openatt.settings import get_settings

TLS_MODES = ("none", "starttls", "ssl")
_DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}


@dataclass(frozen=True)
class MailConfig:
    host: str
    port: int
    sender: str
    tls: str = "none"
    username: str | None = None
    password: str | None = None
    timeout: float = 10.0


def config_from_env() -> MailConfig | None:
    """The SMTP settings, or None when no server is configured; a bad value is refused
    with the variable named."""
    configured = get_settings()
    host = configured.smtp_host.strip()
    if not host:
        return None
    tls = configured.smtp_tls.strip().lower() or "none"
    if tls not in TLS_MODES:
        raise Invalid(f"must be one of {', '.join(TLS_MODES)}", field=("OPENATT_SMTP_TLS",))
    port_text = configured.smtp_port.strip()
    if port_text and not (port_text.isdigit() and 1 <= int(port_text) <= 65535):
        raise Invalid("must be a port number (1-65535)", field=("OPENATT_SMTP_PORT",))
    sender = configured.smtp_from.strip()
    if "@" not in sender:
        raise Invalid("set the sender's e-mail address", field=("OPENATT_SMTP_FROM",))
    return MailConfig(
        host=host,
        port=int(port_text) if port_text else _DEFAULT_PORTS[tls],
        sender=sender,
        tls=tls,
        username=configured.smtp_user or None,
        password=configured.smtp_password or None,
    )


def message(config: MailConfig, to: str, subject: str, body: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = config.sender
    mail["To"] = to
    mail["Subject"] = subject
    mail.set_content(body)
    return mail


def send(config: MailConfig, mails: list[EmailMessage]) -> None:
    """Send ``mails`` over one connection (raises ``smtplib.SMTPException`` or ``OSError``)."""
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if config.tls == "ssl":
        client = smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout, context=context)
    else:
        client = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
    with client:
        if config.tls == "starttls":
            client.starttls(context=context)
        if config.username:
            client.login(config.username, config.password or "")
        for mail in mails:
            client.send_message(mail)
