"""The web app's text: Markdown and HTML for results, checks, batch summaries, the guide and
the footer, in the vendor's language. No Gradio here; every user text goes through i18n.
"""

from __future__ import annotations

import html
import logging
import math
import re
from pathlib import Path

import assistant
from assistant import AssistantError, safety
from assistant.models import registry as models
from assistant.i18n import LANGUAGES, STRINGS, default_language, localized, t
from assistant.pipeline import SCENE, TRANSPARENT
from assistant.presets import load_preset
from assistant.readiness import compliance
from assistant.readiness.verdict import LEVELS as VERDICT_LEVELS
from assistant.readiness.verdict import CHECK, RETAKE, TIP, check_level, marketplace_text
from assistant.web import services
from assistant.web.config import CACHE_MAX_AGE_S
from assistant.web.services import DEFAULT_PRESET, AppMessage

log = logging.getLogger("etalase.app")

GUIDE_FIELDS = ("size", "format", "max_bytes", "min_side", "background", "fill", "transparent_allowed",
                "overlays_allowed", "shadow_allowed")

def lang_of(lang: str | None) -> str:
    return lang if lang in LANGUAGES else default_language()


def num(x: float, lang: str, digits: int = 1) -> str:
    text = f"{x:.{digits}f}".rstrip("0").rstrip(".") if digits else str(round(x))
    return text.replace(".", ",") if lang == "id" else text


def size_text(n: int, lang: str) -> str:
    if n >= 1_000_000:
        return f"{num(n / 1e6, lang)} MB"
    if n >= 1_000:
        return f"{round(n / 1e3)} KB"
    return f"{n} B"


def duration(seconds: float, lang: str) -> str:
    if seconds < 60:
        return t("app_time_seconds", lang, n=max(1, round(seconds)))
    if seconds < 3600:
        return t("app_time_minutes", lang, n=math.ceil(seconds / 60))
    return t("app_time_hours", lang, n=num(seconds / 3600, lang))


def friendly(exc: BaseException, lang: str) -> str:
    """The vendor-facing message for any failure, HTML-escaped (file names are user input)."""
    if isinstance(exc, (AssistantError, AppMessage)):
        text = exc.message(lang)
    else:
        log.exception("unexpected error", exc_info=exc)
        text = t("app_unexpected_error", lang)
    return html.escape(safety.redact_paths(text), quote=False)  # never a server path


def done_html(text: str, seconds: float | None = None, quality: str | None = None) -> str:
    """A finished action's line; the time it took (and the mode) let the page estimate the next one."""
    data = f" data-seconds='{seconds:.1f}' data-quality='{html.escape(quality or '')}'" if seconds else ""
    return f"<div class='etalase-ok'{data}>✓ {text}</div>"


VERDICT_STYLE = {"ready": ("etalase-ok", "✓"), "check": ("etalase-alert etalase-verdict-check", "⚠"),
                 "retake": ("etalase-alert etalase-retake", "✖")}


def photo_verdict(entries: list[dict], seconds: float | None, quality: str | None, lang: str,
                  note: str | None = None) -> str:
    """The line at the top of a result: the library's verdict (``readiness.verdict``, the same as
    the batch report's and the CLI's) of the worst output. Green "Siap diunggah" only when nothing
    needs attention, amber "Bisa diunggah, tapi cek dulu: ...", red "Sebaiknya foto ulang: ...";
    under it what to do, what each marketplace's rules checked, and how long it took (``note``:
    what was just done instead, after a touch-up)."""
    verdicts = [(e, e["verdict"]) for e in entries if e.get("verdict") is not None]
    took = note or (t("realphoto_took", lang, seconds=num(seconds, lang)) if seconds else "")
    if not verdicts:  # no checks ran (the checks failed): say it is done, never that it is ready
        return done_html(html.escape(note or t("app_done", lang, seconds=num(seconds or 0, lang)), quote=False),
                         seconds, quality)
    worst = max((v for _, v in verdicts), key=lambda v: VERDICT_LEVELS.index(v.level))
    cls, icon = VERDICT_STYLE[worst.level]
    parts = [f"<b class='etalase-verdict-headline'>{icon} {html.escape(worst.headline(lang), quote=False)}</b>"]
    if worst.advice(lang):
        parts.append(f"<div class='etalase-verdict-advice'>{html.escape(plain(worst.advice(lang), lang), quote=False)}</div>")
    for e, v in verdicts:
        line = v.marketplace_line(lang, entry_title(e, lang))
        if line:
            parts.append(f"<div class='etalase-verdict-market'>{'✓' if v.marketplace_ok else '⚠'} "
                         f"{html.escape(line, quote=False)}</div>")
    if took:
        parts.append(f"<small class='etalase-verdict-took'>{html.escape(took, quote=False)}</small>")
    data = f" data-seconds='{seconds:.1f}' data-quality='{html.escape(quality or '')}'" if seconds else ""
    return f"<div class='{cls} etalase-level-{worst.level}'{data}>{''.join(parts)}</div>"


