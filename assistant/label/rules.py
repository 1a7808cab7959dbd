"""The label rules check: mandatory items, permit number, units, regulated statements, text size.

The rules and their sources are data (``presets/labels/rules.toml``): each says whether it is
official (written in the regulation) or our reading (a number or format the regulation does not
give). A ``Problem`` names the INFO.toml field, a stable code and the message in plain
Indonesian with what to do. ``severity`` is ``wajib`` (a mandatory item is missing or wrong:
``label check`` exits 1) or ``saran`` (advice). Nothing here approves a label: BPOM decides.
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from assistant.i18n import t
from assistant.label.info import LabelInfo
from assistant.resources import data_dir

RULES_FILE = data_dir("presets") / "labels" / "rules.toml"


@functools.cache
def rules() -> dict:
    """The rules data (sources, mandatory items, statements, allergens, text sizes)."""
    with RULES_FILE.open("rb") as handle:
        return tomllib.load(handle)


def wording() -> dict[str, str]:
    """What the label prints around the vendor's information, always in Indonesian."""
    return rules()["wording"]


@dataclass(frozen=True)
class Problem:
    """One thing to fix or consider on the label."""

    field: str
    code: str
    severity: str            # "wajib" or "saran"
    source: str              # key in rules()["sources"]
    kind: str                # "official" or "reading"
    params: tuple = ()

    def message(self, lang: str | None = None) -> str:
        return t(self.code, lang, **dict(self.params))

    def as_dict(self, lang: str | None = None) -> dict:
        src = rules()["sources"].get(self.source, {})
        return {"field": self.field, "code": self.code, "message": self.message(lang),
                "severity": self.severity, "kind": self.kind, "source": src.get("title", self.source),
                "checked": str(src.get("checked", ""))}


def _words(text: str) -> str:
    return " " + re.sub(r"[^0-9a-zà-ÿ-]+", " ", text.lower()) + " "


def _has(text: str, word: str) -> bool:
    return f" {word.lower()} " in _words(text)


# --------------------------------------------------------------------------- permit

def permit_parts(kind: str, number: str) -> tuple[str, str] | None:
    """(kind, digits) when the number is well formed for its kind, else None.

    Accepts what vendors type: "P-IRT No. 2063404010123-29", "PIRT 206340401012329",
    "BPOM RI MD 224510001051", "MD 224510001051". The kind may come from the number itself.
    """
    raw = number.upper().replace("NO.", " ").replace("NOMOR", " ")
    k = kind.upper().replace(" ", "").replace("PIRT", "P-IRT").replace("SPP-", "")
    if re.search(r"P-?IRT", raw):
        k = "P-IRT"
    elif re.search(r"\bMD\b", raw):
        k = "MD"
    elif re.search(r"\bML\b", raw):
        k = "ML"
    rest = re.sub(r"P-?IRT|BPOM|RI|\bMD\b|\bML\b|[:.]", " ", raw).strip()
    r = rules()["permit"]
    if k == "P-IRT":
        m = re.fullmatch(r"(\d{13})\s*-?\s*(\d{2})", rest.replace(" ", ""))
        if m and m.group(1)[0] in "12345678":
            return "P-IRT", m.group(1) + m.group(2)
        return None
    if k in ("MD", "ML"):
        digits = rest.replace(" ", "")
        if re.fullmatch(rf"\d{{{r['bpom_digits']}}}", digits):
            return k, digits
    return None


def format_permit(kind: str, number: str) -> str:
    """The number as it is printed: "P-IRT No. 2063404010123-29", "BPOM RI MD 224510001051";
    a malformed number is printed as the vendor typed it (the check reports it)."""
    parts = permit_parts(kind, number)
    if parts is None:
        return number.strip()
    k, digits = parts
    if k == "P-IRT":
        return f"P-IRT No. {digits[:13]}-{digits[13:]}"
    return f"BPOM RI {k} {digits}"


# --------------------------------------------------------------------------- statements

