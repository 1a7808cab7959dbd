"""The label's information record, read from INFO.toml (Indonesian field names, as the vendor fills them).

Reading never judges: a missing or malformed item is kept as it is and left to
``assistant.label.rules.check``, which explains each problem in plain Indonesian. Only a
file that is not TOML at all, or a section that is not a table, is an ``AssistantError`` here.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import AssistantError

SECTIONS = ("produk", "komposisi", "produsen", "izin", "tanggal", "keterangan", "gizi", "kontak", "desain")


@dataclass
class LabelInfo:
    """Everything a label says. Field names follow the INFO.toml keys (see ``EXAMPLE``)."""

    merek: str = ""                 # nama dagang (brand)
    nama_jenis: str = ""            # nama jenis pangan, e.g. "Keripik Singkong"
    varian: str = ""
    berat_bersih: str = ""          # as written, e.g. "150"
    satuan: str = ""                # g, kg, ml, L
    bahan: list[str] = field(default_factory=list)   # ordered, heaviest first
    alergen: list[str] = field(default_factory=list)  # declared by the vendor
    fasilitas_babi: bool = False    # shares a facility with pork-derived materials
    produsen_nama: str = ""
    produsen_alamat: str = ""
    izin_jenis: str = ""            # P-IRT, MD or ML
    izin_nomor: str = ""
    halal_nomor: str = ""
    halal_logo: Path | None = None  # a file the vendor supplies; never bundled
    kode_produksi: str = ""         # blank: a box to stamp by hand
    tanggal_produksi: str = ""
    kedaluwarsa: str = ""           # blank: a box to stamp by hand
    penyimpanan: str = ""
    penyajian: str = ""
    peringatan: list[str] = field(default_factory=list)  # extra regulated statements, by key
    gizi: dict[str, Any] = field(default_factory=dict)
    whatsapp: str = ""
    instagram: str = ""
    tautan: str = ""                # the shop's own link for the QR code
    warna: str = ""                 # brand kit colour #RRGGBB
    warna_kedua: str = ""
    logo: Path | None = None
    base: Path = Path(".")          # folder INFO.toml was read from (relative file paths)

    @property
    def nama_produk(self) -> str:
        """Nama jenis + merek, as the rule asks ("Keripik Singkong Balado Dapur Bu Sri")."""
        return " ".join(x for x in (self.nama_jenis, self.varian) if x).strip()

    @property
    def berat_text(self) -> str:
        """'Berat bersih 150 g' or 'Isi bersih 250 ml'."""
        if not self.berat_bersih:
            return ""
        from assistant.label.rules import wording

        kind = wording()["net_volume" if self.satuan.lower() in ("ml", "l") else "net_weight"]
        unit = "L" if self.satuan.lower() == "l" else self.satuan.lower()
        return f"{kind} {self.berat_bersih} {unit}".strip()

    def qr_data(self) -> str:
        """What the QR code opens: the vendor's own link, else a WhatsApp chat with the vendor."""
        if self.tautan.strip():
            return self.tautan.strip()
        digits = re.sub(r"\D", "", self.whatsapp)
        if digits.startswith("0"):
            digits = "62" + digits[1:]
        return f"https://wa.me/{digits}" if len(digits) >= 9 else ""


def _text(table: dict, key: str) -> str:
    value = table.get(key, "")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:g}"
    return str(value).strip() if value is not None else ""


def _list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [p.strip() for p in _split_ingredients(value) if p.strip()]
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return []


def _split_ingredients(text: str) -> list[str]:
    """Split 'a, b (c, d), e' at top-level commas only (sub-ingredients stay together)."""
    parts, depth, cur = [], 0, ""
    for ch in text:
        depth += ch in "([" ; depth -= ch in ")]"
        if ch in ",;" and depth <= 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return parts


def _path(base: Path, value: str) -> Path | None:
    if not value:
        return None
    p = Path(value).expanduser()
    return p if p.is_absolute() else base / p


