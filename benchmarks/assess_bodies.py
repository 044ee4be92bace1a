"""Bodies for the ``POST /assess`` phases of the API benchmarks: all different (issue 16).

The assess phase used to send one application over and over, which a cache keyed on the
body would have answered from memory. These bodies are built from the applications of the
benchmark's register (the demo's cases and the assessed ones), each changed in the ways a
real stream of pre-checks differs: the recipient (importing state, consignee and end user),
the items (taken from another case), the decision date (spread over two years, so that the
law and the facts are taken as of many dates) and the exporter's reference. No two bodies
of a phase are the same, so nothing keyed on the body can help; the engine still has the
same work per request as for a real application.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

# Recipients beside the register's own: allies, states under a UN or EU arms embargo, states
# with conflicts, so the engine's rules take different paths.
RECIPIENTS = (
    "NOR", "BRA", "KEN", "IND", "POL", "NZL", "PHL", "SAU", "ARE", "UKR", "EGY", "IDN",
    "LBY", "SSD", "MMR", "RUS", "CHN", "VEN", "TUR", "ISR", "COL", "NGA", "PAK", "JPN",
)  # fmt: skip
SPREAD_DAYS = 730


def assess_bodies(applications: list[dict[str, Any]], count: int) -> list[bytes]:
    """``count`` distinct JSON bodies for ``POST /assess`` derived from ``applications``."""
    if not applications:
        raise ValueError("no applications to derive assess bodies from")
    recipients = sorted({a["importing_state"] for a in applications} | set(RECIPIENTS))
    bodies: list[bytes] = []
    seen: set[bytes] = set()
    for k in range(count):
        base = applications[k % len(applications)]
        items_from = applications[(k * 7 + 3) % len(applications)]
        recipient = recipients[(k * 5) % len(recipients)]
        date = dt.date.fromisoformat(base["date"]) - dt.timedelta(days=(k * 37) % SPREAD_DAYS)
        body = {
            **base,
            "id": f"pre-check {k}",
            "date": date.isoformat(),
            "importing_state": recipient,
            "consignee": {**base["consignee"], "country": recipient},
            "end_user": {**base["end_user"], "country": recipient},
            "items": items_from["items"],
            "screening": [],
        }
        encoded = json.dumps(body).encode("utf-8")
        if encoded in seen:  # cannot happen with the id above; kept as the promise's check
            raise AssertionError("two assess bodies are the same")
        seen.add(encoded)
        bodies.append(encoded)
    return bodies
