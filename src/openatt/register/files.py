"""Files with secrets in them (backups with password hashes, the SQLite register, exports,
signing keys, checkpoints) are created readable by their owner only (0600)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

OWNER_ONLY = 0o600


@contextmanager
def private_file(
    path: Path, *, append: bool = False, exclusive: bool = False
) -> Iterator[BinaryIO]:
    """Open ``path`` for writing (binary), created 0600; an existing file is made 0600 too."""
    flags = os.O_WRONLY | os.O_CREAT
    flags |= os.O_APPEND if append else (os.O_EXCL if exclusive else os.O_TRUNC)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, flags, OWNER_ONLY)
    os.chmod(path, OWNER_ONLY)
    with os.fdopen(descriptor, "ab" if append else "wb") as handle:
        yield handle


def make_private(path: Path) -> None:
    """Restrict an existing file (e.g. the SQLite register and its WAL) to its owner."""
    if path.exists():
        os.chmod(path, OWNER_ONLY)
