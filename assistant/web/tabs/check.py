"""The "Cek Foto" tab (issue 22): a listing image the vendor already has, judged per chosen
marketplace as its moderation would ("Siap tayang", or the reasons and what to do), with the
safe fix shown before/after side by side and offered for download.

Also ``ready_md(entry, lang)``: the readiness line of the photo tab's result card.
The library decides (``assistant.readiness``); this module only shows it.
"""

from __future__ import annotations

import html
import time
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from assistant.i18n import t
from assistant.photo import encode_preview, open_photo
from assistant.presets import load_preset
from assistant.readiness.ready import MAX_SIDE, check_ready
from assistant.readiness.report import file_verdict
from assistant.readiness.rules import Reason
from assistant.web import render, services
from assistant.web.config import CONCURRENCY
from assistant.web.render import alert, lang_of
from assistant.web.services import PRESET_NAMES, AppMessage
from assistant.web.widgets import PhotoInput, Texts, preset_choices

DEFAULT_CHECK = [n for n in ("shopee", "tokopedia", "lazada") if n in PRESET_NAMES] or PRESET_NAMES[:1]
SLOTS = len(PRESET_NAMES)  # one card per chosen marketplace


def ready_md(entry: dict, lang: str) -> str:
    """The result card's readiness line for one output (``entry`` as services writes it): a
    line break and "✓ Siap tayang di Shopee ..." or "⚠ Shopee kemungkinan menolak ...: reasons";
    "" when it could not be judged (the card stays as it was)."""
    verdict = file_verdict(entry["path"], entry["preset"])
    if verdict is None:
        return ""
    title = load_preset(entry["preset"]).title_in(lang)
    if verdict.ok:
        return "  \n✓ " + html.escape(t("siap_card_ok", lang, preset=title), quote=False)
    reasons = "; ".join(render.plain(r.text(lang), lang) for r in verdict.reasons)
    return "  \n⚠ " + html.escape(t("siap_card_bad", lang, preset=title, reasons=reasons), quote=False)


# --- What the result looks like (language-free state -> HTML) ---------------------------------


def describe(ready, names: list[str], out_dir: Path, stem: str) -> dict:
    """The language-free description kept in the session: per preset its reasons, the fix's file
    (written into ``out_dir``) or why there is none, and the reasons left after the fix."""
    cards = []
    for name, v, fixed, after in zip(names, ready.verdicts, ready.fixes, ready.after):
        card = {"preset": name, "reasons": [(r.code, r.params) for r in v.reasons], "fix": None,
                "refused": None, "after": None}
        if fixed.refused not in (None, "not_needed"):
            card["refused"] = fixed.refused
        elif fixed.refused is None and fixed.data is not None:
            ext = "png" if fixed.format == "png" else "jpg"
            path = out_dir / f"{stem}-{name}-rapi.{ext}"
            path.write_bytes(fixed.data)
            card["fix"] = str(path)
            card["after"] = [(r.code, r.params) for r in after.reasons] if after is not None else []
        cards.append(card)
    return {"cards": cards}


def _reason_html(code: str, params: dict, preset, lang: str) -> str:
    reason = Reason(code, params)
    text = render.plain(reason.text(lang), lang)
    line = f"<b>{html.escape(text[:1].upper() + text[1:], quote=False)}.</b> " \
           f"{html.escape(t(f'siap_do_{code}', lang), quote=False)}"
    src = reason.source(preset)
    if src is not None:
        where = render.source_html(src.kind, src.source, src.checked, preset.title_in(lang), lang)
        line += f"<br><small class='siap-src'>{t('siap_rule', lang, source=where)}</small>"
    return f"<li>{line}</li>"


