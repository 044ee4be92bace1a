"""JSON responses serialised once (issue 16).

An endpoint that returns a pydantic model has FastAPI validate it against the response
model a second time and then serialise it; on a page of fifty cases that was a third of the
request. The hot reads build plain values from rows the register has already checked and
hand them to pydantic-core's serialiser (the one FastAPI uses) in one call; their routes keep
``response_model`` for the OpenAPI document, and tests check each such body against it
(``tests/register/test_register_fast_json.py``).
"""

from __future__ import annotations

from pydantic_core import to_json
from starlette.responses import Response


def json_response(content: object, status_code: int = 200) -> Response:
    """``content`` (dicts, lists, strings, numbers, dates, pydantic models) as JSON bytes."""
    return Response(to_json(content), status_code=status_code, media_type="application/json")


def json_response_with_raw(content: dict[str, object], key: str, raw: str) -> Response:
    """``content`` with ``key`` set to ``raw``, JSON text the register stored itself (the
    engine's output, written once per assessment): spliced in as it is instead of parsed
    into models and serialised again."""
    head = to_json(content)
    if key in content:
        raise ValueError(f"{key!r} is already in the content")
    glue = b"," if len(head) > 2 else b""
    body = head[:-1] + glue + to_json(key) + b":" + raw.encode("utf-8") + b"}"
    return Response(body, media_type="application/json")
