"""``python -m assistant ...``: the only place that prints or exits.

One module per subcommand (``process``, ``models``, ``check``, ``mockup`` with ``templates``,
``presets``), each with ``add_parser(subparsers)`` and ``run(args) -> int``.

Exit codes: 0 everything succeeded, 1 some inputs failed (all others still written),
2 bad usage (unknown preset, model or option), 3 an internal error (a bug: please report it).
"""

from __future__ import annotations

import argparse
import sys

from assistant import i18n, settings
from assistant.cli import check, mockup, models, presets, process
from assistant.cli.common import print_err
from assistant.errors import AssistantError
from assistant.models import registry
from assistant.presets import load_presets

# (a submodule's name is also this package's attribute: ``presets`` and ``models`` here are
# the subcommands, not assistant.presets or assistant.models)
SUBCOMMANDS = (process, models, check, mockup, presets)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m assistant",
                                     description="Etalase: foto produk siap marketplace.")
    parser.add_argument("--lang", choices=i18n.LANGUAGES, default=i18n.default_language(),
                        help="bahasa pesan / message language (id, en)")
    sub = parser.add_subparsers(dest="command", required=True)
    for command in SUBCOMMANDS:
        command.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if getattr(args, "model", None):
            registry.model_info(args.model)
        if getattr(args, "preset", None):
            load_presets(args.preset)
        return args.func(args)
    except AssistantError as exc:
        print_err(exc.message(args.lang))
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # e.g. `... --json | head`: the reader left, nothing to say
        sys.stderr.close()
        return 0
    except Exception as exc:  # a bug of ours: say so plainly, keep the traceback for developers
        if settings.value("ETALASE_DEBUG"):
            raise
        print_err(i18n.t("cli_internal_error", args.lang, kind=type(exc).__name__))
        return 3


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
