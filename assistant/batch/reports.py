"""What a batch hands over: ``report.csv``, ``report.html`` (a contact sheet per vendor,
styled by ``report.css``), upload sheets per preset and zips per vendor and of everything.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import os
import re
import tempfile
import time
import zipfile
from collections import defaultdict
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from assistant import safety
from assistant.batch.inputs import ReportRow
from assistant.batch.journal import Record
from assistant.i18n import t
from assistant.photo import FILE_MODE, Notice, write_atomic
from assistant.presets import Preset
from assistant.readiness import verdict


# report.csv's columns: (ReportRow field, header key). Headers are in the report's language
# (``batch_col_<field>``: Indonesian by default, English with --lang en, the same names as before);
# ``warnings`` keeps the check codes for tools. No timings, no server folders. A new column is one
# line here plus its header in strings/batch.toml.
REPORT_COLUMNS = [("input", "batch_col_input"), ("preset", "batch_col_preset"), ("output", "batch_col_output"),
                  ("status", "batch_col_status"), ("message", "batch_col_message"), ("width", "batch_col_width"),
                  ("height", "batch_col_height"), ("bytes", "batch_col_bytes"), ("vendor", "batch_col_vendor"),
                  ("sku", "batch_col_sku"), ("warnings", "batch_col_warnings"), ("resumed", "batch_col_resumed"),
                  ("verdict", "batch_col_verdict"), ("headline", "batch_col_headline")]  # issue 16's verdict
REPORT_FIELDS = [name for name, _ in REPORT_COLUMNS]


def _rows_for(record: Record, presets: list[Preset], lang: str | None) -> list[ReportRow]:
    timing = {f"{k}_s": round(float(record.timings.get(k, 0.0)), 3) for k in ("decode", "cutout", "lighting", "export")}
    common = dict(vendor=record.vendor, sku=record.sku, resumed="1" if record.resumed else "", index=record.index)
    if record.status != "ok":
        if record.internal:
            code, params = "batch_internal_error", {"name": record.relative, "detail": record.internal}
        else:
            code, params = record.error[0], record.error[1]
        message = t(code, lang, **params)
        return [ReportRow(record.input, p.name, status="error", message=message, warnings=code, code=code,
                          params=params, **common) for p in presets]
    rows = []
    photo_notices = [Notice(c, p) for c, p in record.notices]
    for o in record.outputs:
        notices = photo_notices + [Notice(c, p) for c, p in o["notices"]]
        level, headline = _verdict_text(o.get("verdict"), lang)
        rows.append(ReportRow(record.input, o["preset"], o["path"], "ok",
                              " ".join(n.message(lang) for n in notices), o["width"], o["height"], o["bytes"],
                              warnings=";".join(n.code for n in notices), verdict=level, headline=headline,
                              **timing, **common))
    return rows


def _verdict_text(data: dict | None, lang: str | None) -> tuple[str, str]:
    """An output's verdict level and headline from its journal record ("" for an old journal)."""
    v = verdict.from_record(data)
    return ("", "") if v is None else (v.level, v.headline(lang))


def verdict_levels(records: list[Record]) -> list[str]:
    """Each processed photo's worst verdict level (a failed photo is "retake")."""
    found = []
    for r in records:
        level = verdict.worst(o["verdict"]["level"] for o in r.outputs if o.get("verdict"))
        if r.status != "ok":
            found.append(verdict.RETAKE)
        elif level:
            found.append(level)
    return found


def _verdict_summary(records: list[Record], lang: str | None) -> str:
    """Issue 16: "24 siap, 4 perlu dicek, 2 foto ulang" and a filter to the photos that need
    attention (CSS only: the radio buttons sit before the vendors' grids)."""
    esc = html.escape
    line = verdict.counts_line(verdict_levels(records), lang)
    return (f"<div class=\"verdicts\">{esc(line)}</div>"
            f"<input type=\"radio\" name=\"vf\" id=\"vf-all\" checked><label for=\"vf-all\">"
            f"{esc(t('realphoto_filter_all', lang))}</label> "
            f"<input type=\"radio\" name=\"vf\" id=\"vf-attn\"><label for=\"vf-attn\">"
            f"{esc(t('realphoto_filter_attention', lang))}</label>")