def allergens(info: LabelInfo) -> dict[str, list[str]]:
    """Allergen group -> the ingredient words that contain it (declared groups included)."""
    found: dict[str, list[str]] = {}
    groups = rules()["allergens"]["groups"]
    for group, words in groups.items():
        hits = [w for w in words if any(_has(b, w) for b in info.bahan)]
        if hits or any(_has(a, group) or any(_has(a, w) for w in words) for a in info.alergen):
            found[group] = hits
    return found


def statements(info: LabelInfo) -> list[tuple[str, str]]:
    """The regulated statements this label must carry, (key, text), in print order."""
    out = []
    table = rules()["statements"]
    for key, st in table.items():
        triggered = any(_has(b, w) for b in info.bahan for w in st["triggers"])
        if key == "fasilitas_babi":
            triggered = info.fasilitas_babi
        if triggered or key in info.peringatan:
            out.append((key, st["text"]))
    return out


def allergen_statement(info: LabelInfo) -> str:
    found = allergens(info)
    return (wording()["allergens"] + " " + ", ".join(found) + ".") if found else ""


# --------------------------------------------------------------------------- the check

def min_font_size(font_xheight: float, face_mm: tuple[float, float]) -> float:
    """Smallest font size (points) whose x-height meets the rule on a face of ``face_mm``."""
    tx = rules()["text"]
    area_cm2 = face_mm[0] * face_mm[1] / 100
    xh = tx["small_x_height_mm"] if area_cm2 < tx["small_face_cm2"] else tx["min_x_height_mm"]
    return xh / font_xheight / 25.4 * 72


def _date(text: str) -> _dt.date | None:
    for fmt in ("%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y-%m-%d", "%m-%Y", "%m/%Y"):
        try:
            return _dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None


