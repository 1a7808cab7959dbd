"""Etalase's web app: phone photos in, marketplace-ready listing images out.

The entry point only: the command line and the launch. The app itself is the package
``assistant/web`` (the shell, one module per tab, services, rendering, static CSS/JS);
every widget maps to a call into the ``assistant`` API, and every ``AssistantError``
becomes a friendly message in the vendor's language.

Run: ``python app.py [--host 127.0.0.1] [--port 7860]``. Every ``ETALASE_*`` setting (host,
port, cache folder and age, concurrency, queue, upload caps, warm models, language) is
declared once in ``assistant/settings.py`` and listed in the README's settings table.
"""

from __future__ import annotations

import argparse
import logging

# assistant.web.config (first) chooses the app's cache folder before Gradio reads GRADIO_TEMP_DIR.
from assistant.web.config import CACHE_DIR, CACHE_MAX_AGE_S, CACHE_SWEEP_S, CONCURRENCY, QUEUE_MAX  # noqa: F401
from assistant.web.shell import build_app, launch_kwargs, start_background  # noqa: E402

from assistant.models import session as segment  # noqa: E402
from assistant.settings import value  # noqa: E402

__all__ = ["CACHE_DIR", "CACHE_MAX_AGE_S", "CACHE_SWEEP_S", "CONCURRENCY", "QUEUE_MAX", "build_app",
           "launch_kwargs", "main"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Etalase web app")
    parser.add_argument("--host", default=value("ETALASE_HOST"))
    parser.add_argument("--port", type=int, default=value("ETALASE_PORT"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    warm = value("ETALASE_WARM")
    start_background(list(segment.WARM_ORDER if warm is None else warm))
    demo = build_app()
    demo.launch(server_name=args.host, server_port=args.port, **launch_kwargs())


if __name__ == "__main__":
    main()
