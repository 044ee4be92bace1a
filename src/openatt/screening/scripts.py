"""Which script a name is written in (Latin, Cyrillic, Arabic...).

Its own small module because both the importers (labelling listed names) and the matcher
(choosing the skeleton prefilter for a query) need it, and a cold ``openatt screen NAME``
must not import every list importer to answer one query.
"""

from __future__ import annotations

import functools
import unicodedata

_SCRIPT_PREFIXES = (
    ("CJK", "Han"),
    ("HANGUL", "Hangul"),
    ("HIRAGANA", "Japanese"),
    ("KATAKANA", "Japanese"),
    ("CYRILLIC", "Cyrillic"),
    ("ARABIC", "Arabic"),
    ("HEBREW", "Hebrew"),
    ("GREEK", "Greek"),
    ("GEORGIAN", "Georgian"),
    ("ARMENIAN", "Armenian"),
    ("DEVANAGARI", "Devanagari"),
    ("THAI", "Thai"),
    ("MYANMAR", "Myanmar"),
    ("ETHIOPIC", "Ethiopic"),
    ("LATIN", "Latin"),
)


@functools.lru_cache(maxsize=65536)
def script_of(text: str) -> str:
    """The script of the first letter that is not Latin, else ``Latin``.

    Names mixing Latin and another script are labelled with the other one: that is the part
    that needs transliterating.
    """
    if text.isascii():
        return "Latin"
    for char in text:
        if not char.isalpha():
            continue
        name = unicodedata.name(char, "")
        for prefix, script in _SCRIPT_PREFIXES:
            if name.startswith(prefix):
                if script != "Latin":
                    return script
                break
    return "Latin"
