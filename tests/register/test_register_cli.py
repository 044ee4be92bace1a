"""The register's CLI: demo, audit verify, backup/restore (also across databases), export,
users add, and one-line errors with exit code 2."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from openatt.cli.main import build_app
from openatt.register import backup as backups
from openatt.register.db import Database, head_revision
from openatt.register.models import State

runner = CliRunner()


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = runner.invoke(build_app(), list(args), env=env)
    return result.exit_code, result.output


def test_demo_fills_every_state_and_round_trips_through_backup(
    database_url: str, tmp_path: Path
) -> None:
    code, out = run("demo", "--database", database_url)
    assert code == 0, out
    assert "officer-demo-pass" in out
    db = Database(database_url)
    try:
        document = backups.dump(db.engine)
    finally:
        db.dispose()
    states = {row["state"] for row in document["tables"]["applications"]}
    assert states == {s.value for s in State}
    assessments = document["tables"]["assessments"]
    assert any(a["supersedes_id"] for a in assessments)  # a reassessment links back
    assert all(json.loads(a["result"])[0]["findings"] for a in assessments)

    code, out = run("audit", "verify", "--database", database_url)
    assert code == 0 and "intact" in out

    # Demo refuses a register that already holds cases.
    code, out = run("demo", "--database", database_url)
    assert code == 2 and "not empty" in out

    # Backup, restore into a fresh SQLite file, back up again: identical files.
    first = tmp_path / "first.json"
    assert run("backup", str(first), "--database", database_url)[0] == 0
    copy_url = f"sqlite:///{tmp_path / 'restored.sqlite'}"
    code, out = run("restore", str(first), "--database", copy_url)
    assert code == 0, out
    assert "audit chain intact" in out
    second = tmp_path / "second.json"
    assert run("backup", str(second), "--database", copy_url)[0] == 0
    assert first.read_bytes() == second.read_bytes()
    # Restoring over a register is refused.
    code, out = run("restore", str(first), "--database", copy_url)
    assert code == 2 and "empty" in out

    code, out = run("export", "--database", copy_url, "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == len(document["tables"]["applications"])
    assert {r["state"] for r in rows} == states


def test_restore_into_postgresql_from_sqlite(database_url: str, tmp_path: Path) -> None:
    """A SQLite register restored into the other database (or the same kind) verifies."""
    source = f"sqlite:///{tmp_path / 'source.sqlite'}"
    assert run("demo", "--database", source)[0] == 0
    saved = tmp_path / "b.json"
    assert run("backup", str(saved), "--database", source)[0] == 0
    code, out = run("restore", str(saved), "--database", database_url)
    assert code == 0, out
    again = tmp_path / "again.json"
    assert run("backup", str(again), "--database", database_url)[0] == 0
    assert saved.read_bytes() == again.read_bytes()
    assert run("audit", "verify", "--database", database_url)[0] == 0
    # New records continue the chain and the id sequences.
    code, out = run(
        "users",
        "add",
        "newofficer",
        "--role",
        "officer",
        "--database",
        database_url,
        env={"OPENATT_NEW_PASSWORD": "a long password"},
    )
    assert code == 0, out
    assert run("audit", "verify", "--database", database_url)[0] == 0


def test_users_add_and_bad_input(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'u.sqlite'}"
    env = {"OPENATT_NEW_PASSWORD": "a long password"}
    assert run("users", "add", "ann", "--role", "officer", "--database", url, env=env)[0] == 0
    code, out = run("users", "add", "ann", "--role", "officer", "--database", url, env=env)
    assert code == 2 and "username" in out and "Traceback" not in out
    code, out = run("users", "add", "bob", "--role", "king", "--database", url, env=env)
    assert code == 2 and "--role" in out and "monitor" in out
    code, out = run("users", "add", "mo", "--role", "monitor", "--database", url, env=env)
    assert code == 0 and "mo (monitor)" in out, out
    code, out = run("users", "add", "cy", "--role", "applicant", "--database", url, env=env)
    assert code == 2 and "company" in out
    code, out = run(
        "users",
        "add",
        "di",
        "--role",
        "officer",
        "--database",
        url,
        env={"OPENATT_NEW_PASSWORD": "short"},
    )
    assert code == 2 and "password" in out


def test_database_from_environment_and_bad_urls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'env.sqlite'}"
    code, out = run("db", "upgrade", env={"OPENATT_DATABASE_URL": url})
    assert code == 0 and str(head_revision()) in out
    assert (tmp_path / "env.sqlite").exists()
    monkeypatch.setenv("OPENATT_HOME", str(tmp_path / "home"))
    code, out = run("db", "upgrade", env={"OPENATT_DATABASE_URL": ""})
    assert code == 0
    assert (tmp_path / "home" / "openatt.sqlite").exists()
    code, out = run("audit", "verify", "--database", "nosuchdb://x")
    assert code == 2 and "database" in out and "Traceback" not in out
    code, out = run("restore", str(tmp_path / "missing.json"), "--database", url)
    assert code == 2 and "file" in out
    bogus = tmp_path / "bogus.json"
    bogus.write_text("{}")
    code, out = run("restore", str(bogus), "--database", f"sqlite:///{tmp_path / 'n.sqlite'}")
    assert code == 2 and "not an openatt register backup" in out
    code, out = run("db", "downgrade", "--database", url)
    assert code == 0 and "None" in out


def test_denials_import(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'd.sqlite'}"
    notices = [
        {
            "notifying_state": "NLD",
            "reference": "NL-1",
            "denied_on": "2025-02-01",
            "destination": "Venezuela",
            "end_user": "SEBIN",
            "categories": ["VIII"],
            "description": "Pistols",
        }
    ]
    path = tmp_path / "notices.json"
    path.write_text(json.dumps(notices))
    env = {"OPENATT_NEW_PASSWORD": "a long password"}
    run("users", "add", "ann", "--role", "officer", "--database", url, env=env)
    run("users", "add", "aud", "--role", "auditor", "--database", url, env=env)
    code, out = run("denials", "import", str(path), "--user", "aud", "--database", url)
    assert code == 2 and "may not" in out
    code, out = run("denials", "import", str(path), "--user", "ann", "--database", url)
    assert code == 0 and "imported 1 of 1" in out
    assert run("audit", "verify", "--database", url)[0] == 0
    path.write_text(json.dumps([{**notices[0], "destination": "Atlantis"}]))
    code, out = run("denials", "import", str(path), "--user", "ann", "--database", url)
    assert code == 2 and "0.destination" in out


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "stat").read_text().rsplit(")", 1)[1].split()[
                1
            ] == str(pid):
                found.append(int(entry.name))
        except OSError:  # a process that ended while we looked
            continue
    return found


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_creates_the_register_and_serves_the_docs(tmp_path: Path, workers: int) -> None:
    import socket
    import subprocess
    import sys
    import time

    import httpx

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    database = tmp_path / "served.sqlite"
    command = [
        sys.executable,
        "-c",
        "from openatt.cli.main import main; main()",
        "serve",
        "--database",
        f"sqlite:///{database}",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, "serve exited"
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "serve did not start"
            time.sleep(0.2)
        docs = httpx.get(f"http://127.0.0.1:{port}/docs")
        assert docs.status_code == 200 and "swagger" in docs.text.lower()
        spec = httpx.get(f"http://127.0.0.1:{port}/openapi.json").json()
        assert "/applications/{application_id}/decide" in spec["paths"]
        assert httpx.get(f"http://127.0.0.1:{port}/applications").status_code == 401
        assert database.exists()
        if workers > 1:  # uvicorn's worker processes, each with its own app over the URL
            assert len(_children(server.pid)) >= workers
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_names_and_files_print_as_written_not_as_rich_markup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the user typed is printed as text, not rich markup: ``[/]`` raised a MarkupError
    (a traceback, exit 1) and ``[holdings]`` vanished (the users, audit and denials commands
    print the same way)."""
    monkeypatch.chdir(tmp_path)  # short paths: a line that wraps is not a line cut
    url = f"sqlite:///{tmp_path / 'm.sqlite'}"
    env = {"OPENATT_NEW_PASSWORD": "a long password"}
    assert run("users", "add", "ann", "--role", "officer", "--database", url, env=env)[0] == 0
    code, out = run("backup", "ACME [holdings] Ltd.json", "--database", url)
    assert code == 0 and "events to ACME [holdings] Ltd.json" in out, out
    code, out = run("restore", "Ali [/].json", "--database", url)
    assert code == 2 and "error: file: Ali [/].json does not exist" in out, out
    code, out = run("users", "disable", "Ali [/]", "--database", url)
    assert code == 2 and "no user 'Ali [/]'" in out, out
    (tmp_path / "none.json").write_text("[]")
    code, out = run("denials", "import", "none.json", "--user", "Ali [/]", "--database", url)
    assert code == 2 and "error: --user: no user 'Ali [/]'" in out, out
