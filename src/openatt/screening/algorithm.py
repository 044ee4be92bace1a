"""Which version of the matching algorithm screens, and its parameters (data, never code).

Every stored hit records the algorithm that produced it, so parameters are never edited in
place: a change is a new file (``match_v2.yaml`` beside the frozen ``match_v1.yaml``) with
its own name rules file, and this module names the one in force.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

import yaml

CURRENT = "match_v2.yaml"


@functools.cache
def config() -> dict[str, Any]:
    """The parameters of the algorithm in force."""
    text = resources.files("openatt.screening").joinpath(f"data/{CURRENT}").read_text("utf-8")
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded


def data_files() -> tuple[str, ...]:
    """The data files the algorithm in force reads (an index is keyed by their checksum)."""
    return (CURRENT, str(config()["name_rules"]), str(config()["romanisation"]))