# --------------------------------------------------------------------------- one photo's verdict

# What the app's grid shows per photo: "ok" (ready to upload), "check" (made, but a check or
# notice wants a look: "perlu dicek"), "retake" (made, but best taken again: "foto ulang"),
# "failed" (no image). Built from the library's verdict (readiness.verdict, the same as the app's
# headline); a journal from before it falls back to "any notice wants a look".
VERDICTS = ("ok", "check", "retake", "failed")


def photo_verdict(record: Record) -> str:
    """``ok``, ``check``, ``retake`` or ``failed`` for one photo (see VERDICTS)."""
    if record.status != "ok":
        return "failed"
    levels = [o["verdict"]["level"] for o in record.outputs if o.get("verdict")]
    if levels:
        worst = verdict.worst(levels)
        return {verdict.READY: "ok", verdict.RETAKE: "retake"}.get(worst, "check")
    notices = record.notices + [n for o in record.outputs for n in o["notices"]]
    return "check" if notices else "ok"


def photo_headline(record: Record, lang: str | None) -> str:
    """The one line to read first about a photo: why it failed, the headline of its worst
    verdict when that is not green ("Bisa diunggah, tapi cek dulu: ..."), or (an old journal
    without verdicts) its first warning."""
    if record.status != "ok":
        code, params = (("batch_internal_error", {"name": record.relative, "detail": record.internal})
                        if record.internal else (record.error[0], record.error[1]))
        return t(code, lang, **params)
    verdicts = [v for v in (verdict.from_record(o.get("verdict")) for o in record.outputs) if v is not None]
    if verdicts:
        worst = max(verdicts, key=lambda v: verdict.LEVELS.index(v.level))
        return "" if worst.level == verdict.READY else worst.headline(lang)
    warnings = _warnings(record, lang)
    return warnings[0] if warnings else ""


# --------------------------------------------------------------------------- reports and hand-over

def write_report(path: Path, rows: list[ReportRow], lang: str | None = None) -> None:
    """``report.csv``: one row per input and preset, headers and status words in ``lang``."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([t(key, lang) for _, key in REPORT_COLUMNS])
    for row in rows:
        values = {k: getattr(row, k) for k in REPORT_FIELDS}
        values["status"] = t(f"batch_status_{row.status}", lang)
        writer.writerow(safety.csv_row([values[k] for k in REPORT_FIELDS]))  # no formulas run
    write_atomic(path, buf.getvalue().encode("utf-8"))


def vendor_folder(vendor: str) -> str:
    """The vendor's folder below the output folder (``""``: no vendor, the output folder itself)."""
    return vendor


def _below_vendor(path: str, vendor: str) -> str:
    return path[len(vendor) + 1:] if vendor and path.startswith(vendor + "/") else path


def _sheet_rows(records: list[Record], preset: str) -> list[list[str]]:
    """One vendor's sheet: per SKU its images in order, as paths inside the vendor's folder (a
    file that serves two marketplaces is named once, in its shared folder ``umum+tokopedia/``)."""
    groups: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for r in records:
        if r.status != "ok":
            continue
        for o in r.outputs:
            if o["preset"] == preset:
                sku = r.sku or PurePosixPath(r.relative).stem
                groups[sku].append((r.order, r.index, _below_vendor(o["path"], r.vendor)))
    width = max((len(v) for v in groups.values()), default=1)
    out = [["sku"] + [f"image_{i}" for i in range(1, width + 1)]]
    for sku, images in groups.items():
        out.append([sku] + [name for _, _, name in sorted(images)])
    return out


