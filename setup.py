"""Ship the top-level resources/ folder inside the package as farm_gui/_resources.

Everything else is configured in pyproject.toml; this only adds one step to the build:
the wheel gets a copy of resources/ (icons, presets, examples, themes), which
farm_gui.resources finds when the package is installed. A source checkout or an editable
install reads resources/ in place."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class BuildPyWithResources(build_py):
    def run(self):
        super().run()
        if self.editable_mode:  # an editable install reads resources/ in place
            return
        target = Path(self.build_lib) / "farm_gui" / "_resources"
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(HERE / "resources", target,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".*"))


setup(cmdclass={"build_py": BuildPyWithResources})
