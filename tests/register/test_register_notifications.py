"""Notifications by e-mail through a real SMTP server (aiosmtpd, on the loopback address
only), on SQLite and PostgreSQL: what is queued, what the server receives, deadlines
announced once by ``openatt notify deadlines``, and a register without a server."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from typer.testing import CliRunner

from openatt.cli.main import build_app
from openatt.register import applications, audit, notes, notify, queries, users
from openatt.register.db import Database
from openatt.register.dialogue_models import NotificationRow
from openatt.register.errors import Invalid
from openatt.register.mailer import MailConfig
from openatt.register.models import Role
from openatt.register.users import SYSTEM, Actor, actor_of
from openatt.web.rendering import TEMPLATES  # noqa: F401 (the web layer imports cleanly)

LOOPBACK = "127.0.0.1"
runner = CliRunner()


@dataclass
class Inbox:
    """What the local SMTP server received."""

    messages: list[tuple[list[str], Message]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        return [m for rcpt, m in self.messages if address in rcpt]


def _free_port() -> int:
    with socket.socket() as probe:  # a port nobody listens on (until the server takes it)
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname=LOOPBACK, port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def _people(db: Database) -> dict[str, Actor]:
    with db.write() as session:
        for name, role, company in (
            ("officer", Role.officer, None),
            ("officer2", Role.officer, None),
            ("exporter", Role.applicant, "Meridian Ordnance Ltd"),
            ("rival", Role.applicant, "Rival Arms SA"),
        ):
            users.add_user(
                session, username=name, password="pw-" + name * 3, role=role, company=company
            )
        for name in ("officer", "officer2", "exporter", "rival"):
            notify.set_address(session, SYSTEM, name, f"{name}@example.org")
        return {u.username: actor_of(u) for u in users.list_users(session)}


def _case(db: Database, people: dict[str, Actor]) -> int:
    from register_helpers import application

    from openatt.core.model import Application

    with db.write() as session:
        row = applications.create(
            session, people["exporter"], Application.model_validate(application())
        )
    with db.write() as session:
        applications.submit(session, people["exporter"], row.id, None)
    return row.id


def test_questions_answers_and_mentions_are_mailed(
    database_url: str, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    db = Database(database_url)
    try:
        people = _people(db)
        app_id = _case(db, people)
        with db.write() as session:
            query = queries.ask(session, people["officer"], app_id, question="Which unit?")
            notes.write(session, people["officer"], app_id, text="@officer2 see the question")
        config = MailConfig(host=LOOPBACK, port=port, sender="licensing@example.org")
        result = notify.deliver(db, config)
        assert (result.sent, result.failed) == (2, 0)
        asked = inbox.to("exporter@example.org")
        assert len(asked) == 1 and "Which unit?" in asked[0].get_payload()
        assert asked[0]["From"] == "licensing@example.org"
        assert "asks a question" in asked[0]["Subject"]
        assert inbox.to("rival@example.org") == []  # another company hears nothing
        assert "mentioned you" in inbox.to("officer2@example.org")[0]["Subject"]
        with db.write() as session:
            queries.answer(session, people["exporter"], app_id, query.id, text="The 3rd brigade")
        assert notify.deliver(db, config).sent == 1
        assert "3rd brigade" in inbox.to("officer@example.org")[0].get_payload()
        assert notify.deliver(db, config).sent == 0  # each message once
        with db.read() as session:
            rows = list(session.execute(select(NotificationRow)).scalars())
            assert {r.status for r in rows} == {"sent"} and all(r.sent_at for r in rows)
            assert audit.verify(session).intact
    finally:
        db.dispose()


def test_without_a_server_notifications_wait_and_a_dead_server_fails_them(
    database_url: str,
) -> None:
    db = Database(database_url)
    try:
        people = _people(db)
        app_id = _case(db, people)
        with db.write() as session:
            queries.ask(session, people["officer"], app_id, question="Who signs?")
        assert notify.deliver(db, None) == notify.Delivery(False, 0, 0, 1)
        dead = MailConfig(host=LOOPBACK, port=_free_port(), sender="a@example.org", timeout=2)
        assert notify.deliver(db, dead).failed == 1
        with db.read() as session:
            row = session.execute(select(NotificationRow)).scalar_one()
            assert row.status == "failed" and "Connection" in row.error
            assert audit.verify(session).intact
    finally:
        db.dispose()


def test_deadlines_are_announced_once_by_the_cli(
    database_url: str, smtp: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox, port = smtp
    db = Database(database_url)
    try:
        people = _people(db)
        app_id = _case(db, people)
        today = dt.date.today()
        with db.write() as session:
            query = queries.ask(
                session,
                people["officer"],
                app_id,
                question="Send the certificate",
                respond_by=today + dt.timedelta(days=5),
            )
        notify.deliver(db, MailConfig(host=LOOPBACK, port=port, sender="l@example.org"))
        inbox.messages.clear()
    finally:
        db.dispose()
    env = {
        "OPENATT_SMTP_HOST": LOOPBACK,
        "OPENATT_SMTP_PORT": str(port),
        "OPENATT_SMTP_FROM": "licensing@example.org",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    soon = (query.respond_by - dt.timedelta(days=2)).isoformat()
    result = runner.invoke(
        build_app(), ["notify", "deadlines", "--database", database_url, "--today", soon]
    )
    assert result.exit_code == 0, result.output
    assert "1 reminders" in result.output and "sent 1" in result.output
    assert "please answer by" in inbox.to("exporter@example.org")[0]["Subject"]
    late = (query.respond_by + dt.timedelta(days=1)).isoformat()
    for _ in range(2):  # the second run finds nothing new to say
        result = runner.invoke(
            build_app(), ["notify", "deadlines", "--database", database_url, "--today", late]
        )
        assert result.exit_code == 0, result.output
    assert len(inbox.to("exporter@example.org")) == 2
    assert "past its answer date" in inbox.to("officer@example.org")[0]["Subject"]
    # Bad settings and input: one line naming the field, exit code 2.
    monkeypatch.setenv("OPENATT_SMTP_TLS", "sometimes")
    bad = runner.invoke(build_app(), ["notify", "send", "--database", database_url])
    assert bad.exit_code == 2 and "OPENATT_SMTP_TLS" in bad.output
    monkeypatch.delenv("OPENATT_SMTP_TLS")
    bad = runner.invoke(
        build_app(), ["notify", "deadlines", "--database", database_url, "--days-before", "-1"]
    )
    assert bad.exit_code == 2 and "--days-before" in bad.output
    bad = runner.invoke(
        build_app(), ["notify", "address", "officer", "not-an-address", "--database", database_url]
    )
    assert bad.exit_code == 2 and "address" in bad.output


def test_set_address_refuses_bad_input() -> None:
    with pytest.raises(Invalid) as error:
        notify.set_address(None, SYSTEM, "x", "no at sign")  # type: ignore[arg-type]
    assert error.value.field == ("address",)


def test_a_user_named_in_an_error_prints_as_written(database_url: str) -> None:
    """A username quoted in an error is text, not rich markup: ``[/]`` raised a MarkupError
    (a traceback, exit 1)."""
    bad = runner.invoke(
        build_app(), ["notify", "address", "Ali [/]", "a@example.org", "--database", database_url]
    )
    assert bad.exit_code == 2 and "no user 'Ali [/]'" in bad.output, bad.output
