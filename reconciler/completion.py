"""`reconciler completion bash|zsh`: a shell completion script for the commands, their options and values
(formats, kinds), the addresses of the stack's documents (`--target`, `promote`) and its environments
(`--env`), which the script asks `reconciler __addresses DIR [--environments]` for (offline: the spec
files are read, AWS is not).

The script is generated from the CLI's own argument parser, so it never lists an option the CLI
does not have. zsh uses the same function through bashcompinit.
"""

from __future__ import annotations

import argparse
from pathlib import Path

ADDRESS_OPTIONS = ("--target",)
ADDRESS_COMMANDS = ("promote",)
KIND_COMMANDS = ("schema", "import")


def _commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return {name: sub for name, sub in action.choices.items() if not name.startswith("_")}
    return {}


def _choices(sub: argparse.ArgumentParser) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for action in sub._actions:
        if action.choices and action.option_strings:
            for option in action.option_strings:
                found[option] = [str(c) for c in action.choices]
    return found


def bash_script(parser: argparse.ArgumentParser, kinds: list[str]) -> str:
    commands = _commands(parser)
    cases = []
    for name, sub in sorted(commands.items()):
        options = sorted(o for a in sub._actions for o in a.option_strings if o.startswith("--"))
        values = "".join(
            f"            {option}) COMPREPLY=($(compgen -W \"{' '.join(choices)}\" -- \"$cur\")); return;;\n"
            for option, choices in sorted(_choices(sub).items()))
        positional = ('COMPREPLY=($(compgen -W "$(_reconciler_addresses)" -- "$cur"))' if name in ADDRESS_COMMANDS
                      else f'COMPREPLY=($(compgen -W "{" ".join(kinds)}" -- "$cur"))' if name in KIND_COMMANDS
                      else 'COMPREPLY=($(compgen -f -- "$cur"))')
        cases.append(f"""        {name})
            case "$prev" in
{values}            esac
            if [[ "$cur" == -* ]]; then
                COMPREPLY=($(compgen -W "{' '.join(options)}" -- "$cur"))
            else
                {positional}
            fi
            return;;
""")
    address_options = "|".join(ADDRESS_OPTIONS)
    return f"""# reconciler completion for bash: eval "$(reconciler completion bash)"
_reconciler_addresses() {{
    local dir=specs word
    for word in "${{COMP_WORDS[@]:2}}"; do
        if [[ -d "$word" ]]; then dir="$word"; fi
    done
    reconciler __addresses "$dir" "$@" 2>/dev/null
}}

_reconciler() {{
    local cur="${{COMP_WORDS[COMP_CWORD]}}" prev="${{COMP_WORDS[COMP_CWORD-1]}}"
    if [[ $COMP_CWORD -eq 1 ]]; then
        COMPREPLY=($(compgen -W "{' '.join(sorted(commands))} --help --version" -- "$cur"))
        return
    fi
    case "$prev" in
        {address_options}) COMPREPLY=($(compgen -W "$(_reconciler_addresses)" -- "$cur")); return;;
        --env) COMPREPLY=($(compgen -W "$(_reconciler_addresses --environments)" -- "$cur")); return;;
    esac
    case "${{COMP_WORDS[1]}}" in
{''.join(cases)}    esac
}}
complete -F _reconciler reconciler
"""


def zsh_script(parser: argparse.ArgumentParser, kinds: list[str]) -> str:
    return ("# reconciler completion for zsh: eval \"$(reconciler completion zsh)\"\n"
            "autoload -U +X bashcompinit && bashcompinit\n" + bash_script(parser, kinds).split("\n", 1)[1])


def addresses(directory: str, environments: bool = False) -> list[str]:
    """The spec addresses of a stack directory's documents, or with `environments` the names of its
    Environment documents, as written (nothing when none can be read; the specs are not validated)."""
    from reconciler.diagnostics import Diagnostics
    from reconciler.kinds import registry
    from reconciler.spec.loader import load_directory

    kinds = registry()
    env_kind = kinds.environment_kind
    wanted = {env_kind.name} if environments and env_kind else set() if environments else set(kinds.resource_kinds)
    found: list[str] = []
    for doc in load_directory(Path(directory), Diagnostics()):
        data = doc.data if isinstance(doc.data, dict) else {}
        kind, name = data.get("kind"), data.get("name")
        if kind in wanted and isinstance(name, str):
            item = name if environments else f"{kind}/{name}"
            if item not in found:
                found.append(item)
    return found
