"""Money in integer öre. Rates are rounded to whole kronor as SKR publishes them; after that everything is exact.

Never float: Decimal for percentages and divisions, int öre for every amount.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

ORE_PER_KRONA = 100


def kronor(amount: Decimal | int) -> int:
    """Whole kronor as öre: 1 kr -> 100."""
    return int(Decimal(amount) * ORE_PER_KRONA)


def rate_in_whole_kronor(amount_kr: Decimal) -> int:
    """A monthly or per-dygn rate rounded to whole kronor (half up), as öre: 151.03 kr -> 15100."""
    return int(amount_kr.quantize(Decimal(1), rounding=ROUND_HALF_UP)) * ORE_PER_KRONA


def percent_of(amount_ore: int, percent: Decimal) -> int:
    """A percentage of an amount, rounded half up to whole öre (tax, employer contributions).

    Rounds away from zero on halves for negative amounts too, so a reversed adjustment mirrors the original.
    """
    return int((Decimal(amount_ore) * percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def as_kronor_text(amount_ore: int) -> str:
    """'980.00' for 98000 öre: for exports, never for arithmetic."""
    sign = "-" if amount_ore < 0 else ""
    whole, ore = divmod(abs(amount_ore), ORE_PER_KRONA)
    return f"{sign}{whole}.{ore:02d}"
