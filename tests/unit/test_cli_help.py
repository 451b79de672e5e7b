"""Every command's --help has a line for every argument, and examples for the commands people type."""

from __future__ import annotations

import argparse

from reconciler.cli import EXAMPLES, build_parser


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    [sub] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


def test_every_argument_has_help() -> None:
    missing = [(name, action.option_strings or [action.dest]) for name, sub in _commands().items()
               for action in sub._actions if not action.help and not isinstance(action, argparse._HelpAction)]
    assert missing == []


def test_commands_have_examples_in_their_help() -> None:
    commands = _commands()
    for name in set(commands) - {"__addresses"}:
        assert name in EXAMPLES, name
        assert "examples:\n  reconciler" in commands[name].format_help() or name == "completion"
