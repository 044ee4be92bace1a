"""Memoised findings, for assessing many applications that share facts (batches, audits).

A rule's findings are a function of the law, the day and the parts of the case its evaluator
reads. Each evaluator that can be memoised declares those parts as a *key*
(``core.rules.MEMO_KEYS``); an engine with a :class:`Memo` evaluates a rule once per distinct
key and reuses the very same findings for every case that has it. So a batch of transfers to
one recipient in one year weighs the recipient's evidence once, whoever the supplier is, and
the findings are exactly those of the single-application engine (tested on generated and real
cases). Without a memo the engine evaluates every rule every time.

Parts that are costly to hash by value (evidence, mitigations, screening hits) are keyed by
identity with :class:`Same`: the same objects give the same findings; equal but distinct
objects mostly miss the memo, and are never confused with different ones.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable


class Same:
    """A key for a sequence of objects, hashed by their identities (cheap, where hashing the
    values is not), and equal to a key for the same objects or for equal ones.

    It holds the objects, so their ids cannot be reused by other objects while the key is in
    a memo; its hash is computed once."""

    __slots__ = ("_hash", "objects")

    def __init__(self, objects: Iterable[object]) -> None:
        self.objects = tuple(objects)
        self._hash = hash(tuple(map(id, self.objects)))

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        # Tuple equality tries identity first, element by element; objects that are not the
        # same but compare equal by value read the same to an evaluator, so equal is right.
        return isinstance(other, Same) and self.objects == other.objects

    def __repr__(self) -> str:
        return f"Same({len(self.objects)} objects)"


class Memo:
    """Values by key, emptied when it reaches ``max_entries`` (a batch sorted by recipient keeps
    its working set small, so a full reset costs little and bounds memory)."""

    def __init__(self, max_entries: int = 500_000) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self.max_entries = max_entries
        self.entries: dict[Hashable, object] = {}
        self.hits = 0

    def get(self, key: Hashable) -> object | None:
        found = self.entries.get(key)
        if found is not None:
            self.hits += 1
        return found

    def put(self, key: Hashable, value: object) -> None:
        if len(self.entries) >= self.max_entries:
            self.entries.clear()
        self.entries[key] = value

    def clear(self) -> None:
        self.entries.clear()