def card_html(card: dict, lang: str) -> str:
    """One marketplace's verdict: "✓ Siap tayang", or the reasons with what to do and the rule's
    source, then what the fix did (or why there is none)."""
    preset = load_preset(card["preset"])
    title = html.escape(preset.title_in(lang))
    if not card["reasons"]:
        return f"<div class='siap-card siap-ok'><b>✓ {title}: {html.escape(t('siap_ready', lang))}</b></div>"
    items = "".join(_reason_html(code, params, preset, lang) for code, params in card["reasons"])
    out = [f"<div class='siap-card siap-bad'><b>⚠ {title}: {html.escape(t('siap_not_ready', lang))}</b>",
           f"<div class='siap-todo'>{html.escape(t('siap_what_to_do', lang))}</div><ul>{items}</ul>"]
    if card["refused"]:
        refused = t("readiness_fix_refused_" + card["refused"], lang)
        out.append(f"<div class='siap-fix'>{html.escape(refused, quote=False)}</div>")
    elif card["fix"]:
        left = card["after"] or []
        text = (t("siap_after_ok", lang, preset=preset.title_in(lang)) if not left else
                t("siap_after_bad", lang, reasons="; ".join(render.plain(Reason(c, p).text(lang), lang)
                                                             for c, p in left)))
        out.append(f"<div class='siap-fix {'siap-ok' if not left else ''}'>{'✓' if not left else '⚠'} "
                   f"{html.escape(text, quote=False)}</div>")
    out.append("</div>")
    return "".join(out)


def summary_html(state: dict, seconds: float | None, lang: str) -> str:
    cards = state["cards"]
    bad = [c for c in cards if c["reasons"]]
    if not bad:
        return render.done_html(html.escape(t("siap_summary_ok", lang), quote=False), seconds)
    if len(cards) == 1:
        text = t("siap_summary_bad_one", lang, preset=load_preset(cards[0]["preset"]).title_in(lang))
    else:
        text = t("siap_summary_bad", lang, bad=len(bad), total=len(cards))
    if any(c["fix"] for c in bad):
        text += " " + t("siap_summary_fixed", lang)
    return alert(html.escape(text, quote=False))


# --- The tab ------------------------------------------------------------------------------------


@dataclass(eq=False)
class Slot:
    """One chosen marketplace's card: its verdict, and the fix before/after with its download."""

    box: gr.Column
    verdict: gr.HTML
    fix_row: gr.Row
    before: gr.Image
    after: gr.Image
    download: gr.DownloadButton


@dataclass(eq=False)
class CheckTab:
    """The tab's components; its handlers return {component: update}."""

    lang: gr.Radio
    photo: PhotoInput
    presets: gr.Dropdown
    button: gr.Button
    status: gr.HTML
    slots: list[Slot]
    state: gr.State

    def outputs(self) -> list:
        return [self.status, self.state] + [c for s in self.slots for c in
                                            (s.box, s.verdict, s.fix_row, s.before, s.after, s.download)]

    def wire(self) -> None:
        self.button.click(self.run_check, [self.photo, self.presets, self.lang], self.outputs(),
                          concurrency_limit=CONCURRENCY, concurrency_id="photo", api_visibility="private",
                          show_progress="full", show_progress_on=self.status)
        self.photo.input(lambda: self.shown(None, None, None), None, self.outputs(), queue=False,
                         api_visibility="private", show_progress="hidden")

    def run_check(self, path, names, lang_value, progress=gr.Progress()):
        lang_value = lang_of(lang_value)
        start = time.perf_counter()
        try:
            if not path:
                raise AppMessage("siap_need_photo")
            names = [n for n in (names or []) if n in PRESET_NAMES]
            if not names:
                raise AppMessage("siap_need_preset")
            progress(0.2, desc=t("siap_progress", lang_value))
            data = Path(path).read_bytes()
            out_dir = services.new_dir(services.OUT_ROOT)
            before = out_dir / "sebelum.jpg"
            before.write_bytes(encode_preview(open_photo(data, max_side=MAX_SIDE).image, side=1200, quality=85))
            with services.single_photo_running():
                ready = check_ready(data, names)
            state = describe(ready, names, out_dir, services.safe_stem(path))
            state["before"] = str(before)
        except Exception as exc:  # every failure becomes a message the vendor can act on
            return self.shown(None, None, lang_value) | {self.status: alert(render.friendly(exc, lang_value))}
        return self.shown(state, time.perf_counter() - start, lang_value)

    def shown(self, state, seconds, lang_value) -> dict:
        """The result on screen (or none: ``state`` None)."""
        lang_value = lang_of(lang_value)
        cards = (state or {}).get("cards", [])
        updates = {self.status: summary_html(state, seconds, lang_value) if state else "", self.state: state}
        for i, slot in enumerate(self.slots):
            card = cards[i] if i < len(cards) else None
            fix = card and card["fix"]
            updates |= {slot.box: gr.update(visible=card is not None),
                        slot.verdict: card_html(card, lang_value) if card else "",
                        slot.fix_row: gr.update(visible=bool(fix)),
                        slot.before: state["before"] if fix else None,
                        slot.after: fix or None,
                        slot.download: gr.update(value=fix or None, visible=bool(fix), label=t(
                            "siap_download", lang_value, preset=load_preset(card["preset"]).title_in(lang_value))
                            if card else "")}
        return updates

    def relabel_inputs(self) -> set:
        return {self.state}

    def relabel_outputs(self) -> list:
        return [self.status] + [c for s in self.slots for c in (s.verdict, s.download)]

    def relabel(self, values: dict, lang: str) -> dict:
        """The verdicts already shown, in ``lang`` (the images stay)."""
        state = values[self.state]
        if not state:
            return {}
        updates = {self.status: summary_html(state, None, lang)}
        for slot, card in zip(self.slots, state["cards"]):
            updates[slot.verdict] = card_html(card, lang)
            updates[slot.download] = gr.update(label=t("siap_download", lang,
                                                       preset=load_preset(card["preset"]).title_in(lang)))
        return updates