def _csv_bytes(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows(safety.csv_row(row) for row in rows)  # a name like =HYPERLINK(...) stays text
    return buf.getvalue().encode("utf-8")


def _by_vendor(records: list[Record]) -> dict[str, list[Record]]:
    by_vendor: dict[str, list[Record]] = defaultdict(list)
    for r in records:
        if r.status == "ok":
            by_vendor[r.vendor].append(r)
    return by_vendor


def write_upload_sheets(out_dir: Path, records: list[Record], presets: list[Preset]) -> dict[str, dict[str, Path]]:
    """``<vendor>/upload/<preset>.csv``: per SKU the image files in order, for bulk upload; one
    sheet per vendor and marketplace, so SKUs never mix vendors (three ``IMG_0001`` stay apart)."""
    sheets: dict[str, dict[str, Path]] = {}
    for vendor, recs in _by_vendor(records).items():
        for preset in presets:
            path = out_dir / vendor_folder(vendor) / "upload" / f"{preset.name}.csv"
            write_atomic(path, _csv_bytes(_sheet_rows(recs, preset.name)))
            sheets.setdefault(vendor, {})[preset.name] = path
    return sheets


def _vendor_file(vendor: str, taken: set[str]) -> str:
    name = safety.safe_name(vendor) if vendor.strip(" .") else "hasil-foto"
    return safety.unique_name(name + ".zip", taken)


def _outputs(records: list[Record], out_dir: Path) -> list[tuple[str, Path]]:
    """Each output file once (two marketplaces can share one), named as below the output folder."""
    seen: dict[str, Path] = {}
    for r in records:
        for o in r.outputs:
            seen.setdefault(o["path"], out_dir / o["path"])
    return list(seen.items())


def _write_zip(path: Path, members: list[tuple[str, Path | bytes]]) -> None:
    """A zip written under a temporary name and renamed; photos are stored (already compressed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=safety.temp_prefix(path.name), suffix=safety.TEMP_SUFFIX, dir=path.parent)
    os.fchmod(fd, FILE_MODE)  # an ordinary file, not mkstemp's 0600
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as zf:
            for arcname, src in members:
                if isinstance(src, bytes):
                    zf.writestr(zipfile.ZipInfo(arcname, time.localtime()[:6]), src, zipfile.ZIP_DEFLATED)
                elif src.is_file():
                    zf.write(src, arcname)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_vendor_zips(out_dir: Path, records: list[Record], presets: list[Preset]) -> dict[str, Path]:
    """``zips/<vendor>.zip``: what goes back to one vendor, as its folder: ``<vendor>/<marketplace>/``
    with the images (one file for marketplaces that share it) and ``<vendor>/upload/`` with its
    sheets. No thumbnails, no reports about other vendors."""
    made: dict[str, Path] = {}
    taken: set[str] = set()
    for vendor, recs in _by_vendor(records).items():
        members: list[tuple[str, Path | bytes]] = list(_outputs(recs, out_dir))
        base = PurePosixPath(vendor_folder(vendor), "upload") if vendor else PurePosixPath("upload")
        members += [(str(base / f"{p.name}.csv"), _csv_bytes(_sheet_rows(recs, p.name))) for p in presets]
        path = out_dir / "zips" / _vendor_file(vendor, taken)
        _write_zip(path, members)
        made[vendor] = path
    return made


def write_all_zip(out_dir: Path, records: list[Record], sheets: dict[str, dict[str, Path]]) -> Path:
    """``all-outputs.zip``: every vendor's folder and the reports (the contact sheet with its
    thumbnails inside the page, so no ``thumbs/`` folder ships)."""
    members: list[tuple[str, Path | bytes]] = list(_outputs(records, out_dir))
    members += [(p.relative_to(out_dir).as_posix(), p) for by_preset in sheets.values() for p in by_preset.values()]
    members.append(("report.csv", out_dir / "report.csv"))
    if (out_dir / "siap-tayang.csv").is_file():  # issue 22: "siap tayang" per marketplace, beside the report
        members.append(("siap-tayang.csv", out_dir / "siap-tayang.csv"))
    page = (out_dir / "report.html").read_text(encoding="utf-8")
    members.append(("report.html", inline_thumbs(page, out_dir).encode("utf-8")))
    path = out_dir / "all-outputs.zip"
    _write_zip(path, members)
    return path


def inline_thumbs(page: str, out_dir: Path) -> str:
    """report.html with its ``thumbs/`` pictures inside the page (data: addresses), so it stands
    alone in a zip; a thumbnail missing on disk is left as it was."""
    def inline(match: re.Match) -> str:
        path = out_dir / match.group(1)
        if not (_OUR_THUMB.match(path.name) and path.is_file()):
            return match.group(0)
        return 'src="data:image/jpeg;base64,' + base64.b64encode(path.read_bytes()).decode("ascii") + '"'
    return re.sub(r'src="(thumbs/[^"/]+)"', inline, page)


_OUR_THUMB = re.compile(r"^[0-9a-f]{20}-[A-Za-z0-9_-]+\.jpg$")  # what journal._thumb_name makes


def _clean_thumbs(out_dir: Path, records: list[Record]) -> None:
    """Thumbnails of earlier runs that no photo uses any more; only names Etalase makes, never
    a file someone else put in ``thumbs/``."""
    keep = {out_dir / name for r in records for name in r.thumbs.values()}
    folder = out_dir / "thumbs"
    if folder.is_dir():
        for path in folder.iterdir():
            if path.is_file() and path not in keep and _OUR_THUMB.match(path.name):
                path.unlink()


# the contact sheet's style, inlined into each report.html so the file stands alone
_CSS = Path(__file__).with_name("report.css").read_text(encoding="utf-8")


def _card(r: Record, vendor: str, titles: dict[str, str], lang: str | None) -> str:
    """One photo on the contact sheet: name, before, after per preset, its messages."""
    esc = html.escape
    warnings = _warnings(r, lang)
    cls = "error" if r.status != "ok" else ("warning" if warnings else "")
    level = verdict.RETAKE if r.status != "ok" else verdict.worst(
        o["verdict"]["level"] for o in r.outputs if o.get("verdict"))
    cls += f" v-{level}" if level else ""
    shown = r.relative[len(vendor) + 1:] if vendor and r.relative.startswith(vendor + "/") else r.relative
    tags = f"<span class=\"tag\">SKU {esc(r.sku)}</span>" if r.sku else ""
    if r.resumed:
        tags += f"<span class=\"tag\">{esc(t('batch_html_resumed_tag', lang))}</span>"
    out = [f"<div class=\"card {cls}\"><div class=\"name\" title=\"{esc(r.input)}\">{esc(shown)}{tags}</div>",
           "<div class=\"pics\">"]
    before = r.thumbs.get("before")
    if before:
        out.append(f"<figure class=\"before\"><img src=\"{esc(quote(before))}\" alt=\"\" loading=\"lazy\">"
                   f"<figcaption>{esc(t('batch_html_before', lang))}</figcaption></figure>")
    else:
        out.append(f"<div class=\"noimg\">{esc(t('batch_html_no_thumb', lang))}</div>")
    if r.outputs:
        out.append("<div class=\"arrow\">&#8594;</div>")
    shown_paths: set[str] = set()
    for o in r.outputs:
        thumb = r.thumbs.get(o["preset"])
        if thumb and o["path"] not in shown_paths:  # one file for two marketplaces: one picture, both names
            shown_paths.add(o["path"])
            names = o.get("with") or [o["preset"]]
            caption = " + ".join(names)
            title = " + ".join(titles.get(n, n) for n in names)
            out.append(f"<figure><a href=\"{esc(quote(o['path']))}\"><img src=\"{esc(quote(thumb))}\" alt=\"\" "
                       f"loading=\"lazy\"></a><figcaption title=\"{esc(title)}\">"
                       f"{esc(caption)}</figcaption></figure>")
    out.append("</div>")
    if r.status != "ok":
        code, params = (("batch_internal_error", {"name": r.relative, "detail": r.internal})
                        if r.internal else (r.error[0], r.error[1]))
        warnings = [t(code, lang, **params)]
    for o in r.outputs:  # issue 16: the verdict's headline first, the same as in the app
        level, headline = _verdict_text(o.get("verdict"), lang)
        if headline:
            out.append(f"<div class=\"verdict {level}\">{esc(headline)}</div>")
    out.extend(f"<div class=\"msg\">&#9888; {esc(message)}</div>" for message in warnings)
    if r.status == "ok":  # what the verdict did not weigh is information, not a warning
        out.extend(f"<div class=\"msg info\">&#8505; {esc(m)}</div>" for m, counts in _notices(r, lang) if not counts)
    out.append("</div>")
    return "".join(out)


def write_html_report(path: Path, records: list[Record], rows: list[ReportRow], presets: list[Preset],
                      model: str, lang: str | None) -> None:
    """``report.html``: a contact sheet per vendor, before and after, warnings and errors marked.
    Every name from the inputs is escaped; thumbnails are files in ``thumbs/`` beside it."""
    esc = html.escape
    by_vendor: dict[str, list[Record]] = defaultdict(list)
    for r in records:
        by_vendor[r.vendor].append(r)
    others: dict[str, list[ReportRow]] = defaultdict(list)
    for row in rows:
        if row.status == "skipped" or (row.status == "error" and not row.preset):
            others[row.vendor].append(row)
    ok = sum(r.status == "ok" for r in records)
    counts = {"batch_html_ok": ("ok", ok), "batch_html_warned": ("warn", sum(
                  1 for r in records if r.status == "ok" and _warnings(r, lang))),
              "batch_html_failed": ("bad", len(records) - ok),
              "batch_html_skipped": ("", sum(len(v) for v in others.values())),
              "batch_html_resumed": ("", sum(r.resumed for r in records))}
    title = t("batch_html_title", lang)
    meta = t("batch_html_meta", lang, presets=", ".join(p.title_in(lang) for p in presets), model=model,
             when=time.strftime("%Y-%m-%d %H:%M"))
    out = [f"<!DOCTYPE html><html lang=\"{esc(lang or 'id')}\"><head><meta charset=\"utf-8\">",
           "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">",
           f"<title>{esc(title)}</title><style>{_CSS}</style></head><body>",
           f"<h1>{esc(title)}</h1><div class=\"meta\">{esc(meta)}</div><div class=\"summary\">"]
    out += [f"<span class=\"{cls}\">{esc(t(key, lang, count=n))}</span>" for key, (cls, n) in counts.items()]
    out.append("</div>")
    out.append(_verdict_summary(records, lang))
    titles = {p.name: p.title_in(lang) for p in presets}
    for vendor in sorted(set(by_vendor) | set(others), key=lambda v: (v == "", v.lower())):
        recs = by_vendor.get(vendor, [])
        label = vendor or t("batch_html_no_vendor", lang)
        tag = t("batch_html_count", lang, count=len(recs), failed=sum(r.status != "ok" for r in recs))
        out.append(f"<h2>{esc(label)} <span class=\"tag\">{esc(tag)}</span></h2><div class=\"grid\">")
        out.extend(_card(r, vendor, titles, lang) for r in recs)
        out.append("</div>")
        if others.get(vendor):
            out.append(f"<table><tr><th>{esc(t('batch_html_not_processed', lang))}</th>"
                       f"<th>{esc(t('batch_html_reason', lang))}</th></tr>")
            for row in others[vendor]:
                cls = "bad" if row.status == "error" else ""
                out.append(f"<tr><td>{esc(row.input)}</td><td class=\"{cls}\">{esc(row.message)}</td></tr>")
            out.append("</table>")
    # issue 22 (siapcek): "Siap tayang" per preset, a column each (also written as siap-tayang.csv)
    from assistant.readiness.report import write_readiness
    out.append(write_readiness(path.parent, records, presets, lang))
    out.append("</body></html>")
    write_atomic(path, "\n".join(out).encode("utf-8"))


def _notices(record: Record, lang: str | None) -> list[tuple[str, bool]]:
    """The photo's notices as ``(message, counts)``: ``counts`` when the verdict weighed it (or
    an old journal has no verdict); one it did not ("the hand was removed") is information."""
    verdicts = [verdict.from_record(o.get("verdict")) for o in record.outputs if o.get("verdict")]
    seen: dict[str, bool] = {}
    for code, params in record.notices + [n for o in record.outputs for n in o["notices"]]:
        message = t(code, lang, **params)
        seen[message] = seen.get(message, False) or not verdicts or any(v.counts(code) for v in verdicts)
    return list(seen.items())


def _warnings(record: Record, lang: str | None) -> list[str]:
    """The notices that need attention (the verdict weighed them)."""
    return [message for message, counts in _notices(record, lang) if counts]

