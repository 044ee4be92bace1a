"""What a file is, from its first bytes and structure, never from its name.

A document's media type decides how a browser opens it, so it is read from the content: the
PDF header, the PNG and JPEG signatures, and for office files (which are ZIP archives) the
entries that only a Word, Excel or OpenDocument text file has. Anything else is refused.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"

EXTENSIONS = {PDF: "pdf", PNG: "png", JPEG: "jpg", DOCX: "docx", XLSX: "xlsx", ODT: "odt"}
ACCEPTED = "PDF, PNG, JPEG, Word (.docx), Excel (.xlsx) or OpenDocument text (.odt)"

# The office formats are ZIP archives; one of these entries says which kind.
_OOXML = {"word/document.xml": DOCX, "xl/workbook.xml": XLSX}
_MAX_ZIP_ENTRIES = 10_000


@dataclass(frozen=True)
class Sniffed:
    media_type: str | None
    problem: str | None = None


def _zip_type(content: bytes) -> Sniffed:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        names = archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return Sniffed(None, "the file looks like a ZIP archive but cannot be read")
    if len(names) > _MAX_ZIP_ENTRIES:
        return Sniffed(None, "the archive has too many entries to be an office document")
    if "mimetype" in names:
        info = archive.getinfo("mimetype")
        if info.file_size < 200 and archive.read("mimetype").strip() == ODT.encode():
            return Sniffed(ODT)
    if "[Content_Types].xml" in names:
        for entry, media_type in _OOXML.items():
            if entry in names:
                return Sniffed(media_type)
    return Sniffed(None, f"a ZIP archive that is not an office document; accepted: {ACCEPTED}")


def sniff(content: bytes) -> Sniffed:
    """The media type of ``content`` if it is one openatt accepts, else why not."""
    if not content:
        return Sniffed(None, "the file is empty")
    if content.startswith(b"%PDF-"):
        return Sniffed(PDF)
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed(PNG)
    if content.startswith(b"\xff\xd8\xff"):
        return Sniffed(JPEG)
    if content.startswith(b"PK\x03\x04"):
        return _zip_type(content)
    return Sniffed(None, f"the content is not a type openatt accepts ({ACCEPTED})")
