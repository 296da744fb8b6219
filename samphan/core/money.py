"""Money is stored as integer satang (1 THB = 100 satang): exact, fast to sum."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from samphan.core.display import money_decimals


def baht_to_satang(amount: Decimal | int | float | str) -> int:
    value = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return int(value * 100)


def satang_to_baht(satang: int | None) -> Decimal:
    return (Decimal(satang or 0) / 100).quantize(Decimal("0.01"))


def format_baht(satang: int | None, *, decimals: bool | None = None) -> str:
    """``฿1,050.00`` or ``฿1,050``: as ``decimals`` says, else as the workspace chose
    (``core.display``). A negative amount reads ``−฿50.00``."""
    if decimals is None:
        decimals = money_decimals()
    baht = satang_to_baht(satang)
    sign = "−" if baht < 0 else ""
    if decimals:
        return f"{sign}฿{abs(baht):,.2f}"
    # Half a baht rounds up, as a shop rounds (Python's own formatting rounds half to even).
    return f"{sign}฿{abs(baht).quantize(Decimal('1'), rounding=ROUND_HALF_UP):,.0f}"


def format_baht_range(low: int | None, high: int | None, *, decimals: bool | None = None) -> str:
    """``฿10.50–฿20.00``: both ends formatted alike; one end alone when the other is missing or
    equal."""
    if low is None or high is None or low == high:
        return format_baht(low if high is None else high, decimals=decimals)
    return f"{format_baht(low, decimals=decimals)}–{format_baht(high, decimals=decimals)}"
