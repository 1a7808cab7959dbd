"""The app as a vendor on a phone lives it (issue 17): an Android phone at 390x844, touch, whose
system language is English while the app speaks Indonesian (the hardest case for Gradio's own
texts, which otherwise follow the browser's language).

Each test fails on the app before issue 17 and passes after: the busy state at the tap, results
that belong to their input, no English or jargon in any state, single photos beside batches.
"""

from __future__ import annotations

import re
import time
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import jpeg_bytes, product_photo
from tests.test_app_browser import (PHONE, RESULT_TIMEOUT_MS, blue_photo, browser, pick, save_shot,  # noqa: F401
                                    server, shots, upload_photo)
from tests.test_app import sample_photo

# Each test runs the app several times; on a shared 2-core machine that can pass the suite's 300 s.
pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]

ANDROID = dict(PHONE, user_agent="Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
                                 "Chrome/120.0.0.0 Mobile Safari/537.36")
BUSY_MS = 300

# What must never reach the Indonesian interface.
GRADIO_TEXTS = ("Drop Image Here", "Drop File Here", "- or -", "Click to Upload", "Click to Access Webcam", "queue:",
                "processing |", "Use via API", "Gunakan melalui API", "Built with", "Letakkan", "Klik untuk Mengunggah",
                "exceed the maximum", "Remove Image", "Upload file", "Capture from camera", "Empty value",
                "Fullscreen", "common.", "Mb:")
ENGLISH = re.compile(r"\b(the|and|upload|download|drop|click|error|loading|remove|clear|queue|processing|webcam|"
                     r"submit|fullscreen|undo|redo|brush|eraser|preset|source|model)\b", re.I)
HEX = re.compile(r"#[0-9A-Fa-f]{6}\b")
MODEL = re.compile(r"isnet|u2net|birefnet|rembg|onnx|\bcuda\b", re.I)
PATH = re.compile(r"/tmp/|/home/|/work/|\w\.py\b|\.toml\b|\w\.md\b|docs/|lib/|\bnpm\b|@\d|\.d\.ts")

VISIBLE_TEXTS = """() => {
  const out = new Set();
  const shown = (e) => { const s = getComputedStyle(e);
    return s.display !== 'none' && s.visibility !== 'hidden' && (e.offsetParent || s.position === 'fixed'); };
  const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (w.nextNode()) {
    const e = w.currentNode.parentElement, text = w.currentNode.textContent.trim();
    if (e && text && shown(e)) out.add(text);
  }
  document.querySelectorAll('[aria-label], [placeholder], [title]').forEach((e) => {
    if (!shown(e)) return;
    for (const a of ['aria-label', 'placeholder', 'title']) if (e.getAttribute(a)) out.add(e.getAttribute(a));
  });
  return [...out];
}"""


def open_phone(browser, server):  # noqa: F811
    context = browser.new_context(locale="en-US", accept_downloads=True, **ANDROID)
    page = context.new_page()
    page.goto(server[0])
    page.wait_for_selector("#process-btn")
    return context, page


def foreign(texts: list[str]) -> list[str]:
    """The texts a vendor should not meet: Gradio's defaults, English, hex codes, model names, paths."""
    bad = []
    for text in texts:
        if (any(g in text for g in GRADIO_TEXTS) or ENGLISH.search(text) or HEX.search(text) or MODEL.search(text)
                or PATH.search(text)):
            bad.append(text)
    return bad


class Walk:
    """Collects what the page shows in each state."""

    def __init__(self, page) -> None:
        self.page, self.seen = page, {}

    def __call__(self, state: str) -> None:
        self.seen[state] = foreign(self.page.evaluate(VISIBLE_TEXTS))

    def problems(self) -> dict:
        return {state: bad for state, bad in self.seen.items() if bad}


WATCH_BUSY = """(sel) => {
  window.__busy = null;
  const btn = document.querySelector(sel.button);
  let t0 = null;
  const start = () => { if (t0 === null) t0 = performance.now(); };
  btn.addEventListener('pointerdown', start, {capture: true, once: true});
  btn.addEventListener('click', start, {capture: true, once: true});
  const check = (obs) => {
    if (t0 === null || !btn.disabled || !btn.dataset.busy) return;
    const box = document.querySelector(sel.box).getBoundingClientRect();
    window.__busy = {ms: performance.now() - t0, text: btn.dataset.busy,
                     box_in_view: box.top >= 0 && box.bottom <= window.innerHeight};
    obs.disconnect();
  };
  new MutationObserver((r, obs) => check(obs)).observe(btn, {attributes: true, subtree: true, childList: true});
}"""


