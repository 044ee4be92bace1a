"""Issue 13, attack 9: backups and the SQLite register were written world-readable with
password hashes inside, and restoring a tampered backup reported it but left the data in the
database. Files are created 0600 now, and a restore that fails verification rolls back."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from openatt.cli.main import build_app
from openatt.register import canonical, users
from openatt.register.db import Database
from openatt.register.models import Event, Role, User

runner = CliRunner()


@pytest.fixture
def register(tmp_path: Path) -> Iterator[str]:
    old = os.umask(0o022)  # a usual umask: files would be world-readable by default
    url = f"sqlite:///{tmp_path / 'home' / 'openatt.sqlite'}"
    db = Database(url)
    with db.write() as session:
        users.add_user(session, username="chief", password="a real admin secret", role=Role.admin)
        users.add_user(session, username="olga", password="another secret 42", role=Role.officer)
    db.dispose()
    yield url
    os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_sqlite_register_is_owner_only(register: str, tmp_path: Path) -> None:
    for path in (tmp_path / "home").iterdir():
        assert _mode(path) == 0o600, path


def test_backups_and_exports_are_owner_only(register: str, tmp_path: Path) -> None:
    backup, export = tmp_path / "backup.json", tmp_path / "register.csv"
    assert (
        runner.invoke(build_app(), ["backup", str(backup), "--database", register]).exit_code == 0
    )
    result = runner.invoke(build_app(), ["export", "--out", str(export), "--database", register])
    assert result.exit_code == 0, result.output
    assert _mode(backup) == 0o600 and _mode(export) == 0o600


def test_a_tampered_backup_is_not_restored(register: str, tmp_path: Path) -> None:
    backup = tmp_path / "backup.json"
    runner.invoke(build_app(), ["backup", str(backup), "--database", register])
    document = json.loads(backup.read_text())
    document["tables"]["users"][1]["role"] = "admin"  # olga promoted behind the log
    backup.write_text(canonical.dumps(document))
    target = f"sqlite:///{tmp_path / 'restored.sqlite'}"
    result = runner.invoke(build_app(), ["restore", str(backup), "--database", target])
    assert result.exit_code == 2 and "nothing was restored" in result.output
    db = Database(target)
    with db.read() as session:
        assert session.execute(select(func.count()).select_from(User)).scalar_one() == 0
        assert session.execute(select(func.count()).select_from(Event)).scalar_one() == 0
    db.dispose()
