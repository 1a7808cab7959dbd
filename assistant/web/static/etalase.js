// Etalase in the browser: Gradio's own texts in the vendor's language, and the busy state of
// each action shown the moment it is tapped (no round trip). __TEXTS__ is filled in at build:
// {"default": "id", "id": {...}, "en": {...}} from assistant/strings/app.toml (app_ui_* keys).
(() => {
  const T = __TEXTS__;
  const lang = () => (document.querySelector('#lang input:checked') || {}).value || T.default;
  const tr = (key) => (T[lang()] || T[T.default])[key] || '';
  const fmt = (s, p) => s.replace(/\{(\w+)\}/g, (_, k) => (p[k] === undefined ? '' : p[k]));
  const dec = (x) => (lang() === 'id' ? String(x).replace('.', ',') : String(x));
  const coarse = () => window.matchMedia('(pointer: coarse)').matches;

  // Gradio's texts (its English and its own Indonesian), exact or by pattern. Tracker patterns
  // only apply inside Gradio's progress display.
  const RULES = [
    [/^(Drop Image Here|Letakkan Gambar di Sini)$/, () => tr(coarse() ? 'tap_photo' : 'drop_photo')],
    [/^(Drop File Here|Letakkan File di Sini)$/, () => tr(coarse() ? 'tap_files' : 'drop_files')],
    [/^(- or -|- atau -)$/, () => tr('or')],
    [/^(Click to Upload|Klik untuk Mengunggah)$/, () => tr(coarse() ? 'tap_upload' : 'click_upload')],
    [/^(Paste from Clipboard|Tempel dari Papan Klip)$/, () => tr('paste')],
    [/^Click to Access Webcam$/, () => tr('webcam')],
    [/^(Drop an image file here to upload|Letakkan file gambar di sini untuk mengunggah)$/, () => tr('tap_photo')],
    [/^Click to upload or drop files$/, () => tr('tap_files')],
    [/^Upload file$/, () => tr('tap_photo')],
    [/^Capture from camera$/, () => tr('camera')],
    [/^(Remove Image|Hapus Gambar)$/, () => tr('remove_photo')],
    [/^(Clear|Bersihkan)$/, () => tr('clear')],
    [/^Remove .+$/, () => tr('remove')],
    [/^(Download|Unduh)$/, () => tr('download')],
    [/^Fullscreen$/, () => tr('fullscreen')],
    [/^Exit fullscreen mode$/, () => tr('fullscreen_exit')],
    [/^(Empty value|Kosong)$/, () => tr('empty')],
    [/^(Loading\.*|Memuat\.*)$/, () => tr('loading')],
    [/^(Uploading\.*|Mengunggah\.*)$/, () => tr('uploading')],
    [/^Gradio footer navigation$/, () => tr('footer')],
    [/^(Undo|Urungkan)$/, () => tr('undo')],
    [/^Redo$/, () => tr('redo')],
    [/^(Brush|Use brush|Gunakan kuas)$/, () => tr('brush')],
    [/^(Eraser|Erase)$/, () => tr('eraser')],
    [/^(Color|Brush color|Warna kuas)$/, () => tr('brush_colour')],
    [/^(Size|Brush radius|Radius kuas|Brush size|Brush Size|Eraser Size)$/, () => tr('brush_size')],
    [/^Clear canvas$/, () => tr('clear_canvas')],
    [/^Fit to screen$/, () => tr('fit')],
    [/^(select the draw tool to start|Start drawing|Mulai menggambar)$/, () => tr('start_drawing')],
    [/^Pan$/, () => tr('pan')],
    [/^Zoom( in| out)?$/, () => tr('zoom')],
    [/^(grant webcam access|Please allow access to the webcam.*|Mohon izinkan akses ke webcam.*)$/i,
     () => tr('webcam_access')],
    [/^(No devices found|Tidak ada perangkat yang ditemukan)$/, () => tr('no_camera')],
    [/^(Webcam|Upload|Upload an image)$/, () => tr('tap_photo')],
    [/^(Error|error)$/, () => tr('error')],
    [/^(Close|Tutup)$/, () => tr('close')],
    [/^In queue: (\d+) of (\d+)$/, (m) => fmt(tr('queue'), {pos: m[1], size: m[2]}).replace(/ ·$/, '')],
    [/^common\.[a-z_]+$/, () => ''],
    [/^File\(s\) exceed the maximum allowed size of [^:]+: (.*)$/, (m) => refused(fmt(tr('too_big'), {names: m[1]}))],
    [/^(Connection errored out\.?|Connection lost.*|Lost connection.*)$/, () => tr('connection')],
    [/^Invalid file type: (.+)\. Only .+ allowed\.$/, (m) => refused(fmt(tr('not_photo'), {names: m[1]}))],
    // The server refused an upload (not a photo, too large, a limit): its own message, without the status.
    [/^HTTP [45]\d\d: ([\s\S]+)$/, (m) => refused(serverText(m[1]))],
  ];
  function serverText(body) {
    try {
      const data = JSON.parse(body);
      return String(data.detail || data.error || body);
    } catch (e) {
      return body;
    }
  }
  const TRACKER = [
    [/^queue: (\d+)\/(\d*) \|$/, (m) => fmt(tr('queue'), {pos: m[1], size: m[2]})],
    [/^processing \|$/, () => tr('processing')],
    [/^([\d.]+)\/([\d.]+)s$/, (m) => fmt(tr('elapsed_eta'), {t: dec(m[1]), eta: dec(m[2])})],
    [/^([\d.]+)s$/, (m) => fmt(tr('elapsed'), {t: dec(m[1])})],
    [/^(\d+)\/(\d+) (.*)\|$/, (m) => `${m[1]}/${m[2]} ${m[3].trim()} · `],
  ];
  // A refused upload (too large, refused in the browser) leaves no earlier result on screen as if it
  // were the answer: the visible tab's hidden "clear" button empties its results.
  function refused(text) {
    setTimeout(() => {
      for (const id of ['#photo-clear', '#mk-clear', '#batch-clear']) {
        const b = document.querySelector(id);
        const panel = b && b.closest('[role=tabpanel]');
        if (b && panel && panel.offsetParent !== null) b.click();
      }
    }, 0);
    return text;
  }
  const originals = new WeakMap();  // node -> Gradio's text, so a language switch can redo it
  const ATTRS = ['aria-label', 'title', 'placeholder'];

  function translate(text, inTracker) {
    const trimmed = text.trim();
    if (!trimmed) return null;
    for (const [re, fn] of (inTracker ? TRACKER.concat(RULES) : RULES)) {
      const m = trimmed.match(re);
      if (m) return fn(m);
    }
    return null;
  }

  function fixText(node) {
    const el = node.parentElement;
    if (!el) return;
    const tracker = !!el.closest('[data-testid="status-tracker"], .toast-body, .eta-bar, .progress-text');
    if (!tracker && el.closest('.prose, .html-container, textarea, input, #lang')) return;
    const source = originals.has(node) && node.data === node.__etalase ? originals.get(node) : node.data;
    // A chosen marketplace's token shows its name only; the one-line hint is for choosing.
    const out = el.closest('.token') && source.includes(' · ') ? source.split(' · ')[0] : translate(source, tracker);
    if (out === null || out === node.data) return;
    originals.set(node, source);
    node.__etalase = out;
    node.data = out;
  }

  function fixAttrs(el) {
    for (const a of ATTRS) {
      const v = el.getAttribute && el.getAttribute(a);
      if (!v) continue;
      const key = `__etalase_${a}`;
      const source = el[key] && el[key][1] === v ? el[key][0] : v;
      const out = translate(source, false);
      if (out !== null && out !== v) {
        el[key] = [source, out];
        el.setAttribute(`data-gradio-${a}`, source);  // Gradio's own label, for scripts that look for it
        el.setAttribute(a, out);
      }
    }
  }

  function walk(root) {
    if (root.nodeType === Node.TEXT_NODE) { fixText(root); return; }
    if (root.nodeType !== Node.ELEMENT_NODE) return;
    fixAttrs(root);
    const w = document.createTreeWalker(root, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT);
    while (w.nextNode()) {
      const n = w.currentNode;
      if (n.nodeType === Node.TEXT_NODE) fixText(n); else fixAttrs(n);
    }
  }

  const observer = new MutationObserver((records) => {
    for (const r of records) {
      if (r.type === 'characterData') fixText(r.target);
      else if (r.type === 'attributes') fixAttrs(r.target);
      else r.addedNodes.forEach(walk);
    }
  });
  const start = () => {
    walk(document.body);
    observer.observe(document.body, {subtree: true, childList: true, characterData: true,
                                     attributes: true, attributeFilter: ATTRS});
    // The language switch: Gradio's texts follow it (the app relabels its own).
    document.addEventListener('change', (e) => {
      if (e.target && e.target.closest && e.target.closest('#lang')) setTimeout(() => walk(document.body), 0);
    }, true);
  };
  if (document.body) start(); else document.addEventListener('DOMContentLoaded', start);

  // --- Busy state: the button says what is happening, at once -------------------------------
  const ACTIONS = {
    photo: {button: '#process-btn', box: '#photo-busy', result: '#status'},
    touch: {button: '#touch-btn', box: '#touch-busy', result: '#touch-status'},
    batch: {button: '#batch-btn', box: '#batch-busy', result: '#batch-status'},
    mockup: {button: '#mk-btn', box: '#mk-busy', result: '#mk-status'},
  };

  function estimate(kind) {
    const est = T.estimates[kind] || {};
    if (kind === 'batch') {
      const files = document.querySelectorAll('#batch-files .file-preview tr, #batch-files table tbody tr').length;
      return files ? Math.max(est.base || 5, (est.each || 3) * files) : null;
    }
    const quality = (document.querySelector(kind === 'mockup' ? '#mk-quality input:checked'
                                                              : '#quality input:checked') || {}).value;
    const last = document.querySelector(`${ACTIONS[kind].result} [data-seconds][data-quality="${quality}"]`);
    if (last) return Math.max(1, Math.round(parseFloat(last.dataset.seconds)));
    const markets = Math.max(1, document.querySelectorAll('#presets .token').length);
    return Math.round((est[quality] || est.base || 10) + (markets - 1) * (est.each || 1));
  }

  function busy(kind) {
    const a = ACTIONS[kind];
    const button = document.querySelector(a.button);
    const box = document.querySelector(a.box);
    const seconds = estimate(kind);
    const text = seconds ? fmt(tr(`busy_${kind}`), {s: seconds}) : tr(`busy_${kind}_plain`);
    if (button) {
      button.disabled = true;
      button.setAttribute('aria-busy', 'true');
      button.dataset.busy = text;
    }
    if (box) {
      box.classList.add('etalase-busy-on');
      box.dataset.busy = tr(`busy_${kind}_hint`);
      box.scrollIntoView({block: 'nearest'});
    }
    document.querySelectorAll(`${a.result} > *`).forEach((e) => e.classList.add('etalase-stale'));
    window.__etalaseBusyAt = performance.now();
    return [];
  }

  function done(kind) {
    const a = ACTIONS[kind];
    const button = document.querySelector(a.button);
    const box = document.querySelector(a.box);
    if (button) {
      button.disabled = false;
      button.removeAttribute('aria-busy');
      delete button.dataset.busy;
    }
    if (box) { box.classList.remove('etalase-busy-on'); delete box.dataset.busy; }
    // Undim the answer here, not only when it is redrawn: an answer worded exactly like the last
    // one ("1 gambar kemasan selesai dalam 0,3 detik") leaves the DOM as it was and stayed dimmed.
    document.querySelectorAll(`${a.result} .etalase-stale`).forEach((e) => e.classList.remove('etalase-stale'));
    // The answer (result or message) in view without a manual scroll.
    setTimeout(() => {
      const target = document.querySelector(a.result);
      if (target) target.scrollIntoView({block: 'start', behavior: 'instant'});
    }, 60);
    return [];
  }

  window.etalase = {busy, done, translate};
})();
