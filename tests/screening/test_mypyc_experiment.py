"""The edits made before mypyc compiles the screening modules (`openatt lists compile`,
``openatt.screening.compiled``) change nothing.

mypyc needs a few edits (a dict annotation, a float start for ``sum``, Python classes for what
is pickled). Here, without compiling: every edit still applies to the sources, and the edited
sources, run as plain Python, score names and pickle queries and hits exactly as the sources
do; an edit that changes a sum (the negative control) is seen. The compiled build itself is
held to the sources' output in ``test_compiled_build.py``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from openatt.screening import compiled

ROOT = Path(__file__).resolve().parents[2]

# Run in a new process with the tree under test first on the path: name scores (repr, so
# every bit counts), the pairs, and a query and a hit through pickle.
PROBE = """
import pickle
from openatt.screening import scoring
from openatt.screening.matcher import Hit

def weight(token):
    return 1.0 + len(token) / 7.0

cases = [
    (("viktor", "bout"), ("viktor", "anatolyevich", "bout")),
    (("wassilij", "petrow"), ("vasiliy", "ivanovich", "petrov")),
    (("abdul", "rahman", "ali"), ("abdulrahman", "ali")),
    (("qasim", "soleimani"), ("qassem", "suleimani")),
    (("j", "smith"), ("john", "william", "smith")),
    (("ahmad", "x"), ("mohammad", "ali", "ahmad", "khan")),
]
for query, listed in cases:
    match = scoring.name_similarity(query, listed, weight)
    print(repr(match.score), match.pairs, match.method)
query = scoring.Query("Viktor Bout", "1967-01-13", "RUS", "person", ("A1",))
print(pickle.loads(pickle.dumps(query)) == query)
hit = Hit("un", "v1", "UN", "QDi.1", "Viktor Bout", 0.97, None, None, {"a": 1})
print(pickle.loads(pickle.dumps(hit)) == hit)
"""


def _probe(src: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        env={"PYTHONPATH": str(src), "PATH": "", "OPENATT_COMPILED": "off"},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def test_every_edit_still_applies_once() -> None:
    package = ROOT / "src" / "openatt" / "screening"
    modules = set(compiled.MODULES)
    for module, old, new in compiled.EDITS:
        assert module in modules
        assert (package / f"{module}.py").read_text("utf-8").count(old) == 1, (module, old)
        assert new != old


def test_the_edited_sources_score_and_pickle_as_the_sources(tmp_path: Path) -> None:
    pytest.importorskip("mypy_extensions")  # the edits import mypyc_attr
    plain = _probe(ROOT / "src")
    assert plain.count("\n") == 8 and plain.endswith("True\nTrue\n")
    package = ROOT / "src" / "openatt"
    edited = compiled.edited_copy(tmp_path / "edited", package)
    assert _probe(edited) == plain
    # Negative control: a sum started at 1.0 instead of 0.0 changes the scores, and is seen.
    wrong = tuple(
        (module, old, new.replace("], 0.0", "], 1.0")) for module, old, new in compiled.EDITS
    )
    changed = compiled.edited_copy(tmp_path / "wrong", package, wrong)
    assert _probe(changed) != plain
