"""The shipped ATT status and groups of states, checked through the real loader.

The relations tested here (Art. 22 entry into force, no state twice, dates in order) are
the ones a mistyped date breaks, so they guard every future edit of the data files.
"""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import build_application
from openatt.core.engine import Engine
from openatt.reference.loader import ReferenceData, load_reference
from openatt.reference.schema import Signature, Treaty, TreatyParticipation

ATT_IN_FORCE = dt.date(2014, 12, 24)
D = dt.date


@pytest.fixture(scope="module")
def ref() -> ReferenceData:
    return load_reference()


@pytest.fixture(scope="module")
def att(ref: ReferenceData) -> Treaty:
    return ref.treaties["att"]


def test_att_lists_parties_and_signatories(att: Treaty) -> None:
    assert att.entry_into_force == ATT_IN_FORCE
    assert len(att.parties) >= 100
    assert len(att.signatories) >= 20


def test_no_state_twice(att: Treaty) -> None:
    parties = [p.state for p in att.parties]
    signatories = [s.state for s in att.signatories]
    assert len(parties) == len(set(parties))
    assert len(signatories) == len(set(signatories))
    assert not set(parties) & set(signatories), "a party is also listed as a mere signatory"


def test_entry_into_force_follows_article_22(att: Treaty) -> None:
    """Art. 22: instruments deposited before 24 Dec 2014 take effect on that day; later ones
    on the ninetieth day after deposit."""
    for party in att.parties:
        assert party.deposited is not None, party.state
        assert party.valid_from >= ATT_IN_FORCE, party.state
        assert party.valid_from >= party.deposited, party.state
        late = party.deposited >= ATT_IN_FORCE
        expected = party.deposited + dt.timedelta(days=90) if late else ATT_IN_FORCE
        assert party.valid_from == expected, (party.state, party.deposited, party.valid_from)


def test_signature_precedes_deposit_and_accession_has_none(att: Treaty) -> None:
    for party in att.parties:
        assert party.deposited is not None
        if party.method == "accession":
            assert party.signed is None, f"{party.state} acceded, so it cannot have signed"
            assert party.deposited >= ATT_IN_FORCE, (
                f"{party.state}: accession before entry into force"
            )
        if party.signed is not None:
            assert D(2013, 6, 3) <= party.signed <= party.deposited, party.state
    for signature in att.signatories:
        assert D(2013, 6, 3) <= signature.valid_from < ATT_IN_FORCE, signature.state


def test_every_entry_says_how_it_was_checked(att: Treaty) -> None:
    entries: list[TreatyParticipation | Signature] = [*att.parties, *att.signatories]
    for entry in entries:
        assert any("XXVI-8" in c.instrument for c in entry.citations), entry.state
        assert any(c.note for c in entry.citations), entry.state


@pytest.mark.parametrize(
    ("state", "day", "expected"),
    [
        ("FRA", D(2015, 1, 1), True),
        ("FRA", D(2014, 12, 23), False),
        ("CHN", D(2020, 1, 1), False),
        ("CHN", D(2020, 10, 3), False),
        ("CHN", D(2020, 10, 4), True),
        ("CHN", D(2021, 1, 1), True),
        ("PSE", D(2018, 3, 29), True),
        ("PSE", D(2018, 3, 28), False),
        ("GBR", D(2021, 6, 1), True),
        ("PHL", D(2022, 6, 22), True),
        ("USA", D(2016, 1, 1), False),
        ("USA", D(2026, 1, 1), False),
        ("RUS", D(2026, 1, 1), False),
    ],
)
def test_is_party_on(ref: ReferenceData, state: str, day: dt.date, expected: bool) -> None:
    assert ref.is_party("att", state, day) is expected


def test_united_states_signature_withdrawn(ref: ReferenceData, att: Treaty) -> None:
    (us,) = [s for s in att.signatories if s.state == "USA"]
    assert us.valid_from == D(2013, 9, 25)
    assert us.valid_until == D(2019, 7, 18)
    assert us.applies_on(D(2019, 7, 17)) and not us.applies_on(D(2019, 7, 18))
    assert ref.participation("att", "USA")["signature_withdrawn"] == "2019-07-18"