def alert(text: str) -> str:
    return f"<div class='etalase-alert' role='alert'>⚠ {text}</div>"


def _file_kind(entry: dict) -> dict:
    """A written file's format ("JPG", "PNG", ...) and pixel size, for its download button."""
    fmt = Path(entry["path"]).suffix.lstrip(".").upper().replace("JPEG", "JPG")
    return {"format": fmt, "size": f"{entry['width']}×{entry['height']}"}


def download_label(entry: dict, lang: str) -> str:
    return t("app_download_button", lang, name=entry_title(entry, lang), **_file_kind(entry))


def compliance_md(entry: dict, lang: str) -> str:
    """One output's compliance line (pixel size, file size against the cap, background, fill),
    as decided by ``assistant.readiness.compliance``."""
    def mark(ok: bool) -> str:
        return "✓" if ok else "⚠"

    verdict = compliance.decide(
        size=(entry["width"], entry["height"]), want_size=(entry["want_width"], entry["want_height"]),
        nbytes=entry["bytes"], max_bytes=entry["max_bytes"], background=entry["background"],
        want_background=entry["want_background"], transparent_allowed=entry["transparent_allowed"],
        fill=entry["fill"], want_fill=entry["want_fill"])
    if entry["background"] == TRANSPARENT:
        bg_text = t("app_line_transparent", lang)
    elif entry["background"] == SCENE:  # a pile or display kept whole fills the canvas
        bg_text = t("app_line_background_scene", lang, expected=colour_name(entry["want_background"], lang))
    elif verdict.background_ok:
        bg_text = t("app_line_background", lang, colour=colour_name(entry["background"], lang))
    else:
        bg_text = t("app_line_background_expected", lang, colour=colour_name(entry["background"], lang),
                    expected=colour_name(entry["want_background"], lang))
    parts = [
        f"{mark(verdict.size_ok)} " + t("app_line_size", lang, width=entry["width"], height=entry["height"]),
        f"{mark(verdict.bytes_ok)} " + t("app_line_bytes", lang, size=size_text(entry["bytes"], lang),
                                           limit=size_text(entry["max_bytes"], lang)),
        f"{mark(verdict.background_ok)} " + bg_text,
        f"{mark(verdict.fill_ok)} " + t("app_line_fill", lang, fill=round(entry["fill"] * 100),
                                          target=round(entry["want_fill"] * 100)),
    ]
    ok_text = marketplace_text(True, entry_title(entry, lang), lang, entry.get("preset"))  # what was checked
    badge = f"<span class='etalase-verdict-{'ok' if verdict.ok else 'bad'}'>" + (
        f"✓ {html.escape(ok_text)}" if verdict.ok else f"⚠ {t('app_not_ok', lang)}") + "</span>"
    lines = [f"**{html.escape(entry_title(entry, lang))}**", badge, *parts]
    v = entry.get("verdict")
    for code, params in entry["notices"]:
        mark = "ℹ" if v is not None and not v.counts(code) else "⚠"  # as the verdict weighed it
        lines.append(f"{mark} " + html.escape(plain(t(code, lang, **params), lang), quote=False))
    return "  \n".join(lines)


# How the checks list draws a check, by the weight the verdict gave it (readiness.verdict):
# (css class, icon, status text key). A quiet check is a soft tip, never a red "foto ulang" line.
CHECK_STYLE = {RETAKE: ("fail", "✖", "check_status_fail"), CHECK: ("warn", "⚠", "check_status_warn"),
               TIP: ("tip", "ℹ", "check_status_tip")}
CHECK_ORDER = (RETAKE, CHECK, TIP)


