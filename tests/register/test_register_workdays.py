"""Working days and the casework configuration's schema (pure; no database)."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from pydantic import ValidationError

from openatt.register import casework_config, workdays
from openatt.register.routing import Conditions, RuleSpec, matches

HOLIDAYS = {dt.date(2026, 12, 25), dt.date(2026, 12, 28)}


def test_weekends_and_holidays_are_not_counted() -> None:
    friday = dt.date(2026, 12, 4)
    assert workdays.add_working_days(friday, 1, ()) == dt.date(2026, 12, 7)  # Monday
    assert workdays.add_working_days(friday, 5, ()) == dt.date(2026, 12, 11)
    # 24 Dec (Thu) + 1 working day: not Christmas (Fri), not the weekend, not 28 Dec.
    assert workdays.add_working_days(dt.date(2026, 12, 24), 1, HOLIDAYS) == dt.date(2026, 12, 29)
    assert workdays.add_working_days(friday, 0, ()) == friday
    with pytest.raises(ValueError):
        workdays.add_working_days(friday, -1, ())


def test_working_days_between_is_the_inverse() -> None:
    start = dt.date(2026, 12, 1)
    for days in (1, 7, 20, 45):
        end = workdays.add_working_days(start, days, HOLIDAYS)
        assert workdays.working_days_between(start, end, HOLIDAYS) == days
        assert workdays.working_days_between(end, start, HOLIDAYS) == -days


def test_the_packaged_configuration_loads_with_a_source_for_its_holidays() -> None:
    config = casework_config.load()
    assert config.public_holidays.source.strip()
    assert dt.date(2026, 12, 25) in config.holiday_dates
    assert all(1 <= days <= 365 for days in config.target_working_days.values())


def _packaged() -> dict[str, object]:
    loaded: dict[str, object] = yaml.safe_load(casework_config.DEFAULT.read_text("utf-8"))
    return loaded


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"target_working_days": {"export": 20}}, "target_working_days has no value"),
        ({"unknown": 1}, "unknown"),
        ({"public_holidays": {"dates": []}}, "source"),
        (
            {
                "screening_flag": {
                    "name": "Hit",
                    "level": "goods",
                    "colour": "red",
                    "blocking": False,
                    "cleared_by_role": "officer",
                }
            },
            "screening_flag.level",
        ),
        (
            {
                "public_holidays": {
                    "source": "s",
                    "dates": [
                        {"date": "2026-01-01", "name": "a"},
                        {"date": "2026-01-01", "name": "b"},
                    ],
                }
            },
            "listed twice",
        ),
    ],
)
def test_a_bad_configuration_is_refused_naming_the_place(
    change: dict[str, object], where: str
) -> None:
    document = {**_packaged(), **change}
    with pytest.raises(ValidationError, match=where):
        casework_config.parse(yaml.safe_dump(document))


def test_another_configuration_file_changes_target_dates(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    document = _packaged()
    document["version"] = "test-5-days"
    document["target_working_days"] = dict.fromkeys(
        ("export", "import", "transit", "trans-shipment", "brokering"), 5
    )
    path = tmp_path / "casework.yaml"
    path.write_text(yaml.safe_dump(document), "utf-8")
    monkeypatch.setenv(casework_config.ENV, str(path))
    from openatt.register.queues import target_for

    days, target, version = target_for("export", dt.date(2026, 12, 4))
    assert (days, target, version) == (5, dt.date(2026, 12, 11), "test-5-days")


def test_rule_conditions_all_hold_or_the_rule_does_not_apply() -> None:
    from openatt.core.model import Category, TransferKind

    facts = {
        "destinations": {"SAU", "ARE"},
        "control_entries": ["ML4.B", ""],
        "categories": {Category.VII},
        "kind": TransferKind.export,
        "hits": [],
        "denials": True,
        "items": [],
    }
    held = matches(Conditions(destinations=("SAU",), control_entries=("ml4",)), facts)
    assert held == ["destination SAU", "control entry ML4.B"]
    assert matches(Conditions(destinations=("SAU",), screening_hits=True), facts) is None
    assert matches(Conditions(notified_denials=True), facts) == ["a notified denial"]
    assert matches(Conditions(categories=(Category.I,)), facts) is None
    with pytest.raises(ValidationError, match="at least one condition"):
        RuleSpec.model_validate({"name": "r", "when": {}, "then": {"queues": ["q"]}})
    with pytest.raises(ValidationError, match="queue or set a flag"):
        RuleSpec.model_validate({"name": "r", "when": {"destinations": ["SAU"]}, "then": {}})
