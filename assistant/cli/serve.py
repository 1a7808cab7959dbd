"""``etalase serve [--lan] [--code CODE] [--host H] [--port N] [--cert FILE --key FILE]``: the web app
(what ``python app.py`` does).

``--lan``: workshop mode. Listens on every interface, prints the address the phones open and
its QR code, serves the same QR code at ``/qr`` for a projector, and asks each phone once for
the access code (``--code``, else ``ETALASE_ACCESS_CODE``, else one made up for this run).
``--cert/--key`` (or ETALASE_SSL_CERT/KEY): https, which phones need for the share sheet
with files and for installing the app to the home screen.
"""

from __future__ import annotations

import argparse


def add_parser(sub) -> None:
    p = sub.add_parser("serve", help="start the web app; --lan: for phones on the same Wi-Fi, with an access code")
    p.add_argument("--lan", action="store_true", help="listen on the local network, print its address and QR code")
    p.add_argument("--code", default=None, help="access code (default: ETALASE_ACCESS_CODE, or a new one with --lan)")
    p.add_argument("--host", default=None, help="address to listen on (default: ETALASE_HOST; --lan: 0.0.0.0)")
    p.add_argument("--port", type=int, default=None, help="port (default: ETALASE_PORT)")
    p.add_argument("--cert", default=None, help="certificate file (PEM) for https (default: ETALASE_SSL_CERT)")
    p.add_argument("--key", default=None, help="its private key file (PEM) (default: ETALASE_SSL_KEY)")
    p.set_defaults(func=run)


def say(text: str) -> None:
    print(text, flush=True)  # flushed: the staff, or a log file, see the address and code at once


def run(args: argparse.Namespace) -> int:
    from assistant.web.serve import serve  # lazy: Gradio only for this subcommand

    serve(host=args.host, port=args.port, lan=args.lan, code=args.code, lang=args.lang, announce=say,
          cert=args.cert, key=args.key)
    return 0