def test_every_eu_member_is_an_att_party_once_greece_and_cyprus_joined(ref: ReferenceData) -> None:
    """Cross-check of the two files: the EU has said all its member states are ATT parties;
    by the depositary's list the last of the then 28 (Cyprus) was bound from 8 Aug 2016."""
    day = D(2017, 1, 1)
    members = ref.members_on("eu", day)
    assert len(members) == 28
    assert [m for m in members if not ref.is_party("att", m, day)] == []


@pytest.mark.parametrize(
    ("group", "state", "day", "expected"),
    [
        ("eu", "GBR", D(2020, 6, 1), True),
        ("eu", "GBR", D(2020, 12, 31), True),
        ("eu", "GBR", D(2021, 1, 1), False),
        ("eu", "GBR", D(2021, 6, 1), False),
        ("eu", "HRV", D(2013, 6, 30), False),
        ("eu", "HRV", D(2013, 7, 1), True),
        ("eu", "SWE", D(1994, 12, 31), False),
        ("eu", "SWE", D(1995, 1, 1), True),
        ("eu", "NOR", D(2020, 1, 1), False),
        ("nato", "SWE", D(2023, 6, 1), False),
        ("nato", "SWE", D(2024, 6, 1), True),
        ("nato", "FIN", D(2023, 4, 3), False),
        ("nato", "FIN", D(2023, 4, 4), True),
        ("nato", "MKD", D(2020, 3, 27), True),
        ("aeca_36_higher_thresholds", "SWE", D(2024, 6, 1), True),
        ("aeca_36_higher_thresholds", "SWE", D(2023, 6, 1), False),
        ("aeca_36_higher_thresholds", "JPN", D(2024, 1, 1), True),
        ("aeca_36_higher_thresholds", "ISR", D(2024, 1, 1), True),
        ("aeca_36_higher_thresholds", "ISR", D(2008, 1, 1), False),
        ("aeca_36_higher_thresholds", "SAU", D(2024, 1, 1), False),
    ],
)
def test_in_group(ref: ReferenceData, group: str, state: str, day: dt.date, expected: bool) -> None:
    assert ref.in_group(group, state, day) is expected


def test_group_sizes_today(ref: ReferenceData) -> None:
    today = D(2026, 1, 1)
    assert len(ref.members_on("eu", today)) == 27
    assert len(ref.members_on("nato", today)) == 32
    nato_abroad = set(ref.members_on("nato", today)) - {"USA"}
    aeca = set(ref.members_on("aeca_36_higher_thresholds", today))
    assert aeca == nato_abroad | {"AUS", "ISR", "JPN", "KOR", "NZL"}


def test_groups_list_each_state_once(ref: ReferenceData) -> None:
    for group in ref.groups.values():
        states = [m.state for m in group.members]
        assert len(states) == len(set(states)), group.id


# ---------------------------------------------- the depositary's list (rebuilt 2026-12-03)
# The UN Treaty Collection's status page as retrieved on 3 Feb 2026 counts 117 parties and
# 130 signatures (a party may have signed first); Vanuatu, whose deposit of 5 Sep 2025 is the
# latest, makes the 117th.
MISSING_BEFORE_REBUILD = {
    "COL": (D(2024, 10, 15), D(2025, 1, 13)),
    "GMB": (D(2024, 6, 13), D(2024, 9, 11)),
    "GNB": (D(2018, 10, 22), D(2019, 1, 20)),
    "MCO": (D(2016, 6, 30), D(2016, 9, 28)),
    "MWI": (D(2024, 7, 11), D(2024, 10, 9)),
    "NIU": (D(2020, 8, 6), D(2020, 11, 4)),
    "PLW": (D(2019, 4, 8), D(2019, 7, 7)),
    "STP": (D(2020, 7, 28), D(2020, 10, 26)),
    "SUR": (D(2018, 10, 19), D(2019, 1, 17)),
    "VUT": (D(2025, 9, 5), D(2025, 12, 4)),
}


