"""`reconciler completion bash|zsh`: the script completes commands, options, their values, kinds and the stack's
addresses, run in a real bash."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.integration.conftest import REPO, Cli


def _complete(script: str, words: list[str], cwd: Path) -> list[str]:
    line = " ".join(f"'{w}'" for w in words)
    program = (f'reconciler() {{ PYTHONPATH="{REPO}" "{sys.executable}" -m reconciler "$@"; }}\n{script}\n'
               f"COMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; _reconciler; printf '%s\\n' \"${{COMPREPLY[@]}}\"")
    result = subprocess.run(["bash", "-c", program], capture_output=True, text=True, timeout=60, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return [w for w in result.stdout.split("\n") if w]


def test_bash_completes_commands_options_values_kinds_and_addresses(cli: Cli) -> None:
    result = cli("completion", "bash")
    assert result.code == 0 and "complete -F _reconciler reconciler" in result.out
    script, cwd = result.out, cli.root.parent
    assert _complete(script, ["reconciler", "pl"], cwd) == ["plan"]
    assert "--detailed-exitcode" in _complete(script, ["reconciler", "plan", "--de"], cwd)
    assert _complete(script, ["reconciler", "plan", "--format", "ma"], cwd) == ["markdown"]
    assert _complete(script, ["reconciler", "schema", "Endp"], cwd) == ["Endpoint"]
    targets = _complete(script, ["reconciler", "plan", "specs", "--target", "Endpoint/"], cwd)
    assert targets == ["Endpoint/churn"]


def test_zsh_script_uses_the_same_function(cli: Cli) -> None:
    result = cli("completion", "zsh")
    assert result.code == 0 and "bashcompinit" in result.out and "_reconciler()" in result.out


def test_addresses_of_an_invalid_stack_are_none(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("kind: [\n")
    result = cli("__addresses", tmp_path)
    assert result.code == 0 and result.out == ""
