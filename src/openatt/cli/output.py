"""Consoles that print what the commands show as it is written.

rich reads ``[...]`` in a printed string as markup, and ``:name:`` as an emoji: a party, a
team or a file named ``Ali [/]`` raised a MarkupError (a traceback, exit 1) and ``ACME
[holdings] Ltd`` printed as ``ACME  Ltd`` (found 2026-12-06 in ``openatt screen``, then in
the other commands). What is printed comes from the register, the law, the lists and the
user's files, so these consoles read no markup and no emoji codes, and the words a command
styles itself are :class:`~rich.text.Text` (``styled``), never markup in a string.
"""

from __future__ import annotations

from rich.console import Console
from rich.text import Text


def console(*, stderr: bool = False, highlight: bool = True, soft_wrap: bool = False) -> Console:
    """A console that prints strings as they are written (rich's highlighting kept)."""
    return Console(
        stderr=stderr, markup=False, emoji=False, highlight=highlight, soft_wrap=soft_wrap
    )


def styled(word: str, style: str, rest: str = "") -> Text:
    """``word`` in ``style``, then ``rest`` as it is written (``[red]error:[/red] rest``)."""
    return Text.assemble((word, style), rest)
