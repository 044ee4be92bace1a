"""What a new list version added, removed and changed, by the list's own reference."""

from __future__ import annotations

from dataclasses import dataclass, field

from openatt.screening.model import ListEntity
from openatt.screening.store import LoadedList


@dataclass(slots=True)
class Change:
    entity_id: str
    caption: str
    fields: list[str]


@dataclass(slots=True)
class ListDiff:
    list_id: str
    old_version: str
    new_version: str
    added: list[ListEntity] = field(default_factory=list)
    removed: list[ListEntity] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)


def diff_lists(old: LoadedList, new: LoadedList) -> ListDiff:
    """Entities added, removed, and changed (with the names of the fields that differ)."""
    before = {e.entity_id: e for e in old.entities}
    after = {e.entity_id: e for e in new.entities}
    result = ListDiff(new.metadata.list_id, old.metadata.version, new.metadata.version)
    result.added = [after[k] for k in after if k not in before]
    result.removed = [before[k] for k in before if k not in after]
    for key in after.keys() & before.keys():
        a, b = before[key].to_json(), after[key].to_json()
        fields = sorted(name for name in a.keys() | b.keys() if a.get(name) != b.get(name))
        if fields:
            result.changed.append(Change(key, after[key].caption, fields))
    result.changed.sort(key=lambda c: c.entity_id)
    return result
