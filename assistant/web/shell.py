"""The app's shell: the header with the language switch, the tabs, the footer, the hidden
API, the guards in front of the server, the cache sweeper and the launch settings.

The language switch relabels every registered text (``widgets.Texts``) and asks each tab
for its own updates (results already shown, choices that depend on other inputs).
"""

from __future__ import annotations

import json
import logging
import threading
import time

import gradio as gr
from starlette.middleware import Middleware

from assistant.models import registry as models, session as segment
from assistant.web.limits import RequestLimits, fair_queue
from assistant.i18n import LANGUAGES, default_language, t
from assistant.web import render, services
from assistant.web.config import (CACHE_DIR, CACHE_MAX_AGE_S, CACHE_SWEEP_S, CONCURRENCY, MAX_UPLOAD_MB,
                                  MAX_UPLOAD_TOTAL_MB, QUEUE_MAX, REPO, static_text)
from assistant.web.render import lang_of
from assistant.web.services import DEFAULT_PRESET, AppMessage
from assistant.web.tabs import batch, check, guide, mockup, photo, promo
from assistant.web.widgets import FileInput, Texts, merge

log = logging.getLogger("etalase.app")


def build_app() -> gr.Blocks:
    lang0 = default_language()
    T = Texts(lang0)
    demo = gr.Blocks(title=t("app_title", lang0), delete_cache=(CACHE_SWEEP_S, CACHE_MAX_AGE_S))
    with demo:
        lang = _header(T)
        with gr.Tabs(elem_id="tabs", overflow_behavior="wrap"):  # 6 tabs: two rows on a phone, none in a menu
            tabs = [photo.build(T, lang), batch.build(T, lang), mockup.build(T, lang)]
            tabs.append(promo.build(T, lang, last=getattr(tabs[0], "last_result", None)))  # issue 19
            tabs.append(check.build(T, lang))  # issue 22: Cek foto sebelum unggah
            tabs.append(guide.build(T, lang, demo))
        T(gr.Markdown(render.footer(lang0), elem_id="footer"), value=render.footer)
        _api()
        _wire_language(demo, T, lang, tabs)
    demo.queue(default_concurrency_limit=CONCURRENCY, max_size=QUEUE_MAX)
    fair_queue(demo._queue)  # jobs in turns by phone, not first come first served (issue 18)
    _served.append(demo)
    return demo


_served: list[gr.Blocks] = []  # the app being served: the request limits ask its queue


def _pending(session_hash: str) -> int:
    """Jobs waiting or running for one browser session, from gradio's queue."""
    queue = getattr(_served[-1], "_queue", None) if _served else None
    return len(queue.pending_event_ids_session.get(session_hash, ())) if queue is not None else 0


def _header(T: Texts) -> gr.Radio:
    lang0 = T.lang
    with gr.Row(elem_id="lang-row"):
        with gr.Column(scale=4, min_width=240):
            T(gr.Markdown(f"# {t('app_title', lang0)}\n{t('app_tagline', lang0)}", elem_id="header"),
              value=lambda lang: f"# {t('app_title', lang)}\n{t('app_tagline', lang)}")
        with gr.Column(scale=1, min_width=270):
            return T(gr.Radio([("Bahasa Indonesia", "id"), ("English", "en")], value=lang0,
                              label=t("app_language_label", lang0), show_label=False, container=False,
                              elem_id="lang"),
                     label="app_language_label")


def _wire_language(demo: gr.Blocks, T: Texts, lang: gr.Radio, tabs: list) -> None:
    """Every label, then the results already shown, in the new language; ``?lang=en`` picks it on load."""
    inputs = {lang}.union(*(tab.relabel_inputs() for tab in tabs))

    def relabel(values: dict) -> dict:
        lang_value = lang_of(values[lang])
        updates = T.updates(lang_value)
        for tab in tabs:
            merge(updates, tab.relabel(values, lang_value))
        return updates

    outputs = list({c: None for c, _ in T.entries})
    for tab in tabs:
        outputs += [c for c in tab.relabel_outputs() if c not in outputs]
    lang.change(relabel, inputs, outputs, queue=False, api_visibility="private")

    def from_url(request: gr.Request):
        wanted = (request.query_params.get("lang") or "").lower()[:2] if request else ""
        return wanted if wanted in LANGUAGES else gr.update()

    demo.load(from_url, None, lang, queue=False, api_visibility="private")


def _api() -> None:
    """(photo file, preset names) -> output files, as ``/process_photo``. Optional: quality, language."""
    with gr.Column(visible=False):
        image = FileInput(label="image")
        presets = gr.Textbox(DEFAULT_PRESET, label="presets")
        quality = gr.Textbox("", label="quality")
        lang = gr.Textbox(default_language(), label="lang")
        out = gr.File(file_count="multiple", label="outputs")
        button = gr.Button("process_photo")
    button.click(api_process_photo, [image, presets, quality, lang], out, api_name="process_photo",
                 concurrency_limit=CONCURRENCY, concurrency_id="photo")