def check_weight(entry: dict, c) -> str | None:
    """The weight the output's verdict gave check ``c`` (None: ok); without a verdict, its status's."""
    v = entry.get("verdict")
    if v is not None:
        return v.weight(c)
    return None if c.status == "ok" else check_level(c.status)


def _shown(entry: dict) -> list:
    """The output's checks that belong on its card (``Verdict.shows``)."""
    v = entry.get("verdict")
    return [c for c in (entry.get("checks") or []) if v is None or v.shows(c)]


def _check_key(entry: dict, c, lang: str) -> tuple:
    return (c.check, c.status, check_weight(entry, c), c.tip(lang) if c.status != "ok" else "")


def shared_checks(entries: list[dict], lang: str) -> set:
    """The check findings every output has alike (one photo, so mostly all of them)."""
    keys = [{_check_key(e, c, lang) for c in _shown(e)} for e in entries]
    return set.intersection(*keys) if len(keys) > 1 else set()


def checks_md(entry: dict, lang: str, shared: set | frozenset = frozenset(), first: str | None = None) -> str:
    """One output's listing checks: each that is not ok with its tip, drawn at the weight the
    headline's verdict gave it (red "foto ulang", amber "perlu dicek", or a soft tip for a check
    that does not move the headline); the checks that passed folded away.

    With several marketplaces, what every card would repeat (``shared``) shows on the first card
    only; the others say so (``first`` is that card's marketplace) and show what differs."""
    found = [c for c in _shown(entry) if _check_key(entry, c, lang) not in shared]
    if not found and not first:
        return ""
    bad = sorted(((c, check_weight(entry, c)) for c in found if c.status != "ok"),
                 key=lambda cw: CHECK_ORDER.index(cw[1]))
    good = [c for c in found if c.status == "ok"]
    parts = [f"<div class='etalase-checks'><div class='etalase-checks-title'>{html.escape(t('app_checks_title', lang))}</div>"]
    if first:
        parts.append(f"<div class='etalase-check-same'>{html.escape(t('app_checks_same', lang, name=first))}</div>")
    for c, weight in bad:
        cls, icon, status_key = CHECK_STYLE[weight]
        parts.append(
            f"<div class='etalase-check etalase-check-{cls}'>"
            f"<b>{icon} {html.escape(c.label(lang))}</b> · {html.escape(t(status_key, lang))}"
            f"<br>{html.escape(plain(c.tip(lang), lang), quote=False)}</div>")
    if good:
        summary = (t("app_checks_all_ok", lang, count=len(good)) if not bad else
                   t("app_checks_ok_count", lang, count=len(good)))
        names = ", ".join(html.escape(c.label(lang)) for c in good)
        parts.append(f"<details class='etalase-check-ok'><summary>✓ {html.escape(summary)}</summary>"
                     f"<small>{names}</small></details>")
    parts.append("</div>")
    return "".join(parts)


def picker_items(lang: str) -> list[dict]:
    thumbs = services.template_thumbnails()
    return [{"name": n, "title": html.escape(services.template_title(n, lang)), "src": thumbs.get(n, "")}
            for n in services.template_names()]



def mockup_download_label(entry: dict, lang: str) -> str:
    return t("app_mockup_download", lang, name=services.template_title(entry["template"], lang), **_file_kind(entry))


def _wants_a_look(row) -> bool:
    """A made output that needs attention: its verdict is not green (an old journal without a
    verdict: it has a notice)."""
    level = getattr(row, "verdict", "")
    return level in ("check", "retake") if level else bool(getattr(row, "warnings", ""))


