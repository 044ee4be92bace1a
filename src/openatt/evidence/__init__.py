"""Providers of cited evidence: country indicators turned into the engine's ``Evidence``.

Each provider is a pure function of (state, year) over a file the user downloaded; the
versioned mapping (``data/indicator-mapping-v1.yaml``) says which value counts as what risk,
for which criterion, and why.
"""
