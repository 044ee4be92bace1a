"""The web form offers every registered report kind: a toy kind registered appears in it
and is generated through it, with the year range the kind accepts."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "reports"))

from toy_kind import toy_registered


def test_a_toy_kind_is_in_the_web_form(web: Any) -> None:
    with toy_registered() as toy:
        web.login("officer")
        page = web.get("/ui/reports")
        assert toy.title in page.text and f'value="{toy.name}"' in page.text
        year = str(dt.date.today().year)
        made = web.post("/ui/reports/generate", {"kind": toy.name, "year": year, "format": "json"})
        assert made.status_code == 200, made.text
        assert made.headers["content-disposition"].endswith('.json"')
        early = web.post(
            "/ui/reports/generate", {"kind": toy.name, "year": "2019", "format": "json"}
        )
        assert early.status_code == 422 and "from 2020" in early.text