def tap_and_watch(page, button: str, box: str) -> dict:
    """Tap ``button``; the busy state as the page saw it (ms from the tap, measured in the page)."""
    page.evaluate(WATCH_BUSY, {"button": button, "box": box})
    page.tap(button)
    page.wait_for_function("window.__busy !== null", timeout=10_000)
    return page.evaluate("window.__busy")


def wait_answer(page, status: str) -> str:
    page.wait_for_selector(f"{status} .etalase-ok, {status} .etalase-alert", timeout=RESULT_TIMEOUT_MS)
    page.wait_for_timeout(400)  # the page scrolls to the answer
    return page.inner_text(status)


def in_view(page, selector: str) -> bool:
    return page.evaluate("""(s) => { const r = document.querySelector(s).getBoundingClientRect();
        return r.height > 0 && r.top >= 0 && r.top < window.innerHeight; }""", selector)


def test_tap_gives_busy_state_at_once_and_the_result_comes_into_view(browser, server, shots, tmp_path):  # noqa: F811
    context, page = open_phone(browser, server)
    upload_photo(page, str(blue_photo(tmp_path)))
    page.locator("#quality").get_by_label("Cepat").check()
    busy = tap_and_watch(page, "#process-btn", "#photo-busy")
    print(f"busy state {busy['ms']:.0f} ms after the tap: {busy['text']!r}")
    assert busy["ms"] < BUSY_MS, busy
    assert "Memproses foto" in busy["text"] and "detik" in busy["text"], busy
    assert busy["box_in_view"], "the progress box under the button is off-screen"
    save_shot(page, shots / "foto-produk-phone-sibuk.png")
    assert "Selesai" in wait_answer(page, "#status")
    assert in_view(page, "#status") and in_view(page, "#slider"), "the result is not on screen"
    assert page.evaluate("!document.querySelector('#process-btn').disabled")
    # The next estimate comes from this run's time.
    page.evaluate("window.__busy = null")
    upload_photo(page, str(sample_photo(tmp_path)))
    page.wait_for_selector("#download-0", state="hidden")
    busy = tap_and_watch(page, "#process-btn", "#photo-busy")
    assert busy["ms"] < BUSY_MS, busy
    wait_answer(page, "#status")
    context.close()


def test_results_belong_to_their_input(browser, server, shots, tmp_path):  # noqa: F811
    context, page = open_phone(browser, server)
    upload_photo(page, str(blue_photo(tmp_path)))
    page.locator("#quality").get_by_label("Cepat").check()
    page.tap("#process-btn")
    assert "Selesai" in wait_answer(page, "#status")
    label = page.inner_text("#download-0")
    assert "Umum" in label and "1200×1200" in label, label  # the button names what it downloads
    # A new photo: the last product's result and download go at once.
    upload_photo(page, str(sample_photo(tmp_path)))
    page.wait_for_selector("#download-0", state="hidden")
    page.wait_for_function("document.querySelector('#status').innerText.trim() === ''")
    assert not page.locator("#slider").is_visible()
    page.tap("#process-btn")
    assert "Selesai" in wait_answer(page, "#status")
    # A file over the 25 MB cap (Gradio counts MiB), refused in the browser: the warning in Indonesian,
    # no old result under it.
    big = tmp_path / "besar.jpg"
    big.write_bytes(b"\xff\xd8" + bytes(30_000_000))
    upload_photo(page, str(big))
    page.wait_for_selector("text=terlalu besar", timeout=20_000)
    page.wait_for_selector("#download-0", state="hidden")
    # A file that is no photo: the message, and no earlier result to download as if it were this one's.
    upload_photo(page, str(sample_photo(tmp_path)))
    page.tap("#process-btn")
    wait_answer(page, "#status")
    page.evaluate("document.querySelectorAll('#status div').forEach(e => e.dataset.old = '1')")
    page.set_input_files("#photo-input input[type=file]",
                         {"name": "catatan.jpg", "mimeType": "image/jpeg", "buffer": b"bukan foto\n"})
    page.wait_for_selector("#status .etalase-alert", timeout=RESULT_TIMEOUT_MS)
    assert "bukan foto" in page.inner_text("#status")
    assert not page.locator("#download-0").is_visible()
    assert not page.locator("#slider").is_visible()
    assert not page.locator("#photo-input img").count(), "a broken preview stayed"
    context.close()


