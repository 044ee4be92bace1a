"""Strict schemas for the reference data. A file that breaks them does not load.

Every entry is cited and dated (``Cited``): an uncited or undated fact is rejected, so the
tests that load the shipped data are also the tests that every fact has a source.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from openatt.core.model import Category, EndUserKind, StateCode
from openatt.core.provenance import Cited, unreviewed


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Direction(StrEnum):
    """Which way a measure bars arms."""

    to_target = "to_target"  # supply, sale or transfer to the target
    from_target = "from_target"  # the target's own exports (e.g. Iran 2007-2020, DPRK)


class Coverage(StrEnum):
    """Whom, in or of the target, a measure covers."""

    whole_state = "whole_state"  # every end user in the target state, its government included
    non_state = "non_state"  # non-governmental entities and individuals only
    named_groups = "named_groups"  # named groups and listed individuals or entities, anywhere
    region = "region"  # every end user in a named region of the state


class Procedure(StrEnum):
    """What an exemption requires before a covered transfer may go ahead."""

    none = "none"  # exempt outright
    notification = "notification"  # exempt once notified to the committee (in advance)
    approval = "approval"  # only with the committee's prior approval, case by case


class LegalForm(StrEnum):
    """What kind of instrument imposes a measure, which decides who is bound by it.

    ATT Art. 6(2) reaches obligations under international *agreements*; a political
    declaration or a politically binding decision (the 1989 European Council declaration on
    China, the 1992 CSCE decision on Nagorno-Karabakh) is a commitment, not such an obligation,
    though EU criterion 1 ("obligations and commitments") still covers it.
    """

    legal_act = "legal_act"  # a Chapter VII decision, a treaty, an EU Council legal act
    political_commitment = "political_commitment"  # a declaration or politically binding decision


class CategoryDefinition(StrEnum):
    """Whose definitions a measure's ``categories`` use."""

    att = "att"  # the ATT's Art. 2(1) categories (openatt's own item categories)
    un_register = "un_register"  # the UN Register of Conventional Arms' categories I-VII


class Exemption(Cited):
    id: str = Field(pattern=r"^[a-z0-9_.-]+$")
    description: str = Field(min_length=5)
    end_user_kinds: tuple[EndUserKind, ...] = Field(
        default=(), description="end users the exemption benefits; empty means any"
    )
    end_users: tuple[str, ...] = Field(
        default=(),
        description="the named bodies the exemption benefits (e.g. the Somali National Army); "
        "when given, the end user must be one of them, whatever its kind",
    )
    beneficiaries: str | None = Field(
        default=None,
        description="named beneficiaries in words (e.g. 'UN peacekeeping missions'); "
        "an exemption with beneficiaries but no end_user_kinds needs a person to check",
    )
    categories: tuple[Category, ...] = Field(
        default=(), description="item categories the exemption covers; empty means any"
    )
    procedure: Procedure
    committee: str | None = None


class Measure(Cited):
    """One period of an embargo with one scope. A partial lifting starts a new measure."""

    id: str = Field(pattern=r"^[a-z0-9_.-]+$")
    description: str = Field(min_length=5)
    direction: Direction = Direction.to_target
    coverage: Coverage
    categories: tuple[Category, ...] = Field(
        default=(), description="item categories covered; empty means all arms and related materiel"
    )
    groups: tuple[str, ...] = Field(
        default=(), description="named groups covered (coverage named_groups), with aliases"
    )
    regions: tuple[str, ...] = Field(default=(), description="regions covered (coverage region)")
    legal_form: LegalForm = LegalForm.legal_act
    category_definition: CategoryDefinition = Field(
        default=CategoryDefinition.att,
        description="un_register: the measure is written by the UN Register's categories, "
        "whose category VII excludes ground-to-air missiles other than MANPADS",
    )
    list_prefixes: tuple[str, ...] = Field(
        default=(),
        description="UN list reference prefixes (e.g. QDi, QDe) whose listed parties are covered",
    )
    exemptions: tuple[Exemption, ...] = ()

    @model_validator(mode="after")
    def _scope_named(self) -> Measure:
        if self.coverage is Coverage.named_groups and not (self.groups or self.list_prefixes):
            raise ValueError(f"{self.id}: named_groups coverage needs groups or list_prefixes")
        if self.coverage is Coverage.region and not self.regions:
            raise ValueError(f"{self.id}: region coverage needs regions")
        return self


