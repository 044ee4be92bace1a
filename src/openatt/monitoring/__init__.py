"""Monitoring world transfers: import SIPRI data, assess every transfer with one set of
criteria, and audit whether the criteria are applied evenly across suppliers.

SIPRI's terms do not allow redistribution: openatt ships no SIPRI data; it reads the file the
user downloaded, and keeps each transfer's source row so every figure can be traced back.
"""
