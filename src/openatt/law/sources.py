"""The ledger of what was checked against which primary source, and what was not.

Every dated fact of the reference data (a measure, an exemption, a treaty participation, a
group membership, a 22 CFR 126.1 entry) and every rule version is listed with its ``checked``
record, so that ``openatt law sources`` and the tests can show which entries were compared
with their source on which day, and which were inherited without a check. Pure: it reads the
loaded law and reference data, nothing else.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from openatt.core.provenance import Checked, Cited
from openatt.law.loader import Law
from openatt.reference.loader import AUTHORITIES, ReferenceData
from openatt.reference.schema import Embargo


@dataclass(frozen=True)
class SourceEntry:
    """One checkable entry: a stable id, what kind of fact it is, its citation and its check."""

    id: str
    kind: str
    cited: str
    checked: Checked | None
    unchecked: str | None = None

    @property
    def is_checked(self) -> bool:
        return self.checked is not None

    @property
    def is_reviewed(self) -> bool:
        """Whether the entry says what it was checked against, or why it was not."""
        return self.checked is not None or self.unchecked is not None


def _entry(entry_id: str, kind: str, fact: Cited) -> SourceEntry:
    return SourceEntry(entry_id, kind, str(fact.citations[0]), fact.checked, fact.unchecked)


def _embargo_entries(embargo: Embargo, kind: str) -> Iterator[SourceEntry]:
    for measure in embargo.measures:
        yield _entry(measure.id, kind, measure)
        for exemption in measure.exemptions:
            yield _entry(exemption.id, f"{kind} exemption", exemption)


def source_ledger(law: Law, ref: ReferenceData) -> list[SourceEntry]:
    """Every checkable entry of the shipped law and reference data, in a stable order."""
    entries: list[SourceEntry] = []
    for authority in AUTHORITIES:
        for embargo in ref.embargoes(authority):
            entries.extend(_embargo_entries(embargo, f"{authority} embargo"))
    for treaty in ref.treaties.values():
        for party in treaty.parties:
            entries.append(_entry(f"{treaty.id}:party:{party.state}", "treaty party", party))
        for signature in treaty.signatories:
            entries.append(
                _entry(f"{treaty.id}:signatory:{signature.state}", "treaty signatory", signature)
            )
    for group in ref.groups.values():
        for member in group.members:
            member_id = f"{group.id}:{member.state}@{member.valid_from.isoformat()}"
            entries.append(_entry(member_id, "group member", member))
    for denial in ref.us_126_1:
        denial_id = f"126.1:{denial.state}@{denial.valid_from.isoformat()}"
        entries.append(_entry(denial_id, "126.1 entry", denial))
    for regime in law.regimes.values():
        for rule in regime.rules:
            for version in rule.versions:
                version_id = f"{rule.id}@{version.valid_from.isoformat()}"
                entries.append(_entry(version_id, f"{regime.id} rule version", version))
        for embargo in regime.embargoes:
            entries.extend(_embargo_entries(embargo, f"{regime.id} embargo"))
    return entries
