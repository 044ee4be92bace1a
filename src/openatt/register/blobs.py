"""Where documents' bytes are kept: by SHA-256, on disk or in the database, deduplicated.

Configured from the environment, like :mod:`openatt.settings`:

* ``OPENATT_DOCUMENT_STORE``: ``disk`` (default) or ``database``;
* ``OPENATT_DOCUMENTS_DIR``: the folder for ``disk`` (default ``$OPENATT_HOME/documents``);
  files are written ``0600`` in folders ``0700``, each under its own digest;
* ``OPENATT_DOCUMENT_MAX_MB``: the largest file accepted (default 20).

The same content is stored once, whoever uploads it to whichever case. Every read recomputes
the digest, so a file altered or lost behind the register's back is refused, not served.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from openatt import settings
from openatt.register.errors import Conflict, Invalid
from openatt.register.models import DocumentBlobRow
from openatt.settings import get_settings

DISK = "disk"
DATABASE = "database"
DEFAULT_MAX_MB = 20.0


@dataclass(frozen=True)
class BlobStore:
    where: str
    folder: Path
    max_bytes: int

    @classmethod
    def from_environment(cls) -> BlobStore:
        configured = get_settings()
        where = (configured.document_store or DISK).strip().lower()
        if where not in (DISK, DATABASE):
            raise Invalid(
                f"OPENATT_DOCUMENT_STORE must be {DISK} or {DATABASE}, not {where!r}",
                field=("OPENATT_DOCUMENT_STORE",),
            )
        folder_text = configured.documents_dir
        folder = Path(folder_text).expanduser() if folder_text else settings.home() / "documents"
        raw = configured.document_max_mb or str(DEFAULT_MAX_MB)
        try:
            megabytes = float(raw)
        except ValueError:
            megabytes = -1.0
        if megabytes <= 0:
            raise Invalid(
                f"OPENATT_DOCUMENT_MAX_MB must be a positive number, not {raw!r}",
                field=("OPENATT_DOCUMENT_MAX_MB",),
            )
        return cls(where=where, folder=folder, max_bytes=int(megabytes * 1024 * 1024))

    def path_of(self, sha256: str) -> Path:
        return self.folder / sha256[:2] / sha256

    def _write(self, sha256: str, content: bytes) -> None:
        target = self.path_of(sha256)
        if target.is_file() and _digest(target.read_bytes()) == sha256:
            return
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        temporary = target.with_name(f".{sha256}.{secrets.token_hex(4)}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, target)
        finally:
            temporary.unlink(missing_ok=True)

    def put(self, session: Session, content: bytes, media_type: str) -> DocumentBlobRow:
        """Store ``content`` once; returns its row (an existing one for known content)."""
        sha256 = _digest(content)
        row = session.get(DocumentBlobRow, sha256)
        if row is not None:
            if row.stored_in == DISK:
                self._write(sha256, content)  # restores a file lost from the folder
            return row
        if self.where == DISK:
            self._write(sha256, content)
        row = DocumentBlobRow(
            sha256=sha256,
            size=len(content),
            media_type=media_type,
            stored_in=self.where,
            content=base64.b64encode(content).decode("ascii") if self.where == DATABASE else None,
            created_at=dt.datetime.now(dt.UTC),
        )
        session.add(row)
        session.flush()
        return row

    def get(self, session: Session, sha256: str) -> bytes:
        """The stored bytes, checked against their digest."""
        row = session.get(DocumentBlobRow, sha256)
        if row is None:
            raise Conflict(f"no stored file has the digest {sha256}")
        if row.stored_in == DATABASE:
            content = base64.b64decode(row.content or "")
        else:
            try:
                content = self.path_of(sha256).read_bytes()
            except OSError as error:
                raise Conflict(
                    f"the stored file {sha256[:12]}… is missing from {self.folder}: {error.strerror}"
                ) from error
        if _digest(content) != sha256:
            raise Conflict(
                f"the stored file {sha256[:12]}… does not match its digest (altered behind the "
                "register); it is not served"
            )
        return content


def _digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def digest(content: bytes) -> str:
    """The SHA-256 of a file, as the register and the verification page write it."""
    return _digest(content)
