"""Imported list versions on disk, independent of the register.

Layout under ``openatt.settings.home() / "lists"``::

    <list_id>/<version_id>/metadata.json   what was imported, from which file, its checksum
    <list_id>/<version_id>/entities.jsonl  the normalised entities, one JSON object a line
    <list_id>/CURRENT                       the version in force

A version is written into a temporary folder and renamed into place only when complete, and
``CURRENT`` is replaced atomically after that, so a malformed file (rejected before anything is
written) or a crash mid-import leaves the previous version in force. Old versions are kept: an
assessment records the version it screened against, and ``lists diff`` compares two.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from openatt import settings
from openatt.errors import ErrorKind, OpenattError
from openatt.screening.model import ImportResult, ListEntity, Skipped


class ListMetadata(BaseModel):
    """Which list, which version (the date inside the file), when imported, from what."""

    model_config = ConfigDict(frozen=True)

    list_id: str
    title: str
    authority: str
    format: str
    version: str
    version_date: dt.date | None
    imported_at: dt.datetime
    sha256: str
    source_files: list[str]
    entity_count: int
    name_count: int
    alias_count: int
    skipped_count: int


@dataclass(slots=True)
class ImportReport:
    """What an import loaded and left out, and which version it replaced."""

    metadata: ListMetadata
    skipped: list[Skipped]
    previous_version: str | None
    already_loaded: bool = False


@dataclass(slots=True)
class LoadedList:
    metadata: ListMetadata
    entities: list[ListEntity] = field(default_factory=list)


class ListNotLoaded(OpenattError, LookupError):
    """No version of the list (or not the version asked for) is in the store."""

    kind = ErrorKind.not_found


def _sha256(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


class ListStore:
    """Imported list versions in a folder (by default ``$OPENATT_HOME/lists``)."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root if root is not None else settings.home() / "lists"
        self.root.mkdir(parents=True, exist_ok=True)
        self._cache: dict[tuple[str, str], LoadedList] = {}

    # -- writing -------------------------------------------------------------------------
    def import_file(
        self, path: Path, format: str | None = None, list_id: str | None = None
    ) -> ImportReport:
        """Read ``path``, store it as a new version and make it current.

        Raises :class:`~openatt.screening.model.MalformedList` (naming the record) before
        anything is written when the file cannot be read.
        """
        # Imported here: a process that only screens needs no importer.
        from openatt.screening.importers import read_list

        result = read_list(path, format)
        if list_id:
            result.list_id = list_id
        sources = [path.with_name(name) for name in result.source_files]
        digest = _sha256(sources)
        version = (
            f"{result.version_date.isoformat() if result.version_date else 'undated'}_{digest[:12]}"
        )
        metadata = self._metadata(result, version, digest)
        list_dir = self.root / result.list_id
        list_dir.mkdir(parents=True, exist_ok=True)
        previous = self.current_version(result.list_id)
        target = list_dir / version
        already = target.exists()
        if not already:
            staging = Path(tempfile.mkdtemp(prefix=".import-", dir=list_dir))
            try:
                self._write(staging, metadata, result.entities)
                os.rename(staging, target)
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
        else:
            metadata = self.metadata(result.list_id, version)
        self._set_current(list_dir, version)
        return ImportReport(metadata, result.skipped, previous, already)

    @staticmethod
    def _metadata(result: ImportResult, version: str, digest: str) -> ListMetadata:
        return ListMetadata(
            list_id=result.list_id,
            title=result.title,
            authority=result.authority,
            format=result.format,
            version=version,
            version_date=result.version_date,
            imported_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
            sha256=digest,
            source_files=result.source_files,
            entity_count=len(result.entities),
            name_count=result.name_count,
            alias_count=result.alias_count,
            skipped_count=len(result.skipped),
        )

    @staticmethod
    def _write(folder: Path, metadata: ListMetadata, entities: list[ListEntity]) -> None:
        with (folder / "entities.jsonl").open("w", encoding="utf-8") as handle:
            for entity in entities:
                handle.write(
                    json.dumps(entity.to_json(), ensure_ascii=False, separators=(",", ":"))
                )
                handle.write("\n")
        (folder / "metadata.json").write_text(metadata.model_dump_json(indent=2), encoding="utf-8")

    @staticmethod
    def _set_current(list_dir: Path, version: str) -> None:
        handle, temporary = tempfile.mkstemp(prefix=".current-", dir=list_dir)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(version + "\n")
        os.replace(temporary, list_dir / "CURRENT")

    # -- reading -------------------------------------------------------------------------
    def version_folder(self, list_id: str, version: str) -> Path:
        """Where a stored version lives (its matcher index is cached there too)."""
        return self.root / list_id / version

    def list_ids(self) -> list[str]:
        return sorted(p.name for p in self.root.iterdir() if (p / "CURRENT").exists())

    def current_version(self, list_id: str) -> str | None:
        current = self.root / list_id / "CURRENT"
        return current.read_text("utf-8").strip() if current.exists() else None

    def versions(self, list_id: str) -> list[ListMetadata]:
        """Every stored version of a list, oldest first (by the date inside the file)."""
        folder = self.root / list_id
        if not folder.is_dir():
            return []
        found = [
            ListMetadata.model_validate_json((p / "metadata.json").read_text("utf-8"))
            for p in folder.iterdir()
            if p.is_dir() and not p.name.startswith(".") and (p / "metadata.json").exists()
        ]
        return sorted(found, key=lambda m: (m.version_date or dt.date.min, m.imported_at))

    def metadata(self, list_id: str, version: str | None = None) -> ListMetadata:
        chosen = version or self.current_version(list_id)
        path = self.root / list_id / (chosen or "") / "metadata.json"
        if not chosen or not path.exists():
            raise ListNotLoaded(
                f"list {list_id!r}{' version ' + version if version else ''} is not loaded"
            )
        return ListMetadata.model_validate_json(path.read_text("utf-8"))

    def status(self) -> list[ListMetadata]:
        """The version in force of every loaded list."""
        return [self.metadata(list_id) for list_id in self.list_ids()]

    def load(self, list_id: str, version: str | None = None) -> LoadedList:
        """A list version's metadata and entities (cached for the life of the store)."""
        metadata = self.metadata(list_id, version)
        key = (list_id, metadata.version)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        path = self.root / list_id / metadata.version / "entities.jsonl"
        with path.open(encoding="utf-8") as handle:
            entities = [ListEntity.from_json(json.loads(line)) for line in handle if line.strip()]
        loaded = LoadedList(metadata, entities)
        self._cache[key] = loaded
        return loaded
