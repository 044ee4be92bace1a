"""Put ``tests/register`` on the import path: the security tests reuse its seeded-register
fixtures (one logged-in user per role, on SQLite and PostgreSQL) rather than copy them."""

from __future__ import annotations

import sys
from pathlib import Path

REGISTER_TESTS = str(Path(__file__).resolve().parents[1] / "register")
if REGISTER_TESTS not in sys.path:
    sys.path.insert(0, REGISTER_TESTS)