def check(info: LabelInfo, today: _dt.date | None = None) -> list[Problem]:
    """Every problem found in the information itself (the layout's own checks come from fitting)."""
    r = rules()
    out: list[Problem] = []

    def add(field, code, severity, source, kind, **params):
        out.append(Problem(field, code, severity, source, kind, tuple(params.items())))

    values = {
        "produk.nama_jenis": info.nama_jenis, "produk.merek": info.merek, "komposisi.bahan": info.bahan,
        "produk.berat_bersih": info.berat_bersih, "produsen.nama": info.produsen_nama,
        "produsen.alamat": info.produsen_alamat, "izin.nomor": info.izin_nomor,
    }
    for item in r["mandatory"]:
        if not values[item["field"]]:
            add(item["field"], item["code"], "wajib", item["source"], item["kind"])

    # net quantity and its unit
    u = r["units"]
    if info.berat_bersih:
        try:
            ok = float(info.berat_bersih.replace(",", ".")) > 0
        except ValueError:
            ok = False
        if not ok:
            add("produk.berat_bersih", "label_net_not_number", "wajib", u["source"], u["kind"],
                value=info.berat_bersih)
        if not info.satuan:
            add("produk.satuan", "label_unit_missing", "wajib", u["source"], u["kind"],
                allowed=", ".join(u["allowed"]))
        elif info.satuan not in u["allowed"] and info.satuan.lower() not in ("ml", "l"):
            fix = u["fix"].get(info.satuan) or u["fix"].get(info.satuan.lower()) or ""
            add("produk.satuan", "label_unit_invalid", "wajib", u["source"], u["kind"], value=info.satuan,
                fix=fix or u["allowed"][0], allowed=", ".join(u["allowed"]))

    # permit number
    p = r["permit"]
    if info.izin_nomor:
        kind = info.izin_jenis.upper().replace(" ", "")
        parts = permit_parts(info.izin_jenis, info.izin_nomor)
        if parts is None:
            guess = "P-IRT" if "IRT" in (kind + info.izin_nomor.upper()) else (kind or "P-IRT")
            if guess == "P-IRT":
                add("izin.nomor", "label_permit_pirt_format", "wajib", p["pirt_source"], "official",
                    value=info.izin_nomor)
            elif guess in ("MD", "ML"):
                add("izin.nomor", "label_permit_bpom_format", "wajib", p["bpom_source"], "official",
                    value=info.izin_nomor, permit=guess)
            else:
                add("izin.jenis", "label_permit_kind", "wajib", p["pirt_source"], "official",
                    value=info.izin_jenis)

    # halal: required for most food once the phase-in ends; printed only with a certificate
    h = r["halal"]
    if not info.halal_nomor:
        add("izin.halal", "label_halal_none", "saran", h["source"], h["kind"])
    if info.halal_logo is not None and not info.halal_logo.is_file():
        add("izin.logo_halal", "label_halal_logo_missing", "wajib", h["source"], h["kind"],
            path=str(info.halal_logo.name))
    if info.halal_logo is not None and not info.halal_nomor:
        add("izin.halal", "label_halal_logo_without_number", "wajib", h["source"], h["kind"])

    # dates: blank is fine (stamp boxes); a written date must read as a date and not be past
    e = r["expiry"]
    if info.kedaluwarsa:
        d = _date(info.kedaluwarsa)
        if d is None:
            add("tanggal.kedaluwarsa", "label_expiry_format", "wajib", e["source"], e["kind"], value=info.kedaluwarsa)
        elif d < (today or _dt.date.today()):
            add("tanggal.kedaluwarsa", "label_expiry_past", "wajib", e["source"], e["kind"], value=info.kedaluwarsa)
    else:
        add("tanggal.kedaluwarsa", "label_expiry_stamp", "saran", e["source"], e["kind"])
    if not info.kode_produksi:
        add("tanggal.kode_produksi", "label_code_stamp", "saran", e["source"], e["kind"])

    # regulated statements added because of an ingredient
    for key, text in statements(info):
        st = r["statements"][key]
        code = {"pemanis_buatan": "label_warning_sweetener", "fenilalanin": "label_warning_phenylalanine",
                "poliol": "label_warning_polyol", "fasilitas_babi": "label_warning_pork_facility",
                "mengandung_babi": "label_warning_pork"}.get(key, "label_warning_other")
        severity = "wajib" if key == "mengandung_babi" else "saran"
        add("komposisi.bahan", code, severity, st["source"], st["kind"], text=text)
    found = allergens(info)
    if found:
        a = r["allergens"]
        add("komposisi.alergen", "label_allergens_added", "saran", a["source"], a["kind"],
            groups=", ".join(found))

    # main ingredient percentage (PerBPOM 31/2018: bahan baku utama with its percentage)
    if len(info.bahan) > 1 and "%" not in info.bahan[0]:
        add("komposisi.bahan", "label_main_percent", "saran", "perbpom-31-2018", "official",
            first=info.bahan[0])

    # Indonesian first
    lang = r["language"]
    for fld, text in (("komposisi.bahan", " ".join(info.bahan)), ("keterangan.penyimpanan", info.penyimpanan),
                      ("produk.nama_jenis", info.nama_jenis)):
        hits = [w for w in lang["english"] if _has(text, w)]
        if len(hits) >= (1 if fld == "produk.nama_jenis" else 2):
            add(fld, "label_not_indonesian", "saran", lang["source"], lang["kind"], words=", ".join(hits[:4]))

    if not info.qr_data() and not info.instagram:
        add("kontak.whatsapp", "label_no_contact", "saran", "etalase", "reading")
    if info.gizi == {}:
        add("gizi", "label_no_nutrition", "saran", "perbpom-16-2020", "reading")
    return out


def has_blocking(problems: list[Problem]) -> bool:
    """True when a mandatory item is missing or malformed."""
    return any(p.severity == "wajib" for p in problems)


def sources() -> list[dict]:
    """Every source with its title and the date we checked it (for docs and the Panduan tab)."""
    return [{"key": k, **v} for k, v in rules()["sources"].items()]
