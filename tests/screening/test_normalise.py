# ruff: noqa: RUF001  (names are written in Cyrillic, Greek and other scripts on purpose)
"""Normalisation: transliteration of many scripts, diacritics, legal forms, honorifics."""

from __future__ import annotations

import pytest

from openatt.screening.importers._common import partial_date, script_of
from openatt.screening.normalise import name_tokens, skeleton


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("Владимир Викторович Христенко", ("vladimir", "viktorovich", "khristenko")),  # Cyrillic
        ("José María ÑÚÑEZ-Çelik", ("jose", "maria", "nunez", "celik")),  # diacritics
        ("محمد حسن", ("mhmd", "hsn")),  # Arabic: anyascii writes no short vowels
        ("习近平", ("xijinping",)),  # Chinese, as pinyin
        ("김정은", ("gimjeongeun",)),  # Korean
        ("ザラ・アエロ", ("zara", "aero")),  # Japanese katakana
        ("שמעון פרס", ("smvn", "frs")),  # Hebrew
        ("Εταιρία Inter", ("etairia", "inter")),  # Greek
        ("KATIE ELLEN O'BRIEN", ("katie", "ellen", "obrien")),  # apostrophe kept inside token
        ("GAZPROM MEZHREGIONGAZ, OOO", ("gazprom", "mezhregiongaz")),  # legal form
        ("Общество с ограниченной ответственностью “Интер Тобако”", ("inter", "tobako")),
        ("Limited Liability Company ZALA Aero", ("zala", "aero")),
        ("Mullah Mohammad HASSAN", ("mohammad", "hassan")),  # honorific
        ("Co", ("co",)),  # never normalised to nothing
    ],
)
def test_name_tokens(text: str, tokens: tuple[str, ...]) -> None:
    assert name_tokens(text) == tokens


def test_transliteration_variants_share_a_skeleton() -> None:
    assert skeleton("mohammed") == skeleton("muhammad") == skeleton("mhmd")
    assert skeleton("yousef") == skeleton("yusuf")
    assert skeleton("khristenko") != skeleton("kiriyenko")


@pytest.mark.parametrize(
    ("text", "script"),
    [
        ("Иван", "Cyrillic"),
        ("محمد", "Arabic"),
        ("ザラ", "Japanese"),
        ("金", "Han"),
        ("Zoë", "Latin"),
        ("김", "Hangul"),
    ],
)
def test_script_of(text: str, script: str) -> None:
    assert script_of(text) == script


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1969-7-16", "1969-07-16"),
        ("10 Dec 1948", "1948-12-10"),
        ("Dec 1948", "1948-12"),
        ("1962", "1962"),
        ("circa", None),
    ],
)
def test_partial_dates(value: str, expected: str | None) -> None:
    assert partial_date(value) == expected
