"""Documents on cases through the REST API, on SQLite and PostgreSQL: upload (type read from
the content, size limit, stored once by SHA-256, on disk or in the database), the audience's
view, download, bad input refused with the field named and nothing written."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import document_samples as samples
import pytest
from register_helpers import Api, application
from sqlalchemy import func, select

from openatt.register import audit
from openatt.register.blobs import BlobStore
from openatt.register.models import CaseDocumentRow, DocumentBlobRow, Event


def upload(
    api: Api,
    app_id: int,
    user: str,
    content: bytes,
    *,
    filename: str = "certificate.pdf",
    kind: str | None = "end_user_certificate",
    reference: str | None = "EUC-2026-0042",
) -> Any:
    data = {k: v for k, v in {"kind": kind, "reference": reference}.items() if v is not None}
    return api.client.post(
        f"/applications/{app_id}/documents",
        headers=api.headers(user),
        data=data,
        files={"file": (filename, content, "application/octet-stream")},
    )


def draft(api: Api, user: str = "applicant", **overrides: Any) -> int:
    created = api.post("/applications", user, application(documents=[], **overrides))
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def counts(api: Api) -> tuple[int, int, int]:
    with api.db.read() as session:
        return (
            session.execute(select(func.count()).select_from(CaseDocumentRow)).scalar_one(),
            session.execute(select(func.count()).select_from(DocumentBlobRow)).scalar_one(),
            session.execute(select(func.count()).select_from(Event)).scalar_one(),
        )


def test_upload_list_download_and_the_application_documents(api: Api) -> None:
    app_id = draft(api)
    content = samples.pdf()
    added = upload(api, app_id, "applicant", content, filename="../../etc/EUC 42.pdf")
    assert added.status_code == 201, added.text
    body = added.json()
    assert body["media_type"] == "application/pdf"
    assert body["size"] == len(content)
    assert body["filename"] == "EUC 42.pdf"  # no folders from the client's name
    assert body["origin"] == "applicant"
    assert body["added_by"] == "applicant"  # the login, not a field of the form

    listed = api.get(f"/applications/{app_id}/documents", "officer").json()
    assert [d["id"] for d in listed] == [body["id"]]
    got = api.get(f"/applications/{app_id}/documents/{body['id']}/content", "applicant")
    assert got.status_code == 200
    assert got.content == content
    assert got.headers["content-type"] == "application/pdf"
    assert got.headers["x-content-sha256"] == body["sha256"]
    assert got.headers["content-disposition"].startswith("attachment;")

    # The kind and reference enter the application's documents, unverified.
    case = api.get(f"/applications/{app_id}", "officer").json()
    assert case["application"]["documents"] == [
        {
            "kind": "end_user_certificate",
            "reference": "EUC-2026-0042",
            "issued_by": None,
            "date": None,
            "verified": False,
        }
    ]
    # The upload is an event of the hash chain, naming the case.
    history = api.get(f"/applications/{app_id}/events", "officer").json()
    uploads = [e for e in history if e["action"] == "document.add"]
    assert len(uploads) == 1 and uploads[0]["payload"]["sha256"] == body["sha256"]
    assert uploads[0]["actor"] == "applicant (applicant)"
    with api.db.read() as session:
        assert audit.verify(session).intact


def test_type_is_read_from_the_content(api: Api) -> None:
    app_id = draft(api)
    expected = {
        "image/png": samples.png(),
        "image/jpeg": samples.jpeg(),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document": samples.docx(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": samples.xlsx(),
        "application/vnd.oasis.opendocument.text": samples.odt(),
    }
    for media_type, content in expected.items():
        # Every file is named .pdf: the name decides nothing.
        added = upload(api, app_id, "applicant", content, kind="other", reference=None)
        assert added.status_code == 201, (media_type, added.text)
        assert added.json()["media_type"] == media_type


@pytest.mark.parametrize(
    ("content", "fields", "field", "words"),
    [
        (b"just text, named .pdf", {}, "file", "not a type openatt accepts"),
        (b"", {}, "file", "empty"),
        (samples.plain_zip(), {}, "file", "not an office document"),
        (samples.pdf(), {"kind": "passport"}, "kind", "unknown document kind"),
        (samples.pdf(), {"reference": "R" * 201}, "reference", "200"),
    ],
)
def test_bad_uploads_are_refused_with_the_field_and_nothing_written(
    api: Api, content: bytes, fields: dict[str, str], field: str, words: str
) -> None:
    app_id = draft(api)
    before = counts(api)
    data = {"kind": "end_user_certificate", **fields}
    refused = api.client.post(
        f"/applications/{app_id}/documents",
        headers=api.headers("applicant"),
        data=data,
        files={"file": ("certificate.pdf", content, "application/pdf")},
    )
    assert refused.status_code == 422, refused.text
    detail = refused.json()["detail"][0]
    assert detail["loc"][-1] == field
    assert words in detail["msg"]
    assert counts(api) == before
    assert not list((Path(os.environ["OPENATT_HOME"]) / "documents").glob("*/*"))


def test_too_large_unknown_case_and_another_company(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    app_id = draft(api)
    before = counts(api)
    monkeypatch.setenv("OPENATT_DOCUMENT_MAX_MB", "0.001")  # 1048 bytes
    too_big = upload(api, app_id, "applicant", samples.pdf() + b"%" * 2000)
    assert too_big.status_code == 422
    assert too_big.json()["detail"][0]["loc"][-1] == "file"
    assert "larger than the limit of 0.001 MB" in too_big.json()["detail"][0]["msg"]
    monkeypatch.delenv("OPENATT_DOCUMENT_MAX_MB")
    assert upload(api, 999_999, "applicant", samples.pdf()).status_code == 404
    assert upload(api, app_id, "other_applicant", samples.pdf()).status_code == 404
    assert upload(api, app_id, "auditor", samples.pdf()).status_code == 403
    missing = api.client.post(
        f"/applications/{app_id}/documents",
        headers=api.headers("applicant"),
        data={"kind": "other"},
    )
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"][-1] == "file"
    assert counts(api) == before


def test_the_applicant_sees_its_own_documents_not_the_authoritys(api: Api) -> None:
    app_id = draft(api)
    own = upload(api, app_id, "applicant", samples.pdf()).json()
    internal = upload(
        api, app_id, "officer", samples.png(), kind="other", reference="Embassy photo"
    ).json()
    assert internal["origin"] == "authority"
    # Only what the applicant supplied enters its application.
    documents = api.get(f"/applications/{app_id}", "applicant").json()["application"]["documents"]
    assert [d["reference"] for d in documents] == ["EUC-2026-0042"]
    seen = api.get(f"/applications/{app_id}/documents", "applicant").json()
    assert [d["id"] for d in seen] == [own["id"]]
    staff = api.get(f"/applications/{app_id}/documents", "officer").json()
    assert {d["id"] for d in staff} == {own["id"], internal["id"]}
    assert {d["added_by"] for d in staff} == {"applicant", "officer"}
    path = f"/applications/{app_id}/documents/{internal['id']}/content"
    assert api.get(path, "applicant").status_code == 404
    assert api.get(path, "auditor").status_code == 200
    assert api.get(f"/applications/{app_id}/documents", "other_applicant").status_code == 404
    other = f"/applications/{app_id}/documents/{own['id']}/content"
    assert api.get(other, "other_applicant").status_code == 404
    assert api.get(f"/applications/{app_id}/documents", "monitor").status_code == 403


def test_applicants_add_documents_until_the_decision(api: Api) -> None:
    from register_helpers import to_assessed, version

    app_id = to_assessed(api)
    assert upload(api, app_id, "applicant", samples.pdf("EUC-7")).status_code == 201
    decided = api.post(
        f"/applications/{app_id}/decide",
        "officer",
        {
            "outcome": "denied",
            "reasons": "Internal: embassy cable 14/3 on diversion.",
            "version": version(api, app_id),
        },
    )
    assert decided.status_code == 200
    late = upload(api, app_id, "applicant", samples.pdf("EUC-8"))
    assert late.status_code == 409
    assert upload(api, app_id, "officer", samples.pdf("EUC-8")).status_code == 201


def test_disk_store_is_deduplicated_private_and_checked_on_read(api: Api) -> None:
    first, second = draft(api), draft(api)
    content = samples.pdf()
    a = upload(api, first, "applicant", content).json()
    b = upload(api, second, "applicant", content).json()
    assert a["sha256"] == b["sha256"] and a["id"] != b["id"]
    with api.db.read() as session:
        blobs = session.execute(select(DocumentBlobRow)).scalars().all()
    assert len(blobs) == 1 and blobs[0].stored_in == "disk" and blobs[0].content is None
    path = BlobStore.from_environment().path_of(a["sha256"])
    assert path.read_bytes() == content
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700

    path.write_bytes(content.replace(b"EUC-2026-0042", b"EUC-2026-0043"))
    tampered = api.get(f"/applications/{first}/documents/{a['id']}/content", "officer")
    assert tampered.status_code == 409
    assert "does not match its digest" in tampered.json()["detail"]
    path.unlink()
    assert api.get(f"/applications/{first}/documents/{a['id']}/content", "officer").status_code == (
        409
    )
    # Uploading the same content again puts the lost file back.
    assert upload(api, second, "applicant", content).status_code == 201
    assert path.read_bytes() == content


def test_database_store(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENATT_DOCUMENT_STORE", "database")
    app_id = draft(api)
    content = samples.jpeg()
    added = upload(api, app_id, "applicant", content, kind="other", reference=None).json()
    with api.db.read() as session:
        blob = session.get(DocumentBlobRow, added["sha256"])
        assert blob is not None and blob.stored_in == "database" and blob.content
    assert not BlobStore.from_environment().path_of(added["sha256"]).exists()
    got = api.get(f"/applications/{app_id}/documents/{added['id']}/content", "applicant")
    assert got.content == content and got.headers["content-type"] == "image/jpeg"
    monkeypatch.setenv("OPENATT_DOCUMENT_STORE", "cloud")
    refused = upload(api, app_id, "applicant", content, kind="other")
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"][-1] == "OPENATT_DOCUMENT_STORE"
