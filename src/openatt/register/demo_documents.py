"""The demo's documents: an end-user certificate uploaded by the applicant on a submitted
case (the licence and refusal letters come by themselves when the demo issues and refuses).

The certificate is a real, one-page PDF written here byte by byte (no PDF library needed),
so it passes the same content checks as any upload.
"""

from __future__ import annotations

from openatt.register import documents
from openatt.register.db import Database
from openatt.register.models import State
from openatt.register.users import Actor


def certificate_pdf(reference: str, end_user: str, issuer: str) -> bytes:
    """A minimal, valid PDF (one A4 page of Helvetica text)."""

    def text(value: str) -> str:
        return value.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    lines = [
        "END-USER CERTIFICATE",
        f"Reference: {reference}",
        f"End user: {end_user}",
        f"Issued by: {issuer}",
        "The end user certifies that the items will not be re-exported",
        "without the prior written consent of the exporting state.",
    ]
    stream = "BT /F1 12 Tf 72 770 Td 16 TL " + " ".join(f"({text(t)}) '" for t in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        "/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        f"<< /Length {len(stream.encode('latin-1'))} >>\nstream\n{stream}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode("latin-1")
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode("latin-1")
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    ).encode("latin-1")
    return bytes(out)


def add_documents(db: Database, actors: dict[str, Actor], ids: dict[State, int]) -> None:
    """The applicant's end-user certificate on the submitted case (Brazilian Army)."""
    with db.write() as session:
        documents.add(
            session,
            actors["nordarms"],
            ids[State.submitted],
            kind="end_user_certificate",
            filename="EUC-BRA-2026-0117.pdf",
            content=certificate_pdf(
                "EUC-BRA-2026-0117", "Brazilian Army", "Ministry of Defence of Brazil"
            ),
            reference="EUC-BRA-2026-0117",
        )
