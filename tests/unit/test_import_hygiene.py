"""core/ and sandbox/ stay headless: each of their modules imports in a fresh interpreter without Textual."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import imtui.core
import imtui.sandbox

CHECK = (
    "import importlib, sys; importlib.import_module({name!r}); "
    "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith(('textual.', 'imtui.tui')));"
    "print(','.join(bad))"
)


def headless_modules() -> list[str]:
    names = []
    for package in (imtui.core, imtui.sandbox):
        names.append(package.__name__)
        for info in pkgutil.walk_packages(package.__path__, prefix=package.__name__ + "."):
            names.append(info.name)
    return sorted(names)


def test_every_core_and_sandbox_module_imports_without_textual():
    modules = headless_modules()
    assert "imtui.core.api.client" in modules and "imtui.sandbox.server" in modules
    processes = {
        name: subprocess.Popen(
            [sys.executable, "-c", CHECK.format(name=name)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for name in modules
    }
    problems = {}
    for name, process in processes.items():
        out, err = process.communicate(timeout=60)
        if process.returncode != 0:
            problems[name] = err.strip().splitlines()[-1] if err.strip() else f"exit {process.returncode}"
        elif out.strip():
            problems[name] = f"pulled in {out.strip()}"
    assert problems == {}


def test_headless_commands_do_not_load_textual():
    out = subprocess.run(
        [sys.executable, "-c", "import sys, imtui.cli, imtui.cli.output, imtui.cli.session; "
         "[__import__(f'imtui.cli.{g}') for g in imtui.cli.COMMAND_GROUPS]; imtui.cli.build_parser(); "
         "print('textual' in sys.modules)"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    assert out == "False"