def batch_summary_md(result, seconds: float, lang: str) -> str:
    """What the vendor needs after a batch: counts and the photos with problems."""
    by_input: dict[str, list] = {}
    for row in result.rows:
        by_input.setdefault(row.input, []).append(row)
    made = [rows for rows in by_input.values() if all(r.status == "ok" for r in rows)]
    ok = len(made)
    skipped = sum(all(r.status == "skipped" for r in rows) for rows in by_input.values())
    failed = len(by_input) - ok - skipped
    warned = sum(any(_wants_a_look(r) for r in rows) for rows in made)
    retake = sum(any(getattr(r, "verdict", "") == "retake" for r in rows) for rows in made)
    lines = [("✓ " if failed == 0 and skipped == 0 and not warned else "⚠ ") + t(
        "app_batch_summary", lang, time=duration(seconds, lang), ok=ok, failed=failed, skipped=skipped)]
    if warned:  # "30 berhasil" alone hid that 29 of them want a look, and which are to be taken again
        lines[0] += " " + (t("app_batch_warned_retake", lang, count=warned, ok=ok, retake=retake) if retake
                           else t("app_batch_warned", lang, count=warned, ok=ok))
    problems = [(name, rows[0].message) for name, rows in by_input.items() if any(r.status != "ok" for r in rows)]
    if problems:
        lines += ["", t("app_batch_problems", lang)]
        for name, msg in problems[:10]:
            name, msg = Path(name.split("!")[-1]).name, msg or ""
            text = msg if name in msg else f"{name}: {msg}"  # most messages name the file already
            lines.append(f"- {html.escape(text, quote=False)}")
        if len(problems) > 10:
            lines.append(t("app_batch_more", lang, count=len(problems) - 10))
    return "\n".join(lines)


# --- Panduan (guide) ------------------------------------------------------------------------


def guide_md(name: str, lang: str) -> str:
    """One marketplace's numbers with their sources (numbered) and the dates they were checked."""
    try:
        preset = load_preset(name or DEFAULT_PRESET)
    except AssistantError as exc:
        return alert(friendly(exc, lang))
    rules, src = preset.image, preset.sources
    yes_no = {True: t("app_yes", lang), False: t("app_no", lang)}
    values = {
        "size": (f"{rules.width}×{rules.height} px", "width"),
        "format": (rules.format.upper(), "format"),
        "max_bytes": (size_text(rules.max_bytes, lang), "max_bytes"),
        "min_side": (f"{rules.min_side} px", "min_side"),
        "background": (colour_name(rules.background, lang), "background"),
        "fill": (f"{round(rules.fill * 100)}%", "fill"),
        "transparent_allowed": (yes_no[rules.transparent_allowed], "transparent_allowed"),
        "overlays_allowed": (yes_no[rules.overlays_allowed], "overlays_allowed"),
        "shadow_allowed": (yes_no[rules.shadow_allowed], "shadow_allowed"),
    }
    numbered: dict[tuple, int] = {}
    lines = [f"### {html.escape(preset.title_in(lang))}"]
    note = preset.notes.get(lang) or preset.notes.get("en")
    if note:
        lines.append(html.escape(note, quote=False))
        lines.append("")
    for field in GUIDE_FIELDS:
        text, key = values[field]
        s = src[key]
        ref = numbered.setdefault((s.kind, s.source, s.checked), len(numbered) + 1)
        lines.append(f"- **{t('app_guide_' + field, lang)}:** {html.escape(text)} <sup>[{ref}]</sup>")
    lines.append("")
    for (kind, source, checked), ref in numbered.items():
        market = re.sub(r"\s*\(.*\)$", "", preset.title_in(lang))  # "GoFood (GoBiz)" -> "GoFood"
        lines.append(f"<small>[{ref}] {source_html(kind, source, checked, market, lang)}</small>  ")
    return "\n".join(lines)


MONTHS = {"id": ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"),
          "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")}


def date_text(day, lang: str) -> str:
    """28 Nov 2026 (both languages write the day first here)."""
    return f"{day.day} {MONTHS.get(lang, MONTHS['en'])[day.month - 1]} {day.year}"


def source_html(kind: str, source: str, checked, market: str, lang: str) -> str:
    """A rule's source as a person says it ("Panduan resmi Shopee, dicek 28 Nov 2026"), the address
    behind a link; never a package name, a file path or a bare address."""
    url = next((w.rstrip(",;)") for w in source.split() if w.startswith(("http://", "https://"))), None)
    if kind == "default":
        what = t("app_guide_src_default", lang)
    elif kind == "official":
        what = t("app_guide_src_official", lang, market=market)
    elif url:
        what = t("app_guide_src_article", lang, market=market)
    else:
        what = t("app_guide_src_tool", lang, market=market)
    text = html.escape(t("app_guide_source_line", lang, what=what, date=date_text(checked, lang)), quote=False)
    if url:
        link = html.escape(url, quote=True)
        return f"<a href='{link}' target='_blank' rel='noopener noreferrer'>{html.escape(what)}</a>" + \
            text[len(html.escape(what, quote=False)):]
    return text


