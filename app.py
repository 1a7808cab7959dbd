"""Etalase's web app: phone photos in, marketplace-ready listing images out.

The entry point only: the command line and the launch. The app itself is the package
``assistant/web`` (the shell, one module per tab, services, rendering, static CSS/JS);
every widget maps to a call into the ``assistant`` API, and every ``AssistantError``
becomes a friendly message in the vendor's language.

Run: ``python app.py [--host 127.0.0.1] [--port 7860]`` (or ``ETALASE_HOST`` /
``ETALASE_PORT``). Other settings, all optional, from the environment:

- ``ETALASE_CACHE_DIR``: the app's own cache folder (uploads and outputs; the only
  folder the server serves files from). Default: ``<tmp>/etalase-app``.
- ``ETALASE_CACHE_MAX_AGE_S``: uploads and outputs are deleted this long after they
  were written (default 3600). Keep it well above the longest queue wait, or an upload
  can expire while its request is still queued.
- ``ETALASE_CONCURRENCY``: photos processed at the same time (default: half the CPU
  cores, 1 to 4); further requests wait in the queue and see their position. Single
  photos, touch-ups and mockups share this lane; batches have their own (below).
- ``ETALASE_BATCH_CONCURRENCY``: batches run at the same time (default 1), beside the
  single photos: a photo never waits behind a whole batch.
- ``ETALASE_QUEUE_MAX``: requests that may wait (default 64).
- ``ETALASE_MAX_BATCH_FILES``: photos per batch run (default 200).
- ``ETALASE_MAX_UPLOAD_TOTAL_MB``: one upload request's size cap (default 1000).
- ``ETALASE_WARM``: models loaded in the background at start (default: both).
- ``ETALASE_LANG``: the default language (``id`` or ``en``; default ``id``).
"""

from __future__ import annotations

import argparse
import logging
import os

# assistant.web.config (first) chooses the app's cache folder before Gradio reads GRADIO_TEMP_DIR.
from assistant.web.config import CACHE_DIR, CACHE_MAX_AGE_S, CACHE_SWEEP_S, CONCURRENCY, QUEUE_MAX  # noqa: F401
from assistant.web.shell import build_app, launch_kwargs, start_background  # noqa: E402

from assistant import segment  # noqa: E402

__all__ = ["CACHE_DIR", "CACHE_MAX_AGE_S", "CACHE_SWEEP_S", "CONCURRENCY", "QUEUE_MAX", "build_app",
           "launch_kwargs", "main"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Etalase web app")
    parser.add_argument("--host", default=os.environ.get("ETALASE_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("ETALASE_PORT", "7860")))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    warm = [n.strip() for n in os.environ.get("ETALASE_WARM", ",".join(segment.WARM_ORDER)).split(",") if n.strip()]
    start_background(warm)
    demo = build_app()
    demo.launch(server_name=args.host, server_port=args.port, **launch_kwargs())


if __name__ == "__main__":
    main()