def parse_info(data: dict, base: Path = Path(".")) -> LabelInfo:
    """A ``LabelInfo`` from already-parsed TOML data."""
    for name in SECTIONS:
        if name in data and not isinstance(data[name], dict):
            raise AssistantError("label_info_section", section=name)
    g = {k: data.get(k, {}) for k in SECTIONS}
    p, k, pr, iz, tg, kt, kon, ds = (g["produk"], g["komposisi"], g["produsen"], g["izin"], g["tanggal"],
                                     g["keterangan"], g["kontak"], g["desain"])
    return LabelInfo(
        merek=_text(p, "merek"), nama_jenis=_text(p, "nama_jenis"), varian=_text(p, "varian"),
        berat_bersih=_text(p, "berat_bersih"), satuan=_text(p, "satuan"),
        bahan=_list(k.get("bahan", [])), alergen=_list(k.get("alergen", [])),
        fasilitas_babi=bool(k.get("fasilitas_babi", False)),
        produsen_nama=_text(pr, "nama"), produsen_alamat=_text(pr, "alamat"),
        izin_jenis=_text(iz, "jenis"), izin_nomor=_text(iz, "nomor"), halal_nomor=_text(iz, "halal"),
        halal_logo=_path(base, _text(iz, "logo_halal")),
        kode_produksi=_text(tg, "kode_produksi"), tanggal_produksi=_text(tg, "produksi"),
        kedaluwarsa=_text(tg, "kedaluwarsa"),
        penyimpanan=_text(kt, "penyimpanan"), penyajian=_text(kt, "penyajian"),
        peringatan=_list(kt.get("peringatan", [])),
        gizi=dict(g["gizi"]) if isinstance(g["gizi"], dict) else {},
        whatsapp=_text(kon, "whatsapp"), instagram=_text(kon, "instagram"), tautan=_text(kon, "tautan"),
        warna=_text(ds, "warna"), warna_kedua=_text(ds, "warna_kedua"), logo=_path(base, _text(ds, "logo")),
        base=base,
    )


def read_info(src: str | Path | bytes) -> LabelInfo:
    """Read INFO.toml from a path (relative logo paths resolve beside it) or from bytes/text."""
    try:
        if isinstance(src, bytes):
            return parse_info(tomllib.loads(src.decode("utf-8")))
        path = Path(src)
        if not path.is_file():
            raise AssistantError("label_info_missing_file", path=str(path))
        return parse_info(tomllib.loads(path.read_text("utf-8")), path.parent)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise AssistantError("label_info_syntax", detail=str(exc)) from None


def read_info_text(text: str, base: Path = Path(".")) -> LabelInfo:
    """Read INFO.toml text (e.g. from the app's form)."""
    try:
        return parse_info(tomllib.loads(text), base)
    except tomllib.TOMLDecodeError as exc:
        raise AssistantError("label_info_syntax", detail=str(exc)) from None


EXAMPLE = """\
# INFO.toml: keterangan label kemasan (contoh lengkap). Isi dengan data usaha Anda sendiri.
# Kosongkan kode_produksi / kedaluwarsa bila ingin dicap tangan: label memberi kotak kosong.

[produk]
merek = "Dapur Bu Sri"                 # nama dagang
nama_jenis = "Keripik Singkong"        # nama jenis pangan
varian = "Balado"
berat_bersih = 150
satuan = "g"                           # g, kg, ml atau L

[komposisi]
# urut dari yang paling banyak; sebut persentase bahan utama
bahan = ["singkong (70%)", "minyak sawit", "cabai merah", "gula pasir", "bawang merah",
         "bawang putih", "garam", "daun jeruk"]
alergen = []                           # mis. ["susu", "kacang tanah"]; juga dikenali dari bahan
fasilitas_babi = false                 # true bila diolah di fasilitas yang juga mengolah bahan dari babi

[produsen]
nama = "UD Dapur Bu Sri"
alamat = "Jl. Melati No. 12, Sleman, D.I. Yogyakarta 55281"

[izin]
jenis = "P-IRT"                        # P-IRT, MD atau ML
nomor = "2063404010123-29"             # P-IRT: 15 angka (13-2); MD/ML: 12 angka
halal = "ID34110000123450324"          # nomor sertifikat halal (kosongkan bila belum ada)
logo_halal = ""                        # file logo halal milik Anda (PNG), kosongkan bila tidak ada

[tanggal]
kode_produksi = ""                     # kosong: kotak untuk dicap
produksi = ""
kedaluwarsa = ""                       # mis. "12-06-2027"; kosong: kotak untuk dicap

[keterangan]
penyimpanan = "Simpan di tempat sejuk dan kering, jauhkan dari sinar matahari. Setelah dibuka, simpan dalam wadah tertutup."
penyajian = "Siap santap."
peringatan = []

[gizi]                                 # opsional; hapus bagian ini bila belum ada hasil uji
takaran_saji = "30 g"
sajian_per_kemasan = 5
energi_kkal = 150
lemak_g = 8
protein_g = 1
karbohidrat_g = 19
gula_g = 4
garam_mg = 180

[kontak]
whatsapp = "0812-3456-7890"
instagram = "@dapurbusri"
tautan = ""                            # tautan toko Anda untuk kode QR; kosong: WhatsApp

[desain]
warna = "#B3261E"                      # warna merek
warna_kedua = ""
logo = ""                              # file logo Anda (PNG), opsional
"""
