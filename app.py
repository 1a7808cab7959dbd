"""Etalase's web app: phone photos in, marketplace-ready listing images out.

The entry point only: the command line and the launch, the same as ``etalase serve``
(``assistant/web/serve.py``). The app itself is the package ``assistant/web`` (the shell, one
module per tab, services, rendering, static CSS/JS); every widget maps to a call into the
``assistant`` API, and every ``AssistantError`` becomes a friendly message in the vendor's language.

Run: ``python app.py [--host 127.0.0.1] [--port 7860] [--lan] [--code CODE] [--cert F --key F]``. Every
``ETALASE_*`` setting (host, port, access code, cache folder and age, concurrency, queue,
upload caps, warm models, language) is declared once in ``assistant/settings.py`` and listed in
the README's settings table.
"""

from __future__ import annotations

import argparse

# assistant.web.config (first) chooses the app's cache folder before Gradio reads GRADIO_TEMP_DIR.
from assistant.web.config import CACHE_DIR, CACHE_MAX_AGE_S, CACHE_SWEEP_S, CONCURRENCY, QUEUE_MAX  # noqa: F401
from assistant.web.shell import build_app, launch_kwargs  # noqa: E402
from assistant.web.serve import serve  # noqa: E402

__all__ = ["CACHE_DIR", "CACHE_MAX_AGE_S", "CACHE_SWEEP_S", "CONCURRENCY", "QUEUE_MAX", "build_app",
           "launch_kwargs", "main"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Etalase web app (= etalase serve)")
    parser.add_argument("--host", default=None)
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument("--lan", action="store_true")
    parser.add_argument("--code", default=None)
    parser.add_argument("--cert", default=None)
    parser.add_argument("--key", default=None)
    args = parser.parse_args(argv)
    serve(host=args.host, port=args.port, lan=args.lan, code=args.code, announce=lambda text: print(text, flush=True),
          cert=args.cert, key=args.key)


if __name__ == "__main__":
    main()
