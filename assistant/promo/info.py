"""A product's facts from what the vendor wrote: sizes, net contents, and the files a product
folder may hold (``produk.toml``: title, points, size, contents, registration, prices; ``INFO.toml``:
the label designer's label). The CLI (``listing``), the batch (``promo.batch``) and the app read
them the same way, so each makes the same set for the same folder.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from assistant.errors import AssistantError
from assistant.promo.cards import ProductInfo
from assistant.promo.money import parse_rupiah

PRODUCT_FILE = "produk.toml"
LABEL_FILE = "INFO.toml"  # the label designer's file (python -m assistant label)
INFO_KEYS = ("title", "points", "size_cm", "net", "registration", "price", "old_price", "badges", "cta")


def parse_size(text: str | None) -> tuple[float, float, float] | None:
    """``14x20x6`` (cm; ``x``, ``×`` or ``*``; a decimal comma) to (w, h, d); ``14x20`` takes half the width as depth."""
    if not text:
        return None
    parts = re.split(r"\s*[x×*]\s*", text.strip().lower().replace("cm", "").replace(",", "."))
    try:
        values = tuple(float(v) for v in parts)
    except ValueError:
        raise AssistantError("promo_size_invalid", value=text) from None
    if len(values) == 2:
        values = values + (values[0] * 0.5,)
    if len(values) != 3 or min(values) <= 0:
        raise AssistantError("promo_size_invalid", value=text)
    return values  # type: ignore[return-value]


def parse_net(text: str | None) -> float | None:
    """``250 g`` / ``1 kg`` / ``500 ml`` / ``1,5 l`` to grams (or ml), for a shop's one scale."""
    if not text:
        return None
    m = re.fullmatch(r"\s*(\d+(?:[.,]\d+)?)\s*(g|gr|gram|kg|ml|l|liter|litre)\s*", text.lower())
    if not m:
        raise AssistantError("promo_weight_invalid", value=text)
    value = float(m.group(1).replace(",", "."))
    return value * (1000 if m.group(2) in ("kg", "l", "liter", "litre") else 1)


def title_from(folder: str) -> str:
    """A product folder's name as a card title: ``keripik_balado-pedas`` -> ``Keripik balado pedas``."""
    text = re.sub(r"[_\-]+", " ", folder).strip()
    return text[:1].upper() + text[1:]


def read_product_file(folder: Path | None) -> dict:
    """The known keys of a product folder's ``produk.toml`` (empty when there is none)."""
    own = folder / PRODUCT_FILE if folder is not None else None
    if own is None or not own.is_file():
        return {}
    try:
        data = tomllib.loads(own.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise AssistantError("promo_product_file_invalid", file=str(own), detail=str(exc)) from None
    return {k: v for k, v in data.items() if k in INFO_KEYS}


def read_label(folder: Path | None, default: Path | None = None):
    """The product's designed label: its folder's own INFO.toml, else ``default``'s (or None)."""
    from assistant.label import read_info

    own = folder / LABEL_FILE if folder is not None else None
    if own is not None and own.is_file():
        return read_info(own)
    return read_info(default) if default is not None else None


def product_info(values: dict, folder_name: str = "", folder: Path | None = None,
                 label: Path | None = None) -> ProductInfo:
    """``values`` (the vendor's, ``None`` for not given) with the product folder's own
    ``produk.toml`` over them, its ``INFO.toml`` (else ``label``) as its designed label, and
    the folder's name as the title when none is given."""
    values = {k: values.get(k) for k in INFO_KEYS} | read_product_file(folder)
    points = values["points"]
    if isinstance(points, str):
        points = [p for p in points.split(";")]
    badges = values["badges"]
    if isinstance(badges, str):
        badges = [b.strip().lower() for b in badges.split(",") if b.strip()]
    size = values["size_cm"]
    size = parse_size(size) if isinstance(size, str) else (tuple(float(v) for v in size) if size else None)
    net = str(values["net"] or "")
    title = values["title"] or (title_from(folder_name) if folder_name else "")
    return ProductInfo(label=read_label(folder, label), title=str(title), points=tuple(points or ()), size_cm=size,
                       net=net, grams=parse_net(net), registration=str(values["registration"] or ""),
                       price=parse_rupiah(values["price"]), old_price=parse_rupiah(values["old_price"]),
                       badges=tuple(badges or ()), cta=str(values["cta"] or ""))
