"""Starting the web app: ``etalase serve`` and ``python app.py`` both come here.

Builds the app, adds the workshop pieces (``workshop.launch_options``: the gate with
``/healthz`` and ``/qr``, the access code login, the PWA, the share script) and launches it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from assistant.web.config import CACHE_DIR  # noqa: F401  (first: sets GRADIO_TEMP_DIR before Gradio loads)
from pathlib import Path

from assistant.errors import AssistantError
from assistant.i18n import default_language, t
from assistant.models import session as segment
from assistant.settings import value
from assistant.web import workshop
from assistant.web.shell import build_app, launch_kwargs, start_background


def tls_files(cert: str | Path | None, key: str | Path | None) -> tuple[str, str] | None:
    """(certificate, key) for https from ``--cert/--key`` or ETALASE_SSL_CERT/KEY; None: plain http.
    Both or neither, and both readable, before anything starts."""
    cert = cert or value("ETALASE_SSL_CERT")
    key = key or value("ETALASE_SSL_KEY")
    if not cert and not key:
        return None
    if not cert or not key:
        raise AssistantError("server_tls_pair")
    for path in (cert, key):
        if not Path(path).is_file():
            raise AssistantError("server_tls_missing", path=str(path))
    return str(cert), str(key)


def plan(host: str | None, port: int | None, lan: bool, code: str | None, tls: tuple[str, str] | None = None) -> dict:
    """Where to listen, the address to announce and the access code (None: no login)."""
    port = port or value("ETALASE_PORT")
    host = host or ("0.0.0.0" if lan else value("ETALASE_HOST"))
    # Reachable from other machines (--lan, or a host that is not this machine only): never without a code.
    exposed = lan or host not in ("127.0.0.1", "localhost", "::1")
    code = code or value("ETALASE_ACCESS_CODE") or (workshop.new_code() if exposed else None)
    address = workshop.lan_address() if lan else None
    shown = address or ("127.0.0.1" if host in ("0.0.0.0", "::") else host)
    scheme = "https" if tls else "http"
    return {"host": host, "port": port, "code": code, "lan": lan, "address": address, "tls": tls,
            "url": f"{scheme}://{shown}:{port}/"}


def serve(host: str | None = None, port: int | None = None, lan: bool = False, code: str | None = None,
          lang: str | None = None, announce: Callable[[str], None] = lambda text: None,
          cert: str | Path | None = None, key: str | Path | None = None) -> None:
    """Start the app and block until it is stopped (Ctrl+C). ``announce`` gets the lines for
    the staff (address, QR code, access code): the CLI and app.py print them. ``cert``/``key``:
    serve https (a phone shares files and installs the app only from a secure address)."""
    lang = lang or default_language()
    p = plan(host, port, lan, code, tls_files(cert, key))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    warm = value("ETALASE_WARM")
    start_background(list(segment.WARM_ORDER if warm is None else warm))
    demo = build_app()
    kwargs = launch_kwargs()
    options = workshop.launch_options(p["url"], p["code"], lang)
    app_kwargs = dict(kwargs.pop("app_kwargs", {}))
    options["head"] = kwargs.pop("head", "") + options.get("head", "")  # the page script, then "Bagikan"
    app_kwargs["middleware"] = [options.pop("middleware")] + list(app_kwargs.get("middleware", []))
    if p["tls"]:  # ssl_verify only governs gradio's check of its own address (a LAN certificate fails it)
        kwargs.update(ssl_certfile=p["tls"][0], ssl_keyfile=p["tls"][1], ssl_verify=False)
    demo.launch(server_name=p["host"], server_port=p["port"], app_kwargs=app_kwargs, prevent_thread_lock=True,
                **kwargs, **options)
    if lan:
        if p["address"] is None:
            announce(t("workshop_no_network", lang))
        announce(workshop.terminal_qr(p["url"]))
        announce(t("workshop_terminal_open", lang, url=p["url"]))
        announce(t("workshop_terminal_page", lang, url=p["url"].rstrip("/") + workshop.QR_PATH))
    else:
        announce(t("workshop_terminal_local", lang, url=p["url"]))
    if p["code"]:
        announce(t("workshop_terminal_code", lang, code=workshop.normalize_code(p["code"])))
    demo.block_thread()
