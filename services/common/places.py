"""Swedish municipalities (SCB kommunkod) and postnummer, from the shipped CC0 data."""
import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Municipality:
    code: str  # kommunkod, 4 digits as text: "0180"
    name: str  # "Stockholms kommun"
    short_name: str  # "Stockholm"
    county_code: str  # län, 2 digits


@lru_cache(maxsize=1)
def municipalities() -> dict[str, Municipality]:
    with open(DATA / "municipalities.csv", encoding="utf-8") as f:
        return {
            row["municipality_code"]: Municipality(
                row["municipality_code"], row["municipality_name"],
                row["municipality_name_short"], row["county_code"])
            for row in csv.DictReader(f)
        }


@lru_cache(maxsize=1)
def _postnummer() -> dict[str, str]:
    with open(DATA / "postal_to_municipality.csv", encoding="utf-8") as f:
        return {row["postal_code"]: row["municipality_code"] for row in csv.DictReader(f)}


def is_municipality(code: str) -> bool:
    return code in municipalities()


def municipality_of_postnummer(postnummer: str) -> str | None:
    """The kommunkod of a postnummer, or None where the extract does not know it (not an error)."""
    return _postnummer().get(normalise_postnummer(postnummer))


def normalise_postnummer(postnummer: str) -> str:
    """'123 45' and '12345' are the same postnummer."""
    return postnummer.replace(" ", "")
