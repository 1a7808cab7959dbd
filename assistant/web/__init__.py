"""Etalase's web app (Gradio): the shell, one module per tab, services and rendering.

The only package that imports Gradio (besides ``app.py``, the entry point). ``config`` is
imported first: it chooses the app's cache folder before Gradio reads GRADIO_TEMP_DIR.
"""

from assistant.web import config  # noqa: F401  (must run before any gradio import)
