"""The application a licensing officer assesses: parties, items, route, documents, evidence.

These are the shapes every adapter shares (CLI files, the register, the REST API, batch
monitoring), so field names are part of the public contract; the JSON Schema published in
``schema/application.schema.json`` is generated from them and checked by the tests.
"""

from __future__ import annotations

import datetime as dt
import functools
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
)

from openatt.reference.states import resolve_state


def _state(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("a state must be a string (ISO 3166 alpha-3, alpha-2 or English name)")
    return resolve_state(value)


StateCode = Annotated[
    str,
    BeforeValidator(_state),
    Field(description="ISO 3166 alpha-3 (input also accepts alpha-2 or an English name)"),
]


class TransferKind(StrEnum):
    """ATT Art. 2(2): the activities of international trade the treaty calls a transfer."""

    export = "export"
    import_ = "import"
    transit = "transit"
    trans_shipment = "trans-shipment"
    brokering = "brokering"


class Category(StrEnum):
    """ATT Art. 2(1) categories, plus Art. 3 ammunition, Art. 4 parts and items outside both."""

    I = "I"  # noqa: E741  (the treaty's own numbering)
    II = "II"
    III = "III"
    IV = "IV"
    V = "V"
    VI = "VI"
    VII = "VII"
    VIII = "VIII"
    ammunition = "ammunition"
    parts = "parts"
    other = "other"

    @property
    def is_conventional_arm(self) -> bool:
        """True for the eight categories of ATT Art. 2(1)."""
        return self not in (Category.ammunition, Category.parts, Category.other)


ARTICLE_2_1 = tuple(c for c in Category if c.is_conventional_arm)


class EndUserKind(StrEnum):
    government = "government"
    armed_forces = "armed_forces"
    police = "police"
    private = "private"
    non_state = "non_state"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


# Upper bounds on what one application may carry (issue 13: the schema had none). They are
# generous for any real transfer and keep a single request from filling memory or the log.
NAME_MAX, TEXT_MAX, LIST_MAX = 300, 4000, 500


class Party(_Strict):
    name: str = Field(min_length=1, max_length=NAME_MAX)
    country: StateCode


class EndUser(Party):
    kind: EndUserKind
    group: str | None = Field(
        default=None,
        max_length=NAME_MAX,
        description="an armed group or listed entity the end user belongs to",
    )
    region: str | None = Field(
        default=None,
        max_length=NAME_MAX,
        description="region of the end user's country where the items will be used",
    )


class Money(_Strict):
    amount: float = Field(ge=0)
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. USD")


class Item(_Strict):
    description: str = Field(min_length=1, max_length=TEXT_MAX)
    category: Category
    control_entry: str | None = Field(
        default=None, max_length=NAME_MAX, description="e.g. ML1, ML7, USML I"
    )
    quantity: int = Field(ge=1)
    value: Money | None = None
    origin_state: StateCode | None = Field(
        default=None,
        description="the state of origin when it is not the exporting state (a re-export); "
        "the UN Register's return reports it in column D",
    )


class DocumentKind(StrEnum):
    end_user_certificate = "end_user_certificate"
    re_export_clause = "re_export_clause"
    delivery_verification = "delivery_verification"
    import_licence = "import_licence"
    transit_authorisation = "transit_authorisation"
    broker_registration = "broker_registration"
    other = "other"


class Document(_Strict):
    kind: DocumentKind
    reference: str | None = Field(default=None, max_length=NAME_MAX)
    issued_by: str | None = Field(default=None, max_length=NAME_MAX)
    date: dt.date | None = None
    verified: bool = Field(default=False, description="authenticity checked with the issuer")


class Likelihood(StrEnum):
    """How likely the harm is. ``known`` means knowledge in the sense of ATT Art. 6(3)."""

    remote = "remote"
    possible = "possible"
    likely = "likely"
    very_likely = "very_likely"
    known = "known"

    @property
    def level(self) -> int:
        return _LIKELIHOOD_LEVELS[self]

    @classmethod
    def from_level(cls, level: int) -> Likelihood:
        clamped = max(0, min(level, len(_LIKELIHOOD_ORDER) - 1))
        return _LIKELIHOOD_ORDER[clamped]


_LIKELIHOOD_ORDER = tuple(Likelihood)
_LIKELIHOOD_LEVELS = {value: index for index, value in enumerate(_LIKELIHOOD_ORDER)}


class Severity(StrEnum):
    minor = "minor"
    serious = "serious"
    grave = "grave"

    @property
    def level(self) -> int:
        return _SEVERITY_LEVELS[self]


_SEVERITY_LEVELS = {value: index for index, value in enumerate(Severity)}


class Topic(StrEnum):
    """What a piece of evidence speaks to. Each regime's rules say which topics they weigh,
    so the same evidence feeds ATT 7.1(b)(ii), EU criterion 2 and UK criterion 2 alike."""

    peace_security = "peace_security"
    regional_stability = "regional_stability"
    internal_conflict = "internal_conflict"
    ihl = "ihl"
    human_rights = "human_rights"
    internal_repression = "internal_repression"
    atrocity_crimes = "atrocity_crimes"
    terrorism = "terrorism"
    organised_crime = "organised_crime"
    gender_based_violence = "gender_based_violence"
    diversion = "diversion"
    corruption = "corruption"
    national_security = "national_security"
    international_behaviour = "international_behaviour"
    development = "development"


_TOPIC_NAMES = frozenset(Topic.__members__)  # ``Topic.__members__`` builds a new view each time


class EvidenceKind(StrEnum):
    officer = "officer"
    indicator = "indicator"
    report = "report"
    intelligence = "intelligence"


class Evidence(_Strict):
    """An input to a risk criterion, with provenance: what was judged, by whom, from what, when.

    ``criterion`` is a topic (e.g. ``human_rights``), weighed by every regime's rules on that
    topic, or a rule id (e.g. ``eu.2``), weighed by that rule only.
    """

    criterion: str = Field(min_length=2, max_length=NAME_MAX)
    likelihood: Likelihood
    severity: Severity
    source: str = Field(min_length=1, max_length=TEXT_MAX)
    date: dt.date
    author: str | None = Field(default=None, max_length=NAME_MAX)
    kind: EvidenceKind = EvidenceKind.officer
    note: str | None = Field(default=None, max_length=TEXT_MAX)
    value: float | None = Field(default=None, description="an indicator's value, if any")

    @functools.cached_property
    def as_fact(self) -> dict[str, Any]:
        """The evidence as findings list it (``core.rules.context.evidence_fact``: copy it)."""
        return {
            "criterion": self.criterion,
            "likelihood": self.likelihood.value,
            "severity": self.severity.value,
            "source": self.source,
            "date": self.date.isoformat(),
            "kind": self.kind.value,
            **({"value": self.value} if self.value is not None else {}),
            **({"author": self.author} if self.author else {}),
            **({"note": self.note} if self.note else {}),
        }

    def __copy__(self) -> Evidence:
        # ``model_copy(update=...)`` copies the instance's dict and then sets the new values:
        # what was worked out from the old values (``as_fact``, ``cited``, ``weighings``) must
        # not come along (a copy with another author would list the old one)
        copied = super().__copy__()
        for name in _EVIDENCE_DERIVED:
            copied.__dict__.pop(name, None)
        return copied

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> Evidence:
        copied = super().__deepcopy__(memo)
        for name in _EVIDENCE_DERIVED:
            copied.__dict__.pop(name, None)
        return copied

    @functools.cached_property
    def weighings(self) -> dict[tuple[object, ...], tuple[object, ...]]:
        """How a risk rule weighed this evidence, by (mitigation levels, threshold, effect)
        (``core.rules.risk``): a batch weighs one piece of evidence under many rules and
        cases, and the weighing is a function of those three and the evidence alone."""
        return {}

    @functools.cached_property
    def cited(self) -> str:
        """Its source and date, as findings cite it."""
        return f"{self.source} ({self.date.isoformat()})"

    @field_validator("criterion")
    @classmethod
    def _criterion_shape(cls, value: str) -> str:
        if value in _TOPIC_NAMES or "." in value:
            return value
        topics = ", ".join(Topic.__members__)
        raise ValueError(f"criterion must be a rule id such as 'att.7.1.b.ii' or one of: {topics}")


# what ``Evidence`` works out once from its values and keeps (dropped from copies)
_EVIDENCE_DERIVED = ("as_fact", "cited", "weighings")


class Credibility(StrEnum):
    """How credible a mitigation is, given the importer's capacity to implement it."""

    low = "low"
    medium = "medium"
    high = "high"

    @property
    def reduction(self) -> int:
        """Likelihood levels a mitigation of this credibility can take off (ATT 7.2)."""
        return {"low": 0, "medium": 1, "high": 2}[self.value]


class Mitigation(_Strict):
    """A confidence-building measure or jointly agreed programme (ATT 7.2, 11.2)."""

    description: str = Field(min_length=1, max_length=TEXT_MAX)
    addresses: tuple[str, ...] = Field(
        min_length=1, max_length=50, description="topics or rule ids this mitigation speaks to"
    )
    credibility: Credibility = Credibility.medium
    agreed_by: str | None = Field(default=None, max_length=NAME_MAX)


class ScreeningHit(_Strict):
    """A party's match against a sanctions or denied-party list, as the screening adapter
    reports it. The engine turns confirmed hits into findings (ATT 6.1 for UN lists)."""

    party_role: str = Field(description="exporter, consignee, end_user, broker")
    party_name: str
    list_id: str = Field(description="e.g. un-sc-consolidated, ofac-sdn")
    authority: str = Field(description="UN, US, EU, UK, CA, AU, ...")
    entity_id: str
    matched_name: str
    score: float = Field(ge=0, le=1)
    programme: str | None = None
    listed_on: dt.date | None = None
    explanation: dict[str, object] = Field(default_factory=dict)
    false_positive: bool = False
    algorithm: str | None = None
    list_version: str | None = None


def _unique(values: tuple[StateCode, ...]) -> tuple[StateCode, ...]:
    if len(set(values)) != len(values):
        raise ValueError("a transit state is listed twice")
    return values


class Application(_Strict):
    """One proposed transfer, as an applicant submits it and an officer assesses it."""

    id: str | None = Field(default=None, description="the applicant's or register's reference")
    kind: TransferKind
    date: dt.date = Field(description="the decision date: law and facts are taken as of it")
    exporting_state: StateCode
    importing_state: StateCode
    transit_states: Annotated[tuple[StateCode, ...], AfterValidator(_unique)] = ()
    exporter: Party
    consignee: Party
    end_user: EndUser
    brokers: tuple[Party, ...] = Field(default=(), max_length=50)
    end_use: str = Field(min_length=1, max_length=TEXT_MAX)
    items: tuple[Item, ...] = Field(min_length=1, max_length=LIST_MAX)
    documents: tuple[Document, ...] = Field(default=(), max_length=LIST_MAX)
    documents_recorded: bool = Field(
        default=True,
        description="false when the source does not record documents (e.g. world transfer "
        "data): their absence is then unknown, not a red flag",
    )
    evidence: tuple[Evidence, ...] = Field(default=(), max_length=LIST_MAX)
    mitigations: tuple[Mitigation, ...] = Field(default=(), max_length=LIST_MAX)
    screening: tuple[ScreeningHit, ...] = Field(
        default=(), description="screening hits on the parties, filled in by the screening step"
    )
    licensing_state: StateCode | None = Field(
        default=None,
        description="the state whose authority decides; by default the exporting state for an "
        "export, the importing state for an import, the first transit state for a transit or "
        "trans-shipment, and the broker's state for brokering",
    )

    @property
    def deciding_state(self) -> str:
        """The state whose obligations the assessment checks (see ``licensing_state``)."""
        if self.licensing_state:
            return self.licensing_state
        if self.kind is TransferKind.import_:
            return self.importing_state
        if self.kind in (TransferKind.transit, TransferKind.trans_shipment) and self.transit_states:
            return self.transit_states[0]
        if self.kind is TransferKind.brokering and self.brokers:
            return self.brokers[0].country
        return self.exporting_state

    def parties(self) -> list[tuple[str, Party]]:
        """Every party with its role, in a stable order."""
        found: list[tuple[str, Party]] = [
            ("exporter", self.exporter),
            ("consignee", self.consignee),
            ("end_user", self.end_user),
        ]
        found.extend(("broker", broker) for broker in self.brokers)
        return found

    def has_document(self, kind: DocumentKind) -> bool:
        return any(document.kind == kind for document in self.documents)
