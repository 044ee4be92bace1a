"""Issue 13, attack 5: 40 wrong passwords then the right one were all answered, failed
logins were not logged, "password" was accepted, no user could be disabled, sessions
survived a password change, and ``openatt demo`` added its published logins beside a real
administrator. Each is refused now."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pyotp
import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent))
from register_helpers import PASSWORD, Api

from openatt.cli.main import build_app
from openatt.register import accounts, logins, users
from openatt.register.demo import DEMO_USERS
from openatt.register.models import Role
from openatt.register.users import SYSTEM

TOKEN = "/auth/token"


def _login(api: Api, username: str, password: str, **extra: str) -> int:
    body = {"username": username, "password": password, **extra}
    return int(api.client.post(TOKEN, json=body).status_code)


def test_wrong_passwords_are_throttled_with_a_growing_delay(api: Api) -> None:
    free = logins.FREE_PER_ACCOUNT
    assert [_login(api, "officer", f"wrong {i}") for i in range(free)] == [401] * free
    locked = api.client.post(TOKEN, json={"username": "officer", "password": PASSWORD})
    assert locked.status_code == 429  # even the right password waits
    first_wait = int(locked.headers["Retry-After"])
    assert 1 <= first_wait <= logins.FIRST_DELAY.total_seconds() + 1
    time.sleep(first_wait)
    assert _login(api, "officer", "wrong again") == 401
    again = api.client.post(TOKEN, json={"username": "officer", "password": PASSWORD})
    assert again.status_code == 429 and int(again.headers["Retry-After"]) > first_wait
    # a colleague behind the same address waits out the address's short spacing (six
    # failures within the minute), never officer's growing delay, and then logs in
    spaced = api.client.post(TOKEN, json={"username": "officer2", "password": PASSWORD})
    assert spaced.status_code == 429
    spacing = int(spaced.headers["Retry-After"])
    assert spacing <= logins.BURST_MAX_DELAY.total_seconds() + 1
    time.sleep(spacing)
    assert _login(api, "officer2", PASSWORD) == 200


def test_failed_and_successful_logins_are_in_the_audit_log(api: Api) -> None:
    assert _login(api, "senior", "not the password") == 401
    assert _login(api, "nobody-here", "not the password") == 401
    assert _login(api, "senior", PASSWORD) == 200
    events = api.get("/audit/events?limit=500", "auditor").json()
    logged = [e for e in events if e["action"].startswith("login.")]
    attempts = [(e["action"], e["payload"]["username"], e["payload"]["reason"]) for e in logged]
    assert ("login.failure", "senior", "wrong password") in attempts
    assert ("login.failure", "nobody-here", "unknown user") in attempts
    assert ("login.success", "senior", "") in attempts
    assert all(e["payload"]["address"] == "testclient" for e in logged)
    assert api.get("/audit/verify", "auditor").json()["intact"] is True


def test_common_and_short_passwords_are_refused(api: Api) -> None:
    for weak in ("password", "Password1", "qwertyuiop", "short"):
        body = {"username": "newbie", "password": weak, "role": "officer"}
        response = api.post("/users", "admin", body)
        assert response.status_code == 422, weak
        assert response.json()["detail"][0]["loc"][-1] == "password"
    reset = api.post("/users/officer/password", "admin", {"password": "password1"})
    assert reset.status_code == 422


def test_disabling_a_user_ends_their_sessions_and_logins(api: Api) -> None:
    assert api.get("/auth/me", "officer").status_code == 200
    assert api.post("/users/officer/disable", "officer", {}).status_code == 403
    assert api.post("/users/officer/disable", "admin", {}).status_code == 200
    assert api.get("/auth/me", "officer").status_code == 401
    assert _login(api, "officer", PASSWORD) == 401
    assert api.post("/users/officer/enable", "admin", {}).status_code == 200
    assert _login(api, "officer", PASSWORD) == 200


def test_a_password_change_ends_every_session(api: Api) -> None:
    url = "/auth/password"
    new = "a much longer secret 7"
    wrong = api.post(url, "auditor", {"current_password": "nope", "password": new})
    assert wrong.status_code == 422
    assert (
        api.post(url, "auditor", {"current_password": PASSWORD, "password": new}).status_code == 204
    )
    assert api.get("/auth/me", "auditor").status_code == 401
    assert _login(api, "auditor", new) == 200
    assert api.post("/users/monitor/password", "admin", {"password": new}).status_code == 200
    assert api.get("/auth/me", "monitor").status_code == 401


def test_an_idle_session_ends(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    assert api.get("/auth/me", "officer").status_code == 200
    monkeypatch.setenv("OPENATT_IDLE_MINUTES", "0.0001")  # 6 ms
    time.sleep(0.05)
    response = api.get("/auth/me", "officer")
    assert response.status_code == 401 and "without use" in response.text


def test_staff_with_a_second_factor_need_the_code(api: Api) -> None:
    with api.db.write() as session:
        secret = accounts.enrol_totp(session, SYSTEM, "senior")
    assert _login(api, "senior", PASSWORD) == 401
    assert _login(api, "senior", PASSWORD, otp="000000") in (401, 429)
    assert _login(api, "senior", PASSWORD, otp=pyotp.TOTP(secret).now()) == 200
    with api.db.write() as session, pytest.raises(Exception, match="staff"):
        accounts.enrol_totp(session, SYSTEM, "applicant")


def test_totp_required_refuses_staff_without_one(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENATT_TOTP", "required")
    assert _login(api, "officer2", PASSWORD) == 401
    assert _login(api, "applicant", PASSWORD) == 200  # applicants are not asked for one


def test_demo_refuses_a_register_with_a_user(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'real.sqlite'}"
    runner = CliRunner()
    added = runner.invoke(
        build_app(),
        ["users", "add", "chief", "--role", "admin", "--database", url],
        env={"OPENATT_NEW_PASSWORD": "a real admin secret"},
        input="a real admin secret\na real admin secret\n",
    )
    assert added.exit_code == 0, added.output
    demo = runner.invoke(build_app(), ["demo", "--database", url])
    assert demo.exit_code == 2 and "has users" in demo.output


def test_serve_warns_when_demo_logins_exist(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from openatt.cli.trust import warn_demo_logins
    from openatt.register.db import Database

    url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    db = Database(url)
    username, password, role, company = DEMO_USERS[1]
    with db.write() as session:
        users.add_user(session, username=username, password=password, role=role, company=company)
        users.add_user(session, username="chief", password="a real admin secret", role=Role.admin)
    db.dispose()
    warn_demo_logins(url)
    err = capsys.readouterr().err
    assert "demo logins" in err and username in err and "chief" not in err


def test_the_current_password_check_is_throttled_and_logged_like_a_login(api: Api) -> None:
    """Found in review (2026-12-05): ``POST /auth/password`` checked the current password on
    the request's thread with no throttle and no record, so a stolen session could guess the
    password without end (and any user could keep every core on argon2)."""
    from sqlalchemy import func, select

    from openatt.register.models import Event, LoginAttemptRow

    url = "/auth/password"
    free = logins.FREE_PER_ACCOUNT
    answers = [
        api.post(url, "auditor", {"current_password": f"guess {i}", "password": "x" * 12})
        for i in range(free + 1)
    ]
    assert [a.status_code for a in answers[:free]] == [422] * free
    assert answers[free].status_code == 429 and int(answers[free].headers["Retry-After"]) >= 1
    with api.db.read() as session:
        attempts = session.execute(
            select(func.count()).where(
                LoginAttemptRow.username == "auditor", LoginAttemptRow.succeeded.is_(False)
            )
        ).scalar_one()
        logged = session.execute(
            select(func.count()).where(Event.action == "password.check.failure")
        ).scalar_one()
    assert attempts == logged == free
    # a login of the account now waits too: the guesses count against it
    assert _login(api, "auditor", PASSWORD) == 429


def test_the_api_gives_one_answer_whatever_part_of_a_login_failed(api: Api) -> None:
    """Found in review (2026-12-05): with a second factor enrolled, a right password without
    the code was answered "…or second factor missing or wrong", telling a guesser that the
    password was right."""
    with api.db.write() as session:
        accounts.enrol_totp(session, SYSTEM, "senior")
    wrong = api.client.post(TOKEN, json={"username": "senior", "password": "not it at all"})
    right = api.client.post(TOKEN, json={"username": "senior", "password": PASSWORD})
    assert wrong.status_code == right.status_code == 401
    assert wrong.json() == right.json()
