"""The build compiles the translation catalogs (salescli/locale/*/LC_MESSAGES/*.po → .mo, with Babel) before the
package's files are collected, so every install (wheel, sdist, editable) ships them. The rest of the build is
declared in pyproject.toml."""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithCatalogs(build_py):
    def run(self) -> None:
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po in sorted(Path(__file__).parent.glob("salescli/locale/*/LC_MESSAGES/*.po")):
            with po.open("rb") as fh:
                catalog = read_po(fh)
            with po.with_suffix(".mo").open("wb") as fh:
                write_mo(fh, catalog, use_fuzzy=False)
        super().run()


setup(cmdclass={"build_py": BuildWithCatalogs})
