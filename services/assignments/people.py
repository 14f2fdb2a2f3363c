"""Personnummer and samordningsnummer, read without looking at the clock.

The `personnummer` package guesses the century of a 10-digit number from today's date; a decider may not read
the clock, so the century is resolved here against a date the command carries, and the package then checks the
12-digit form (checksum and date; a samordningsnummer's day + 60 is understood).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from personnummer import personnummer as _pn

_FORM = re.compile(r"^(\d{2})?(\d{2})(\d{4})([-+]?)(\d{4})$")


@dataclass(frozen=True)
class Identity:
    personnummer: str  # 12 digits, no separator: "201203142386"
    birth_date: date


def parse_personnummer(text: str, on: date) -> Identity:
    """Validate and normalise a personnummer as of `on`; ValueError (without the number) when invalid.

    10-digit forms take the century that makes the person younger than 100 on `on`, or 100 or older with '+'.
    """
    match = _FORM.match(text.strip().replace(" ", ""))
    if not match:
        raise ValueError("not a personnummer")
    century, yy, mmdd, sep, tail = match.groups()
    if century:
        year = int(century + yy)
    else:
        year = on.year - ((on.year - int(yy)) % 100)
        if sep == "+":
            year -= 100
    long_form = f"{year:04d}{mmdd}{tail}"
    try:
        birth_date = _pn.parse(long_form).get_date()
    except _pn.PersonnummerException:
        raise ValueError("not a valid personnummer") from None
    if birth_date > on:
        raise ValueError("born after the date given")
    return Identity(long_form, birth_date)


def mask(personnummer_12: str) -> str:
    """For lists: '20120314-XXXX'."""
    return f"{personnummer_12[:8]}-XXXX"
