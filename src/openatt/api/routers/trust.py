"""What only the authority supplies (issue 13): a document's verification with its issuer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import Field

from openatt.api import schemas, views
from openatt.api.deps import DB, Allow
from openatt.api.schemas import MAX_ID
from openatt.register import supply
from openatt.register.permissions import Permission as P
from openatt.register.users import Actor

router = APIRouter(prefix="/applications", tags=["applications"])
AppId = Annotated[int, Path(ge=1, le=MAX_ID, description="application id")]
DocIndex = Annotated[int, Path(ge=0, le=1000, description="index of the document")]


class VerifyDocumentIn(schemas.Versioned):
    how: str = Field(
        min_length=1, max_length=4000, description="how the document was checked with its issuer"
    )


@router.post("/{application_id}/documents/{index}/verify", response_model=schemas.ApplicationOut)
def verify_document(
    application_id: AppId,
    index: DocIndex,
    body: VerifyDocumentIn,
    db: DB,
    actor: Annotated[Actor, Allow(P.application_assess)],
) -> schemas.ApplicationOut:
    """Record that the authority checked a document with its issuer (applicants cannot)."""
    with db.write() as session:
        row = supply.verify_document(session, actor, application_id, index, body.how, body.version)
        return views.application(row)