class Embargo(_Strict):
    """An arms embargo: who imposed it, on whom, and its measures over time."""

    id: str = Field(pattern=r"^[a-z0-9_.-]+$")
    name: str
    authority: str = Field(description="'UN Security Council', 'European Union', or a state")
    target: StateCode | None = Field(
        default=None, description="the target state; None for measures against listed groups"
    )
    committee: str | None = None
    measures: tuple[Measure, ...] = Field(min_length=1)
    notes: str | None = None

    @model_validator(mode="after")
    def _measure_ids_unique(self) -> Embargo:
        ids = [m.id for m in self.measures]
        if len(set(ids)) != len(ids):
            raise ValueError(f"{self.id}: measure ids must be unique")
        return self


class EmbargoFile(_Strict):
    description: str
    last_reviewed: dt.date
    review_required: bool = Field(
        default=False,
        description="every entry must say what it was checked against or why not (checked or "
        "unchecked); the shipped files set it (issue 14)",
    )
    embargoes: tuple[Embargo, ...]

    @model_validator(mode="after")
    def _every_entry_reviewed(self) -> EmbargoFile:
        if self.review_required and (missing := unreviewed(embargo_facts(self.embargoes))):
            raise ValueError(missing)
        return self


def embargo_facts(embargoes: Iterable[Embargo]) -> Iterator[tuple[str, Cited]]:
    """Every measure and exemption of ``embargoes`` with its id: the entries a review checks."""
    for embargo in embargoes:
        for measure in embargo.measures:
            yield measure.id, measure
            for exemption in measure.exemptions:
                yield exemption.id, exemption


class TreatyParticipation(Cited):
    """A state's participation in a treaty. ``valid_from`` is the entry into force for that
    state; ``valid_until`` the day a withdrawal took effect."""

    state: StateCode
    signed: dt.date | None = None
    deposited: dt.date | None = Field(
        default=None, description="deposit of ratification, acceptance, approval or accession"
    )
    method: str | None = Field(
        default=None, pattern=r"^(ratification|acceptance|approval|accession)$"
    )


class Signature(Cited):
    """A signature that has not (yet) led to participation. ``valid_from`` is the date of
    signature; ``valid_until`` the date the state said it does not intend to become a party."""

    state: StateCode


class Treaty(_Strict):
    id: str
    name: str
    entry_into_force: dt.date
    parties: tuple[TreatyParticipation, ...]
    signatories: tuple[Signature, ...] = ()

    @model_validator(mode="after")
    def _no_duplicates(self) -> Treaty:
        states = [p.state for p in self.parties]
        if len(set(states)) != len(states):
            raise ValueError(f"{self.id}: a state is listed twice as a party")
        return self


class TreatyFile(_Strict):
    description: str
    last_reviewed: dt.date
    treaties: tuple[Treaty, ...]


class GroupMember(Cited):
    state: StateCode


class Group(_Strict):
    """A set of states whose membership changes over time (EU members, NATO, ...)."""

    id: str
    name: str
    members: tuple[GroupMember, ...]


class GroupFile(_Strict):
    description: str
    last_reviewed: dt.date
    groups: tuple[Group, ...]


class Policy(StrEnum):
    denial = "denial"
    case_by_case = "case_by_case"


class DenialPolicyEntry(Cited):
    """An entry of a national denial list such as 22 CFR 126.1."""

    state: StateCode
    paragraph: str = Field(description="e.g. '126.1(a)' or '126.1(d)(2)'")
    policy: Policy
    exceptions: str | None = Field(default=None, description="what may be approved case by case")
    end_user_kinds: tuple[EndUserKind, ...] = Field(
        default=(),
        description="the end users the policy covers (e.g. Eritrea and Ethiopia since 2021: "
        "armed forces, police, intelligence and internal security forces); empty means all; "
        "other end users are reviewed case by case",
    )


class DenialPolicyFile(_Strict):
    description: str
    last_reviewed: dt.date
    review_required: bool = Field(
        default=False,
        description="every entry must say what it was checked against or why not (checked or "
        "unchecked); the shipped files set it (issue 14)",
    )
    entries: tuple[DenialPolicyEntry, ...]

    @model_validator(mode="after")
    def _every_entry_reviewed(self) -> DenialPolicyFile:
        facts = ((f"126.1:{e.state}@{e.valid_from.isoformat()}", e) for e in self.entries)
        if self.review_required and (missing := unreviewed(facts)):
            raise ValueError(missing)
        return self