def _caption(key: str):
    return lambda lang: f"<div class='siap-cap'>{html.escape(t(key, lang))}</div>"


def _pane(T: Texts, key: str, elem_id: str) -> gr.Image:
    """One side of the before/after pair: its caption above the image (a label drawn over the
    image would hide what the vendor added in its corner)."""
    with gr.Column(min_width=120):
        T(gr.HTML(_caption(key)(T.lang), elem_classes=["etalase-html"]), value=_caption(key))
        return T(gr.Image(type="filepath", interactive=False, show_label=False, label=t(key, T.lang), buttons=[],
                          height=200, elem_id=elem_id), label=key)


def _slot(i: int, T: Texts) -> Slot:
    lang0 = T.lang
    with gr.Column(visible=False, elem_classes=["output-card"], elem_id=f"ck-card-{i}") as box:
        verdict = gr.HTML("", elem_id=f"ck-verdict-{i}", elem_classes=["etalase-html"])
        with gr.Row(visible=False, elem_id=f"ck-fix-{i}", equal_height=True) as fix_row:
            before, after = (_pane(T, key, f"ck-{name}-{i}") for key, name in (("siap_before", "before"),
                                                                                ("siap_after", "after")))
        download = gr.DownloadButton("", variant="primary", visible=False, elem_id=f"ck-download-{i}")
    return Slot(box, verdict, fix_row, before, after, download)


def build(T: Texts, lang: gr.Radio) -> CheckTab:
    lang0 = T.lang
    with T(gr.Tab(t("siap_tab", lang0), id="check", elem_id="tab-check"), label="siap_tab"):
        T(gr.Markdown(t("siap_intro", lang0), elem_id="ck-intro"), value="siap_intro")
        with gr.Row():
            with gr.Column(min_width=300):
                # the caption above, not Gradio's label over the image: it would hide a corner's promo text
                T(gr.HTML(_caption("siap_photo_label")(lang0), elem_classes=["etalase-html"]),
                  value=_caption("siap_photo_label"))
                photo = T(PhotoInput(label=t("siap_photo_label", lang0), show_label=False, type="filepath",
                                     image_mode=None, sources=["upload"], height=260, elem_id="ck-photo",
                                     placeholder=t("siap_photo_placeholder", lang0)),
                          label="siap_photo_label", placeholder="siap_photo_placeholder")
                presets = T(gr.Dropdown(preset_choices(lang0), value=DEFAULT_CHECK, multiselect=True,
                                        filterable=False, label=t("siap_presets_label", lang0),
                                        info=t("siap_presets_info", lang0), elem_id="ck-presets"),
                            label="siap_presets_label", info="siap_presets_info", choices=preset_choices)
                button = T(gr.Button(t("siap_button", lang0), variant="primary", elem_id="ck-btn",
                                     elem_classes=["etalase-big"]), value="siap_button")
            with gr.Column(min_width=300):
                status = gr.HTML("", elem_id="ck-status", elem_classes=["etalase-html"])
                slots = [_slot(i, T) for i in range(SLOTS)]
    tab = CheckTab(lang, photo, presets, button, status, slots, gr.State(None))
    tab.wire()
    return tab