def test_refused_promo_text_takes_the_old_mockups_away(browser, server, tmp_path):  # noqa: F811
    context, page = open_phone(browser, server)
    page.get_by_role("tab", name="Kemasan").click()
    page.wait_for_selector("#mk-templates .mk-card")
    page.locator("#mk-source").get_by_label("Nama merek saja").check()
    page.fill("#mk-brand-name input, #mk-brand-name textarea", "Keripik Bu Ani")
    page.tap("#mk-btn")
    assert "selesai" in wait_answer(page, "#mk-status")
    assert page.locator("#mk-download-0").is_visible()
    page.locator("#mk-more").get_by_text("Pilihan lain").click()
    page.fill("#mk-badge input, #mk-badge textarea", "PROMO -20%")
    page.evaluate("document.querySelectorAll('#mk-status div').forEach(e => e.dataset.old = '1')")
    page.tap("#mk-btn")
    page.wait_for_selector("#mk-status .etalase-alert:not([data-old])", timeout=RESULT_TIMEOUT_MS)
    page.wait_for_selector("#mk-download-0", state="hidden")
    assert not page.locator("#mk-gallery").is_visible()
    context.close()


def test_the_indonesian_interface_has_no_english_or_jargon_in_any_state(browser, server, shots, tmp_path):  # noqa
    context, page = open_phone(browser, server)
    walk = Walk(page)
    page.wait_for_timeout(500)
    walk("photo: empty")
    page.locator("#photo-input").get_by_label(re.compile("kamera", re.I)).first.click()
    page.wait_for_timeout(500)
    walk("photo: camera")
    page.goto(server[0])
    page.wait_for_selector("#process-btn")
    upload_photo(page, str(blue_photo(tmp_path, blur=6)))
    page.locator("#quality").get_by_label("Cepat").check()
    page.tap("#process-btn")
    page.wait_for_selector("#photo-busy [data-testid=status-tracker] .progress-text, "
                           "#photo-busy [data-testid=status-tracker] .meta-text, #status .etalase-ok", timeout=60_000)
    walk("photo: busy")
    wait_answer(page, "#status")
    walk("photo: result")
    page.locator("#touch").get_by_text("Rapikan dengan kuas").click()
    page.wait_for_selector("#touch-editor canvas")
    page.wait_for_timeout(500)
    walk("photo: brush")
    page.set_input_files("#photo-input input[type=file]",
                         {"name": "catatan.jpg", "mimeType": "image/jpeg", "buffer": b"bukan foto\n"})
    page.tap("#process-btn")
    page.wait_for_selector("#status .etalase-alert", timeout=RESULT_TIMEOUT_MS)
    walk("photo: error")
    # Banyak Foto: empty, busy (one progress display), done.
    page.get_by_role("tab", name="Banyak Foto").click()
    page.wait_for_selector("#batch-btn")
    walk("batch: empty")
    photo = sample_photo(tmp_path)
    page.set_input_files("#batch-files input[type=file]", [str(photo)] * 3)
    page.locator("#batch-quality").get_by_label("Cepat").check()
    page.tap("#batch-btn")
    page.wait_for_selector("#batch-busy [data-testid=status-tracker]", timeout=60_000)
    page.wait_for_timeout(800)
    walk("batch: busy")
    bars = page.evaluate("""[...document.querySelectorAll('.progress-bar, .progress-level, .eta-bar')]
        .filter(e => e.offsetParent && e.getBoundingClientRect().width > 0).map(e => e.closest('[id]')?.id)""")
    assert len(set(bars)) <= 1, f"more than one progress display: {bars}"
    page.wait_for_function("document.querySelector('#batch-status').innerText.includes('Selesai')",
                           timeout=RESULT_TIMEOUT_MS)
    walk("batch: done")
    # Kemasan: empty, result, refused.
    page.get_by_role("tab", name="Kemasan").click()
    page.wait_for_selector("#mk-templates .mk-card")
    walk("kemasan: empty")
    page.locator("#mk-more").get_by_text("Pilihan lain").click()
    steps = re.findall(r"(?m)^\s*(\d)\. ", page.inner_text("#tab-mockup"))
    assert len(steps) == len(set(steps)), f"a step number twice in Kemasan: {steps}"
    page.locator("#mk-more").get_by_text("Pilihan lain").click()
    page.locator("#mk-source").get_by_label("Nama merek saja").check()
    page.fill("#mk-brand-name input, #mk-brand-name textarea", "Keripik Bu Ani")
    page.tap("#mk-btn")
    wait_answer(page, "#mk-status")
    walk("kemasan: result")
    page.locator("#mk-more").get_by_text("Pilihan lain").click()
    page.fill("#mk-badge input, #mk-badge textarea", "PROMO -20%")
    page.tap("#mk-btn")
    page.wait_for_selector("#mk-status .etalase-alert", timeout=RESULT_TIMEOUT_MS)
    walk("kemasan: refused")
    # Panduan, for a marketplace whose sources are a third party's.
    page.get_by_role("tab", name="Panduan").click()
    page.wait_for_selector("#guide-card h3")
    pick(page, "#guide-pick", "Shopee")
    page.wait_for_function("document.querySelector('#guide-card').innerText.includes('1024×1024')")
    walk("panduan: shopee")
    card = page.inner_text("#guide-card")
    assert "dicek 28 Nov 2026" in card, card
    assert page.locator("#guide-card a[href^='https://']").count() >= 1  # the address behind a link
    assert walk.problems() == {}, walk.problems()
    context.close()


