"""Rupiah the Indonesian way: ``Rp25.000`` (dot for thousands, no decimals, no space)."""

from __future__ import annotations

import re

from assistant.errors import AssistantError

_SUFFIX = {"rb": 1_000, "ribu": 1_000, "k": 1_000, "jt": 1_000_000, "juta": 1_000_000}


def format_rupiah(amount: int) -> str:
    """25000 -> ``Rp25.000``; 1500000 -> ``Rp1.500.000``."""
    amount = int(round(amount))
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp{abs(amount):,}".replace(",", ".")


def parse_rupiah(text: str | int | float | None) -> int | None:
    """What a vendor types to an amount: ``25000``, ``25.000``, ``Rp 25.000``, ``25rb``, ``1,5jt``."""
    if text is None or text == "":
        return None
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        value = float(text)
    else:
        s = str(text).strip().lower().replace("rp", "").replace(" ", "")
        m = re.fullmatch(r"(\d+(?:[.,]\d+)*)(rb|ribu|k|jt|juta)?", s)
        if not m:
            raise AssistantError("promo_price_invalid", value=str(text))
        number, suffix = m.groups()
        if suffix:
            value = float(number.replace(".", "").replace(",", ".")) if number.count(",") == 1 and \
                "." not in number else float(number.replace(",", "."))
            value *= _SUFFIX[suffix]
        else:
            # dots and commas are thousands separators in a plain Rupiah amount
            value = float(re.sub(r"[.,]", "", number))
    if value <= 0 or value > 10_000_000_000:
        raise AssistantError("promo_price_invalid", value=str(text))
    return int(round(value))


def discount_percent(price: int, old_price: int | None) -> int | None:
    """Whole percent off, rounded down (a shop never promises more than it gives); None when none."""
    if not old_price or old_price <= price:
        return None
    return int((old_price - price) * 100 // old_price)
