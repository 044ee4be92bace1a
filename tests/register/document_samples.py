"""Real files of every accepted type, made here (no binary fixtures in the repo): a PDF
(the demo's certificate writer), PNG and JPEG (Pillow), DOCX and ODT (ZIP archives with the
entries Word and LibreOffice write), XLSX (openpyxl)."""

from __future__ import annotations

import io
import zipfile

from openpyxl import Workbook
from PIL import Image

from openatt.register.demo_documents import certificate_pdf


def pdf(reference: str = "EUC-2026-0042") -> bytes:
    return certificate_pdf(reference, "New Zealand Defence Force", "NZ Ministry of Defence")


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (30, 30, 200)).save(out, format="JPEG")
    return out.getvalue()


def docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("word/document.xml", '<?xml version="1.0"?><w:document/>')
    return out.getvalue()


def xlsx() -> bytes:
    out = io.BytesIO()
    book = Workbook()
    book.active.append(["item", "quantity"])  # type: ignore[union-attr]
    book.save(out)
    return out.getvalue()


def odt() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", '<?xml version="1.0"?><office:document-content/>')
    return out.getvalue()


def plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "not an office document")
    return out.getvalue()
