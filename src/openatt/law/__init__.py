"""The law as cited, dated data: regimes (att, eu, us, uk) and user-written national overlays.

A regime is a YAML file under ``data/`` loaded through ``schema.Regime``: who it binds, what it
covers, its thresholds, and its rules, each with an id, a citation and dated versions. The
rules name an *evaluator* (a small pure function in ``openatt.core.rules``) and its params.
"""
