"""The matcher's parameters are read through a schema: every shipped version fits it, and a
file that does not is refused naming the field."""

from __future__ import annotations

from importlib import resources

import pytest
import yaml

from openatt.screening import algorithm
from openatt.screening.algorithm import MatcherConfigError


@pytest.mark.parametrize("name", ["match_v1.yaml", "match_v2.yaml", "match_v3.yaml"])
def test_every_shipped_version_fits_the_schema_whole(name: str) -> None:
    raw = yaml.safe_load(
        resources.files("openatt.screening").joinpath(f"data/{name}").read_text("utf-8")
    )
    assert algorithm.load_parameters(name).model_dump(exclude_unset=True) == raw


def test_the_algorithm_in_force_is_typed() -> None:
    current = algorithm.parameters()
    assert current.algorithm == "openatt-match-v3"
    assert (
        isinstance(current.features.kind_disagrees, float) and current.features.kind_disagrees < 0
    )
    assert algorithm.config()["features"]["kind_disagrees"] == current.features.kind_disagrees


@pytest.mark.parametrize(
    ("section", "key", "value", "where"),
    [
        ("features", "kind_disagrees", "a lot", "features.kind_disagrees"),
        ("candidates", "prefilter_cutoff", 162, "candidates.prefilter_cutoff"),
        ("name", "token_flor", 0.6, "name.token_flor"),
    ],
)
def test_a_bad_parameter_is_refused_naming_the_field(
    section: str, key: str, value: object, where: str
) -> None:
    raw = algorithm.parameters().model_dump()
    raw[section][key] = value
    with pytest.raises(MatcherConfigError) as refused:
        algorithm.parse_parameters(yaml.safe_dump(raw), "match_v9.yaml")
    assert str(refused.value).startswith(f"match_v9.yaml: {where}: ")
    assert refused.value.field == tuple(where.split("."))
