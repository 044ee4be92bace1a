"""``openatt documents add`` and ``openatt documents verify`` on the demo register: a
document added by reference, bad input in one line with exit code 2, a letter verified by
its file (exit 0) and a forged one refused (exit 1)."""

from __future__ import annotations

from pathlib import Path

import document_samples as samples
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from openatt.cli.main import build_app
from openatt.register.blobs import BlobStore
from openatt.register.db import Database
from openatt.register.models import ApplicationRow, CaseDocumentRow, LetterRow

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(build_app(), list(args))
    return result.exit_code, " ".join(result.output.split())


def test_documents_add_and_verify(database_url: str, tmp_path: Path) -> None:
    assert run("demo", "--database", database_url)[0] == 0
    db = Database(database_url)
    try:
        with db.read() as s:
            reference = (
                s.execute(
                    select(ApplicationRow.reference)
                    .where(ApplicationRow.state == "screened")
                    .order_by(ApplicationRow.id)
                )
                .scalars()
                .first()
            )
            assert reference is not None
            letter = (
                s.execute(select(LetterRow).where(LetterRow.kind == "licence")).scalars().first()
            )
            assert letter is not None
            pdf = BlobStore.from_environment().get(s, letter.sha256)
    finally:
        db.dispose()
    image = tmp_path / "photo.png"
    image.write_bytes(samples.png())
    code, out = run(
        "documents",
        "add",
        reference.lower(),
        str(image),
        "--kind",
        "other",
        "--user",
        "officer",
        "--database",
        database_url,
    )
    assert code == 0, out
    assert "image/png" in out

    text = tmp_path / "notes.pdf"
    text.write_bytes(b"plain notes")
    for args, words in (
        ((reference, str(text), "--kind", "other", "--user", "officer"), "file: the content"),
        ((reference, str(image), "--kind", "passport", "--user", "officer"), "kind: unknown"),
        ((reference, str(image), "--kind", "other", "--user", "nobody"), "user: no user"),
        (("OA-0000-NONE", str(image), "--kind", "other", "--user", "officer"), "case: no app"),
        (
            (reference, str(tmp_path / "missing.pdf"), "--kind", "other", "--user", "officer"),
            "file: No such file",
        ),
    ):
        code, out = run("documents", "add", *args, "--database", database_url)
        assert code == 2, (args, out)
        assert words in out, out
    db = Database(database_url)
    try:
        with db.read() as s:
            added = s.execute(select(CaseDocumentRow).where(CaseDocumentRow.origin == "authority"))
            assert len(added.scalars().all()) == 1
    finally:
        db.dispose()

    genuine = tmp_path / "letter.pdf"
    genuine.write_bytes(pdf)
    code, out = run("documents", "verify", "--file", str(genuine), "--database", database_url)
    assert code == 0, out
    assert f"licence letter {letter.reference}" in out
    forged = tmp_path / "forged.pdf"
    forged.write_bytes(pdf + b"\n")
    code, out = run("documents", "verify", "--file", str(forged), "--database", database_url)
    assert code == 1 and "No letter of this register" in out
    code, out = run("documents", "verify", "--database", database_url)
    assert code == 2 and "--reference" in out


def test_file_names_print_as_written_not_as_rich_markup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file's name in an error is text, not rich markup: ``[/]`` raised a MarkupError (a
    traceback, exit 1) and ``[holdings]`` vanished."""
    monkeypatch.chdir(tmp_path)
    code, out = run("documents", "add", "1", "Ali [/].pdf", "--kind", "other", "--user", "officer")
    assert code == 2 and "file: No such file or directory: Ali [/].pdf" in out, out
    code, out = run("documents", "verify", "--file", "ACME [holdings] Ltd.pdf")
    assert code == 2 and "No such file or directory: ACME [holdings] Ltd.pdf" in out, out