BATCH_PHOTOS = 30  # long enough to outlast the photo on a quiet machine (12 ended first in round 7)


def test_a_single_photo_is_not_stuck_behind_a_batch(browser, server, tmp_path):  # noqa: F811
    """Batches run in their own process, below the app's priority: a single photo's result comes
    within 2x its idle time (+1.5 s) beside one."""
    context, page = open_phone(browser, server)
    upload_photo(page, str(blue_photo(tmp_path)))
    page.locator("#quality").get_by_label("Cepat").check()

    def single() -> float:
        page.evaluate("document.querySelectorAll('#status div').forEach(e => e.dataset.old = '1');"
                      "window.__t0 = performance.now()")
        page.tap("#process-btn")
        # (a photo the checks want retaken answers with an amber line, not a green one)
        page.wait_for_selector("#status .etalase-ok:not([data-old]), #status .etalase-alert:not([data-old])",
                               timeout=RESULT_TIMEOUT_MS * 3)
        return page.evaluate("performance.now() - window.__t0") / 1000

    single()  # warm: the model is loaded, the cut-out cached per photo path (new upload below)
    upload_photo(page, str(sample_photo(tmp_path)))
    idle = single()
    other, batch_page = open_phone(browser, server)
    batch_page.get_by_role("tab", name="Banyak Foto").click()
    batch_page.wait_for_selector("#batch-btn")  # the tab is drawn (on a loaded machine the radio was not yet live)
    photos = []
    for i in range(BATCH_PHOTOS):
        path = tmp_path / f"batch-{i}.jpg"
        path.write_bytes(jpeg_bytes(product_photo((900, 700), seed=i)))
        photos.append(str(path))
    batch_page.set_input_files("#batch-files input[type=file]", photos)
    batch_page.locator("#batch-quality").get_by_label("Cepat").check()
    batch_page.tap("#batch-btn")
    batch_page.wait_for_selector("#batch-busy [data-testid=status-tracker]", timeout=60_000)
    time.sleep(2)  # the batch is under way
    upload_photo(page, str(blue_photo(tmp_path, blur=2)))
    busy = single()
    batch_running = "Selesai" not in batch_page.inner_text("#batch-status")
    print(f"single photo: idle {idle:.1f} s, beside a {BATCH_PHOTOS}-photo batch {busy:.1f} s (batch still running: "
          f"{batch_running})")
    assert batch_running, "the batch ended before the photo: the test proves nothing"
    assert busy <= 2 * idle + 1.5, (idle, busy)
    other.close()
    context.close()