_COLOURS = {"white": (255, 255, 255), "black": (0, 0, 0), "grey": (128, 128, 128), "light_grey": (210, 210, 210),
            "red": (200, 30, 30), "orange": (240, 130, 20), "yellow": (240, 220, 40), "green": (40, 160, 60),
            "blue": (40, 90, 200), "purple": (130, 50, 170), "pink": (240, 150, 190), "brown": (120, 75, 40),
            "cream": (240, 228, 200)}


_HEX = re.compile(r"#[0-9A-Fa-f]{6}\b")


def plain(text: str, lang: str) -> str:
    """A library message as a vendor reads it: colour codes said as colour names."""
    return _HEX.sub(lambda m: colour_name(m.group(0), lang), text)


def colour_name(colour: str, lang: str) -> str:
    """A colour as a vendor says it ("putih", "abu-abu muda"), never a hex code."""
    value = (colour or "").strip().lstrip("#")
    try:
        rgb = tuple(int(value[i:i + 2], 16) for i in (0, 2, 4))
    except ValueError:
        return colour
    name = min(_COLOURS, key=lambda n: sum((a - b) ** 2 for a, b in zip(_COLOURS[n], rgb)))
    if name == "white" and rgb != (255, 255, 255):
        name = "cream" if rgb[2] < rgb[0] - 12 else "light_grey"
    return t(f"app_colour_{name}", lang)


def guide_steps() -> list[str]:
    """The photo guide's step keys, in order (assistant.stages.checks)."""
    return list(services.check_guide.GUIDE_STEPS)


def photo_guide_md(lang: str) -> str:
    """The "Panduan foto" text: title, intro and numbered steps."""
    title = t("check_guide_title", lang) if "check_guide_title" in STRINGS else t("app_tips_title", lang)
    lines = [f"### {html.escape(title)}"]
    if "check_guide_intro" in STRINGS:
        lines += [html.escape(t("check_guide_intro", lang), quote=False), ""]
    steps = guide_steps()
    if not steps:
        return f"### {t('app_tips_title', lang)}\n{t('app_tips_body', lang)}"
    for i, key in enumerate(steps, 1):
        text = html.escape(t(key, lang), quote=False)
        head, sep, rest = text.partition(": ")
        lines.append(f"{i}. **{head}:** {rest}" if sep and len(head) < 40 else f"{i}. {text}")
    return "\n".join(lines)


def heading(text: str) -> str:
    """A label above a control that is not a Gradio block (plain HTML: "2. ..." is no Markdown list)."""
    return f"<div class='etalase-heading'>{html.escape(text)}</div>"


def entry_title(entry: dict, lang: str) -> str:
    """An output's preset name in ``lang`` (the result description keeps both languages)."""
    return str(localized(entry["title"], lang))


def view_choices(entries: list[dict], lang: str) -> list[tuple[str, int]]:
    """The result viewer's choices: each output by its preset's name in ``lang``."""
    return [(entry_title(e, lang), i) for i, e in enumerate(entries)]


def footer(lang: str) -> str:
    device = models.device()
    return "<small>" + html.escape(t("app_footer", lang, version=assistant.__version__,
                                     device=t(f"app_device_{device}", lang),
                                     age=duration(CACHE_MAX_AGE_S, lang))) + "</small>"




# --- In the browser (assistant/web/static/etalase.js) -----------------------------------------

# Rough first guesses in seconds on a small CPU server; after a run the page uses the time it took.
ESTIMATES = {"photo": {"isnet-general-use": 12, "u2netp": 5, "each": 1},
             "touch": {"isnet-general-use": 5, "u2netp": 4, "base": 4},
             "mockup": {"isnet-general-use": 8, "u2netp": 6, "base": 6},
             "batch": {"base": 5, "each": 3}}


def browser_texts() -> dict:
    """Every text the page script shows (Gradio's own texts translated, the busy states), by language."""
    keys = sorted(k[len("app_ui_"):] for k in STRINGS if k.startswith("app_ui_"))
    texts = {lang: {k: t(f"app_ui_{k}", lang) for k in keys} for lang in LANGUAGES}
    return {"default": default_language(), "estimates": ESTIMATES, **texts}
