"""Money is stored as integer satang (1 THB = 100 satang): exact, fast to sum."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def baht_to_satang(amount: Decimal | int | float | str) -> int:
    value = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return int(value * 100)


def satang_to_baht(satang: int | None) -> Decimal:
    return (Decimal(satang or 0) / 100).quantize(Decimal("0.01"))


def format_baht(satang: int | None, *, decimals: bool = True) -> str:
    baht = satang_to_baht(satang)
    return f"฿{baht:,.2f}" if decimals else f"฿{baht:,.0f}"
