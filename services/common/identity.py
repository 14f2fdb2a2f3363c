"""Personnummer and samordningsnummer: parse, validate, mask. See docs/domain.md, "Identity numbers".

The `personnummer` package checks the checksum and the date. It reads today's date to guess the century of a
10-digit number, which would make the domain depend on the clock; so the century is worked out here from the day
the command carries, and the package only ever sees the 12-digit form.

Only ASCII digits are accepted: Python's `\\d` also matches other scripts' digits, which would let one person be
registered twice under two spellings of the same number.

Nothing here puts the number into an exception text: callers turn errors into messages that go to logs.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from personnummer import personnummer  # the package's __init__ is empty: the API lives in this module

from .sweden import age_on

ADULT_AGE = 18
MASK = "****"  # what stands for the last four digits wherever a number is shown masked

# YYMMDD or YYYYMMDD, an optional separator ("+" marks a 10-digit number of someone 100 or older), 4 digits.
_FORM = re.compile(r"^([0-9]{2})?([0-9]{2})([0-9]{2})([0-9]{2})([-+]?)([0-9]{4})$")


class InvalidIdentityNumber(ValueError):
    """Not a valid personnummer or samordningsnummer. The text says why, never what the number was."""


@dataclass(frozen=True)
class IdentityNumber:
    number: str  # normalised: "YYYYMMDD-NNNN" (a samordningsnummer keeps its day + 60)
    kind: str  # "personnummer" | "samordningsnummer"
    birth_date: date

    @property
    def digits(self) -> str:
        """The twelve digits without separator: "YYYYMMDDNNNN"."""
        return self.number.replace("-", "")

    def age_on(self, day: date) -> int:
        return age_on(self.birth_date, day)


def has_identity_form(value) -> bool:
    """Whether `value` is written as an identity number is, in ASCII digits 0-9 (other scripts' digits, which
    str.isdigit() takes, are not): input to refuse as invalid. The checksum and the date are
    parse_identity_number's to check."""
    return isinstance(value, str) and _FORM.match(value.strip()) is not None


def parse_identity_number(value: str, on: date) -> IdentityNumber:
    """Parse a personnummer or samordningsnummer in any usual form, as it reads on the day `on`.

    Accepts "YYYYMMDD-NNNN", "YYYYMMDDNNNN", "YYMMDD-NNNN", "YYMMDDNNNN" and "YYMMDD+NNNN".
    Raises InvalidIdentityNumber on bad form, checksum or date.
    """
    match = _FORM.match(value.strip()) if isinstance(value, str) else None
    if not match:
        raise InvalidIdentityNumber("not in the form YYYYMMDD-NNNN")
    century, yy, month, day, separator, digits = match.groups()
    if century:
        full_year = int(century + yy)
    else:
        # The most recent year ending in yy, not after `on`; "+" means a hundred years earlier.
        full_year = on.year - ((on.year - int(yy)) % 100) - (100 if separator == "+" else 0)
    twelve_digits = f"{full_year:04d}{month}{day}{digits}"
    try:
        parsed = personnummer.parse(twelve_digits)
        birth_date = parsed.get_date()
    except (personnummer.PersonnummerException, ValueError):
        raise InvalidIdentityNumber("checksum or date is wrong") from None
    kind = "samordningsnummer" if parsed.is_coordination_number() else "personnummer"
    return IdentityNumber(f"{twelve_digits[:8]}-{twelve_digits[8:]}", kind, birth_date)


def normalise_identity_number(value: str, on: date) -> str:
    """The stored form "YYYYMMDD-NNNN", for looking up duplicates. Raises InvalidIdentityNumber."""
    return parse_identity_number(value, on).number


def mask_personnummer(value: str | None) -> str | None:
    """For lists and logs: "19900101-1234" (or "199001011234") -> "19900101-****"; None stays None.

    The birth date stays readable (staff tell people apart by it); whatever does not parse is masked whole.
    """
    if value is None:
        return None
    match = _FORM.match(value.strip()) if isinstance(value, str) else None
    if not match:
        return MASK
    century, yy, month, day, separator, _ = match.groups()
    return f"{century or ''}{yy}{month}{day}{separator or '-'}{MASK}"


def personnummer_for(born: date, serial: int) -> str:
    """The personnummer "YYYYMMDD-NNNC" of someone born on `born` with the serial number 1-999, check digit
    worked out. For test and demo data only: real numbers are Skatteverket's to issue. Serial 000 is never
    issued, and the package refuses it."""
    if not 1 <= serial <= 999:
        raise ValueError("a serial number is 001-999")
    digits = f"{born:%y%m%d}{serial:03d}"
    return f"{born:%Y%m%d}-{digits[6:]}{personnummer._luhn(digits)}"
