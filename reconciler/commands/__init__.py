"""Commands beyond the core ones, one module each in this package, found by the CLI on its own.

A command module defines `register(sub, cli)`: it adds its parser to `sub` (the CLI's
subparsers) with `set_defaults(func=...)`, using the CLI's shared pieces through `cli` (the
`reconciler.cli` module: `cli._load`, `cli._clients`, `cli._env_option`, `cli._aws_options`,
`cli.out`, `cli.err`, `cli.CliError`, `cli.ConsoleHooks`, `cli._lock`, the `EXIT_*` codes). It
imports heavy libraries inside its functions, so start-up stays fast. Adding a command is adding
its module: `reconciler/cli.py` is not edited.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any


def register_all(sub: Any, cli: Any) -> None:
    """Every command module's parser, in module-name order."""
    for found in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{found.name}")
        module.register(sub, cli)
