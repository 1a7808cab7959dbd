"""AssistantError: the one exception the library raises for a user's mistake or bad input.

Each error carries a stable ``code`` (an i18n key, also used in reports and JSON) and the
parameters its message needs, so every front end can show it in the user's language:
app.py turns it into ``gr.Error``, the CLI into a message and an exit code, the batch into
a report row.
"""

from __future__ import annotations

from assistant.i18n import t


class AssistantError(Exception):
    """A problem the user can understand and act on; ``message(lang)`` says what to do."""

    def __init__(self, code: str, **params: object) -> None:
        self.code = code
        self.params = params
        super().__init__(self.message("en"))

    def __reduce__(self):  # rebuilt from its code and params (a batch worker sends it to the app)
        return rebuild_keyed, (type(self), self.code, self.params)

    def message(self, lang: str | None = None) -> str:
        """The message in ``lang`` (``id`` or ``en``; default from ``ETALASE_LANG``)."""
        return t(self.code, lang, **self.params)


def rebuild_keyed(cls, code: str, params: dict):
    """An exception made of a message key and its params, rebuilt after pickling (AssistantError,
    the app's AppMessage): the params are keywords, which pickling's default would lose."""
    return cls(code, **params)
