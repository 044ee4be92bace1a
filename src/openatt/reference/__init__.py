"""Reference data shipped with the package: embargoes, treaty status, control lists, states.

Each file under ``data/`` is written from public sources; every entry carries its citation and
the dates between which it applies, and is loaded through a strict schema (``schema.py``).
"""