def api_process_photo(image, preset_names, quality_value, lang_value):
    """Process one photo for the given marketplaces (comma-separated, e.g. "umum,shopee");
    returns one image file per marketplace. Optional: quality "kualitas" (default) or
    "cepat"; lang "id" or "en" for error messages."""
    lang_value = lang_of(lang_value)
    try:
        if not image:
            raise AppMessage("app_need_photo")
        with services.single_photo_running():
            state, _ = services.process_photo_files(image, preset_names or DEFAULT_PRESET,
                                                    services.model_for(quality_value))
    except Exception as exc:
        raise gr.Error(render.friendly(exc, lang_value), title=t("app_error_title", lang_value),
                       print_exception=False) from None
    return [e["path"] for e in state["outputs"]]


# --- In front of the server -------------------------------------------------------------------


def _blocked_paths() -> list[str]:
    """Folders never served even if someone points Gradio at them: the code and the models."""
    paths = [REPO, models.models_dir()]
    return [str(p) for p in paths if not (CACHE_DIR == p or p in CACHE_DIR.parents)]


# Gradio's bundled Source Sans Pro SemiBold is a few-glyph subset: semibold text fell back, letter by
# letter, to another font. Regular and the complete Bold only (600 then renders with Bold).
THEME_FONT = (gr.themes.LocalFont("Source Sans Pro", weights=(400, 700)), "ui-sans-serif", "system-ui", "sans-serif")


def page_script() -> str:
    """The page's script (Gradio's own texts in the vendor's language, the busy states) as a <head> tag."""
    texts = json.dumps(render.browser_texts(), ensure_ascii=False).replace("</", "<\\/")
    return "<script>" + static_text("etalase.js").replace("__TEXTS__", texts) + "</script>"


def launch_kwargs() -> dict:
    return {
        "theme": gr.themes.Default(primary_hue="orange", font=THEME_FONT),
        "css": static_text("app.css"),
        "head": page_script(),
        "max_file_size": f"{MAX_UPLOAD_MB}mb",
        "allowed_paths": [],
        "blocked_paths": _blocked_paths(),
        # request sizes, upload quota, editor index, jobs per session, no URL fetch, nosniff
        "app_kwargs": {"middleware": [Middleware(RequestLimits, pending=_pending,
                                                 route_body={"/upload": MAX_UPLOAD_TOTAL_MB * 1_000_000,
                                                             "/component_server": 16 * 2**20})]},
        "run_history": False,  # a shared tablet must not show the previous vendor's runs
        "footer_links": [],  # no "Gunakan melalui API" for vendors; the API itself stays
        "show_error": False,
    }


# --- Background threads: model warm-up and the cache sweeper ---------------------------------


def _warm(names: list[str]) -> None:
    try:
        segment.warm(tuple(n for n in names if n in models.MODELS))
        log.info("models warmed: %s", ", ".join(names))
    except Exception:
        log.exception("warming the models failed; they load on first use")
    if names:  # ETALASE_WARM="" (tests, benches that time a cold start) warms nothing
        _warm_promo()


def _warm_promo() -> None:
    """One Promosi set from a drawn product, thrown away: the first set on a machine draws the
    kit's textures and backdrops (kept in the user's cache) and loads the fonts, about 1 s of CPU
    that would otherwise land on the first vendor who opens the tab."""
    from PIL import Image, ImageDraw

    from assistant import promo
    from assistant.photo import Photo

    try:
        image = Image.new("RGB", (600, 800), (245, 245, 245))
        alpha = Image.new("L", image.size, 0)
        ImageDraw.Draw(image).rectangle((180, 160, 420, 700), fill=(190, 60, 40))
        ImageDraw.Draw(alpha).rectangle((180, 160, 420, 700), fill=255)
        promo.make_listing([Photo(image=image, alpha=alpha, source="warm.png", original_size=image.size,
                                  decoded_size=image.size)], "shopee")
        log.info("Promosi warmed")
    except Exception:
        log.exception("warming Promosi failed; its first set draws its backdrops")


def _sweeper() -> None:
    while True:
        try:
            services.sweep_cache()
            services.release_memory()  # expired sessions' cut-outs, and the freed pages, back
        except Exception:  # never let the sweeper die
            log.exception("cache sweep failed")
        time.sleep(CACHE_SWEEP_S)


def start_background(warm: list[str]) -> None:
    """Load ``warm`` models in the background and start the cache sweeper (both daemons)."""
    threading.Thread(target=_warm, args=(warm,), daemon=True, name="warm-models").start()
    threading.Thread(target=_sweeper, daemon=True, name="cache-sweeper").start()
