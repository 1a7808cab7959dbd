"""The touch-up editor with bounds: a subclass of gradio's ``ImageEditor`` (issue 18, item 1).

Gradio's editor keeps every layer blob a client sends in a plain dict for ever, grows its
layer list to any index a request names, and decodes every layer file a request refers to
(a 38-byte WebP of 12000 x 12000 as six layers: +4.4 GB) before the app's own code runs.
``bounded_image_editor(gr)`` returns a maker of gradio's own editor, bounded so that it:

* keeps blobs in a ``safety.BoundedStore`` (oldest forgotten past a count and byte budget);
* ignores a blob whose layer index is out of range, that is too large, or whose header
  declares more pixels than the editor shows;
* refuses, before gradio decodes anything, a payload with more layers than the editor uses
  or with a layer whose header fails ``photo.check_header``.

The module takes gradio as an argument instead of importing it, so the library stays free
of gradio (tests/test_architecture.py); the web package calls
``bounded_image_editor(gr)(...)`` where it built ``gr.ImageEditor(...)``.
"""

from __future__ import annotations

from assistant.errors import AssistantError
from assistant.i18n import t
from assistant.photo import check_header
from assistant.safety import BoundedStore

MAX_LAYERS = 2  # the touch-up uses one brush layer
MAX_LAYER_INDEX = 8
MAX_LAYER_PIXELS = 2400 * 2400  # the editor shows a view at most TOUCH_VIEW_SIDE wide
STORE_ITEMS = 64  # editor payloads waiting for their event, all sessions together
STORE_BYTES = 96 * 2**20
MAX_BLOB_BYTES = 16 * 2**20


def bounded_image_editor(gr, *, max_layers: int = MAX_LAYERS, max_layer_index: int = MAX_LAYER_INDEX,
                         max_pixels: int = MAX_LAYER_PIXELS, store_items: int = STORE_ITEMS,
                         store_bytes: int = STORE_BYTES, lang: str | None = None):
    """A maker of ``gr.ImageEditor`` instances with the bounds above (``gr``: the gradio module)."""

    def _check(item, label: str) -> None:
        if item is None:
            return
        data = item if isinstance(item, (bytes, bytearray)) else getattr(item, "path", None)
        if data is None:
            return
        check_header(data, max_pixels=max_pixels, name=label)

    def make(*args, **kwargs):
        # gradio's own ImageEditor, bounded on the instance: a subclass would change the
        # component's name, which picks the browser's widget (and loses the methods'
        # server-function marks), so the editor would never draw.
        editor = gr.ImageEditor(*args, **kwargs)
        editor.blob_storage = BoundedStore(store_items, store_bytes)
        base_accept, base_preprocess = editor.accept_blobs, editor.preprocess

        def accept_blobs(data):
            blob = data.data
            index = blob.get("index")
            if blob.get("type") == "layer" and index not in (None, "", "null"):
                try:
                    if not 0 <= int(index) <= max_layer_index:
                        return None
                except (TypeError, ValueError):
                    return None
            if not data.files or len(data.files[0][1]) > MAX_BLOB_BYTES:
                return None
            try:
                _check(data.files[0][1], "layer")
            except AssistantError:
                return None  # not kept: preprocess will find no blob and refuse clearly
            return base_accept(data)

        def preprocess(payload):
            if payload is None:
                return None
            source = editor.blob_storage.get(payload.id) if payload.id is not None else payload
            if source is not None:
                layers = [layer for layer in (source.layers or []) if layer is not None]
                if len(layers) > max_layers:
                    raise gr.Error(t("hardening_editor_layers", lang, limit=max_layers))
                try:
                    for item in [source.background, *layers, source.composite]:
                        _check(item, "layer")
                except AssistantError as exc:
                    if payload.id is not None:
                        editor.blob_storage.pop(payload.id, None)
                    raise gr.Error(exc.message(lang)) from None
            return base_preprocess(payload)

        accept_blobs._is_server_fn = True  # the component_server route calls only marked functions
        editor.accept_blobs, editor.preprocess = accept_blobs, preprocess
        return editor

    return make
