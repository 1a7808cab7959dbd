"""Packaging mockups: templates (data in presets/mockups/*.toml and their geometry), rendering a
label onto them, labels from phone photos or brand names, badges, and mockups from files.
"""

from assistant.mockup.labels import add_badge, label_from_brand, label_from_photo
from assistant.mockup.render import render_mockup
from assistant.mockup.templates import MockupTemplate, list_templates, load_template

__all__ = ["MockupTemplate", "add_badge", "label_from_brand", "label_from_photo", "list_templates", "load_template",
           "render_mockup"]
