"""The API's error bodies are JSON whatever the request held (found in review, 2026-12-06).

A lone surrogate such as ``"\\ud800"`` is valid in JSON text, so it reaches a Python string;
pydantic refuses it, and FastAPI's own 422 then echoed it back and failed to write it as
UTF-8: a 500 instead of the 422 that says which field is wrong.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from register_helpers import Api, application

# json.dumps writes a lone surrogate as the escape "\ud800" (its default, ensure_ascii)
LONE = "rifles \ud800 for the army"


def _post(api: Api, path: str, body: dict[str, Any]) -> Any:
    headers = {**api.headers("applicant"), "content-type": "application/json"}
    return api.client.post(path, content=json.dumps(body), headers=headers)


@pytest.mark.parametrize("path", ["/applications", "/assess"])
def test_a_lone_surrogate_in_a_body_is_a_422_naming_its_field(api: Api, path: str) -> None:
    response = _post(api, path, application(end_use=LONE))
    assert response.status_code == 422, response.text[:300]
    detail = json.loads(response.content)["detail"]
    assert [error["loc"][-1] for error in detail] == ["end_use"], detail
    # the value sent is echoed as FastAPI echoes it, escaped rather than dropped
    assert detail[0]["input"] == LONE


def test_other_422s_keep_fastapis_body_byte_for_byte(api: Api) -> None:
    """Only a body that cannot be written as UTF-8 is escaped: other refusals, non-ASCII
    included, are written as FastAPI writes them."""
    response = _post(api, "/applications", application(end_use=["Verteidigungsministerium é"]))
    assert response.status_code == 422
    sent = application(end_use=["Verteidigungsministerium é"])
    assert json.loads(response.content)["detail"][0]["input"] == sent["end_use"]
    assert "é".encode() in response.content  # raw UTF-8, as FastAPI's JSONResponse writes it
