"""The program the Kubeflow reconcile component runs: plan, guardrails, apply exactly that plan.

1. `reconciler plan STACK --out PLAN` (a plan error fails the step, exit 1, and nothing is applied);
2. `reconciler show PLAN --format markdown` into the summary artifact, and the plan's text in the log;
3. the guardrails, `check_plan` below: `max_changes` and `require_no_replacements` refuse a plan
   over the limit (exit 1, nothing applied);
4. `reconciler apply PLAN --auto-approve --format json`: the reviewed plan and nothing else (apply
   refuses it if live AWS changed since it was made); its JSON summary is the result artifact.

Only the standard library is used: the component runs this file's source as is (`python -c`) in
the reconciler image, which has reconciler and Python and nothing of Kubeflow. `protect: true` in
the specs is reconciler's own guard and holds here too.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_FAILED = 0, 1


def check_plan(plan: Mapping[str, Any], max_changes: int | None = None,
               require_no_replacements: bool = False) -> list[str]:
    """Why the plan must not be applied under these limits: one line each, none when it may be.

    `plan` is a saved plan (docs/plan-format.md). `max_changes`: the most resource changes
    (`changes[]`, creates, updates, replacements and deletes alike) allowed; None or a negative
    number: no limit. `require_no_replacements`: refuse any `replace` (a resource deleted and made
    again under a new name, such as a model or an endpoint config).
    """
    if not isinstance(plan, Mapping) or not isinstance(plan.get("changes"), list):
        return ["not a reconciler plan: it has no `changes` list"]
    changes = [c for c in plan["changes"] if isinstance(c, Mapping)]
    reasons = []
    if max_changes is not None and max_changes >= 0 and len(changes) > max_changes:
        reasons.append(f"the plan has {len(changes)} changes, more than max_changes {max_changes}: "
                       + ", ".join(f"{c.get('action')} {c.get('address')}" for c in changes))
    if require_no_replacements:
        replaced = [c for c in changes if c.get("action") == "replace"]
        if replaced:
            reasons.append(f"the plan replaces {len(replaced)} resource(s) and require_no_replacements is set: "
                           + ", ".join(_replacement(c) for c in replaced))
    return reasons


def _replacement(change: Mapping[str, Any]) -> str:
    old = change.get("replaces")
    return f"{change.get('address')} (replaces {old})" if old else str(change.get("address"))


def parse_bool(text: str) -> bool:
    """A boolean as Kubeflow renders a parameter into the command line (`true`/`false`)."""
    value = text.strip().lower()
    if value in {"true", "1", "yes"}:
        return True
    if value in {"false", "0", "no", ""}:
        return False
    raise argparse.ArgumentTypeError(f"not a boolean: {text!r}")


def parse_limit(text: str) -> int | None:
    """An integer parameter (`5`, also `5.0`); negative or empty: no limit (None)."""
    if not text.strip():
        return None
    try:
        number = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if number != int(number):
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}")
    return int(number) if number >= 0 else None


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="reconcile-step", description=__doc__.splitlines()[0])
    p.add_argument("--stack", required=True, help="the stack artifact's local path (a directory)")
    p.add_argument("--stack-path", default="", help="the stack directory inside it (default: the artifact itself)")
    p.add_argument("--env", default="", help="the Environment document (empty: none)")
    p.add_argument("--region", default="", help="AWS_REGION for reconciler (empty: the Stack's or the pod's)")
    p.add_argument("--max-changes", type=parse_limit, default=None, help="the most changes applied (-1: no limit)")
    p.add_argument("--require-no-replacements", type=parse_bool, default=False, help="refuse any replacement")
    p.add_argument("--plan-only", type=parse_bool, default=False, help="plan and check, never apply")
    p.add_argument("--plan-out", required=True, help="where the plan JSON goes (the plan artifact)")
    p.add_argument("--summary-out", required=True, help="where the plan as Markdown goes (the summary artifact)")
    p.add_argument("--result-out", required=True, help="where apply's JSON summary goes (the result artifact)")
    return p


def reconciler(*args: str, env: Mapping[str, str], capture: bool = False) -> subprocess.CompletedProcess[str]:
    """`reconciler ARGS` with the interpreter this runs on (the image's, where reconciler is installed);
    its output goes to the step's log unless captured."""
    command = [sys.executable, "-m", "reconciler", *args]
    print("+ reconciler " + " ".join(args), flush=True)
    return subprocess.run(command, env=dict(env), text=True, check=False,
                          stdout=subprocess.PIPE if capture else None)


def stack_directory(stack: str, stack_path: str) -> Path:
    root = Path(stack)
    directory = (root / stack_path) if stack_path else root
    if not directory.is_dir():
        raise FileNotFoundError(f"the stack directory {directory} does not exist in the stack artifact")
    return directory


def write(path: str, text: str) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(text, encoding="utf-8")


def run(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """The step: 0 when the plan was applied (or was empty, or `--plan-only`), 1 otherwise."""
    args = build_parser().parse_args(argv)
    env = dict(os.environ if environ is None else environ)
    env.setdefault("NO_COLOR", "1")
    if args.region:
        env["AWS_REGION"] = args.region
    env_option = ["--env", args.env] if args.env else []
    try:
        directory = stack_directory(args.stack, args.stack_path)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    Path(args.plan_out).parent.mkdir(parents=True, exist_ok=True)
    if reconciler("plan", str(directory), *env_option, "--out", args.plan_out, env=env).returncode != 0:
        print("error: reconciler plan failed: nothing is applied", file=sys.stderr)
        return EXIT_FAILED
    shown = reconciler("show", args.plan_out, "--format", "markdown", env=env, capture=True)
    if shown.returncode != 0:
        print("error: reconciler show failed on the saved plan: nothing is applied", file=sys.stderr)
        return EXIT_FAILED
    write(args.summary_out, shown.stdout)
    plan = json.loads(Path(args.plan_out).read_text(encoding="utf-8"))
    reasons = check_plan(plan, args.max_changes, args.require_no_replacements)
    if reasons:
        for reason in reasons:
            print(f"error: refused: {reason}", file=sys.stderr)
        write(args.result_out, json.dumps({"status": "refused", "errors": reasons}, indent=2) + "\n")
        return EXIT_FAILED
    if args.plan_only:
        print("plan_only: the plan is saved and not applied", flush=True)
        write(args.result_out, json.dumps({"status": "not applied", "reason": "plan_only"}, indent=2) + "\n")
        return EXIT_OK
    applied = reconciler("apply", args.plan_out, "--auto-approve", "--format", "json", env=env, capture=True)
    write(args.result_out, applied.stdout)
    print(applied.stdout, end="", flush=True)
    if applied.returncode != 0:
        print("error: reconciler apply failed", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(run())
