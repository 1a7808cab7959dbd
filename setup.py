"""setuptools hook: the wheel carries the repository's data folders inside the package.

``presets/`` (marketplaces, mockup templates) and ``docs/panduan/`` (the photo guide's
pictures) stay at the repository root, where they are edited; at build time they are copied
to ``assistant/_shipped/<same path>``, where ``assistant.resources.data_dir`` finds them in an
installed package. Everything else is in pyproject.toml.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SHIPPED = ("presets", "docs/panduan")  # = assistant.resources.SHIPPED


class BuildWithData(build_py):
    def run(self):
        super().run()
        for relative in SHIPPED:
            target = Path(self.build_lib) / "assistant" / "_shipped" / relative
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(ROOT / relative, target)


setup(cmdclass={"build_py": BuildWithData})