def test_counts_match_the_depositary(att: Treaty) -> None:
    assert len(att.parties) == 117
    assert len(att.signatories) == 25
    signatures = sum(1 for p in att.parties if p.signed) + len(att.signatories)
    assert signatures == 130


@pytest.mark.parametrize("state", sorted(MISSING_BEFORE_REBUILD))
def test_parties_missing_before_the_rebuild(ref: ReferenceData, state: str) -> None:
    deposited, bound = MISSING_BEFORE_REBUILD[state]
    assert ref.participation("att", state)["entry_into_force"] == bound.isoformat()
    (party,) = [p for p in ref.treaties["att"].parties if p.state == state]
    assert party.deposited == deposited
    assert ref.is_party("att", state, bound)
    assert not ref.is_party("att", state, bound - dt.timedelta(days=1))


def test_every_entry_is_checked_against_the_depositary(att: Treaty) -> None:
    entries: list[TreatyParticipation | Signature] = [*att.parties, *att.signatories]
    for entry in entries:
        assert entry.checked is not None, entry.state
        assert entry.checked.on == D(2026, 12, 3), entry.state
        assert any("XXVI-8" in source for source in entry.checked.against), entry.state


def test_secondary_reading_is_said_in_a_doubt(att: Treaty) -> None:
    """Rows read only through the parsed copy carry a doubt that says so; the 21 rows also
    read in the stored copy of the depositary's page (Afghanistan to Burundi) need none."""
    for party in att.parties:
        assert party.checked is not None
        read_in_stored_copy = any("XXVI-8.en.xml" in s for s in party.checked.against)
        if not read_in_stored_copy:
            assert party.checked.doubt and "parsed copy" in party.checked.doubt, party.state


def test_accession_and_acceptance(att: Treaty) -> None:
    methods = {p.state: p.method for p in att.parties}
    assert methods["CAF"] == "accession"  # the earlier data had a signature and a ratification
    assert {s for s, m in methods.items() if m == "acceptance"} == {"GAB", "JPN", "NLD"}


def test_signatory_that_never_ratified_is_not_bound(ref: ReferenceData) -> None:
    """Israel signed on 18 Dec 2014 and deposited nothing: the treaty does not bind it, and
    the data says it is a signatory (Art. 18 of the Vienna Convention is not modelled)."""
    assert ref.participation("att", "ISR") == {
        "status": "signatory",
        "signed": "2014-12-18",
        "signature_withdrawn": None,
    }
    assert not ref.is_party("att", "ISR", D(2024, 6, 1))


@pytest.mark.parametrize(
    ("state", "day", "why"),
    [
        ("ISR", D(2024, 6, 1), "ISR is not a State Party on 2024-06-01 (signatory)"),
        ("COL", D(2025, 1, 12), "COL is not a State Party on 2025-01-12"),
        ("COL", D(2025, 1, 13), "COL is a State Party on 2025-01-13"),
        ("RUS", D(2024, 6, 1), "RUS is not a State Party on 2024-06-01 (not a party)"),
    ],
)
def test_the_assessment_says_why_the_treaty_binds_or_not(
    engine: Engine, state: str, day: dt.date, why: str
) -> None:
    """The reason shown with every ATT assessment, read from the participation data."""
    app = build_application(
        {"date": day, "exporting_state": state, "exporter": {"name": "Exporter", "country": state}}
    )
    assessment = engine.assess_regime(app, "att", None)
    assert assessment.binding is why.startswith(f"{state} is a State Party")
    assert assessment.binding_reason.startswith(why)


def test_eu_and_nato_memberships_are_checked(ref: ReferenceData) -> None:
    """Every EU and NATO membership names its source and day of check (2026-12-03); the
    AECA sec. 36 group, whose start dates are inferred, is not yet checked."""
    for group in ("eu", "nato"):
        for member in ref.groups[group].members:
            assert member.checked is not None, (group, member.state)
            assert member.checked.on == D(2026, 12, 3), (group, member.state)
    assert all(m.checked is None for m in ref.groups["aeca_36_higher_thresholds"].members)
