"""The command-line interface: the only module that prints or exits.

Commands: validate, plan, apply, drift, promote, unlock, schema, sandbox, demo. Exit codes follow
docs/cli.md: 0 success; 1 any error (invalid specs, refused or failed apply, AWS
errors), always as one clear line per problem and never a traceback; 2 for "changes
present" (`plan --detailed-exitcode`) and "drift or pending" (`drift`).
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_ERROR, EXIT_CHANGES = 0, 1, 2


class CliError(Exception):
    """A user-facing error raised by the CLI itself."""


class UsageError(Exception):
    """The command line itself is wrong (an unknown flag, a bad choice): exit 1, never 2."""


class Parser(argparse.ArgumentParser):
    """argparse, except that a usage error exits 1: 2 means "changes or drift" and nothing else."""

    def error(self, message: str) -> Any:  # type: ignore[override]
        self.print_usage(sys.stderr)
        raise UsageError(f"{self.prog}: error: {message}")


# --- output ------------------------------------------------------------------------------
def out(text: str = "") -> None:
    sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")
    sys.stdout.flush()


_SENSITIVE: set[str] = set()  # the values of the stack's sensitive fields: never printed, errors included


def err(text: str) -> None:
    if _SENSITIVE:
        from reconciler.sensitive import mask_text

        text = mask_text(text, _SENSITIVE)
    sys.stderr.write(text.rstrip("\n") + "\n")
    sys.stderr.flush()


class ConsoleHooks:
    """Progress of apply, one line per event, to stdout (CI logs keep it), or to stderr when stdout carries
    the JSON summary; each step's outcome is kept for that summary."""

    def __init__(self, to_stderr: bool = False) -> None:
        self.index = 0
        self.write = err if to_stderr else out
        self.steps: list[dict[str, Any]] = []

    def step_started(self, index: int, total: int, step: Any) -> None:
        self.index = index
        self.write(f"[{index}/{total}] {step.operation} {step.address} ...")

    def step_progress(self, step: Any, message: str) -> None:
        if _SENSITIVE:
            from reconciler.sensitive import mask_text

            message = mask_text(message, _SENSITIVE)
        self.write(f"        {step.address}: {message}")

    def step_finished(self, step: Any, seconds: float) -> None:
        self.steps.append({"operation": step.operation, "address": step.address, "status": "done",
                           "seconds": round(seconds, 3)})
        self.write(f"        done in {seconds:.1f} s ({step.address})")

    def step_failed(self, step: Any, message: str) -> None:
        self.steps.append({"operation": step.operation, "address": step.address, "status": "failed",
                           "message": message})
        self.write(f"        FAILED: {step.operation} {step.address}")


# --- AWS target --------------------------------------------------------------------------
def _target(args: argparse.Namespace, stack_region: str | None) -> Any:
    from reconciler.aws.clients import AwsTarget

    explicit = getattr(args, "region", None)
    if stack_region and explicit and explicit != stack_region:
        raise CliError(f"--region {explicit} differs from the Stack's region {stack_region}")
    region = stack_region or explicit or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if not region:
        import boto3
        from botocore.exceptions import BotoCoreError

        try:
            region = boto3.Session(profile_name=getattr(args, "profile", None)).region_name
        except BotoCoreError as exc:
            raise CliError(f"cannot read the AWS configuration: {exc}") from None
    if not region:
        raise CliError("no AWS region: set `region` in the Stack document, AWS_REGION, or --region")
    endpoint = getattr(args, "endpoint_url", None) or None
    return AwsTarget(region=region, profile=getattr(args, "profile", None), endpoint_url=endpoint)


def _clients(args: argparse.Namespace, stack_region: str | None, read_only: bool) -> Any:
    from reconciler.aws.clients import ClientFactory, ReadClients, WriteClients

    factory = ClientFactory(_target(args, stack_region))
    return ReadClients(factory) if read_only else WriteClients(factory)


def _load(directory: str, args: argparse.Namespace | None = None) -> Any:
    from reconciler.kinds import load_stack
    from reconciler.sensitive import values_of

    stack = load_stack(Path(directory), getattr(args, "env", None))
    _SENSITIVE.update(values_of(stack))
    return stack


def _read_plan(path: Path) -> Any:
    """A saved plan; its sensitive values are masked in everything printed from here on."""
    from reconciler.plan.model import Plan
    from reconciler.sensitive import values_of

    try:
        plan = Plan.loads(path.read_text(encoding="utf-8"))
    except (ValueError, KeyError, TypeError) as exc:
        raise CliError(f"{path}: not a reconciler plan file ({exc})") from None
    _SENSITIVE.update(values_of(plan))
    return plan


def _print_warnings(items: Any) -> None:
    for w in items:
        err(str(w) if "warning" in str(w) else f"warning: {w}")


# --- commands ----------------------------------------------------------------------------
def cmd_validate(args: argparse.Namespace) -> int:
    if args.format == "text":
        stack = _load(args.dir, args)
        _print_warnings(stack.warnings.items)
        out(f"Valid: stack \"{stack.stack.name}\", {len(stack.docs)} document(s) in {args.dir.rstrip('/') or '/'}")
        return EXIT_OK
    from reconciler import __version__
    from reconciler.errors import SpecError
    from reconciler.render.diagnostics import render_github, render_json, render_sarif

    try:
        stack = _load(args.dir, args)
        diagnostics, name, documents, code = stack.warnings.sorted(), stack.stack.name, len(stack.docs), EXIT_OK
    except SpecError as exc:
        diagnostics, name, documents, code = exc.diagnostics.sorted(), None, 0, EXIT_ERROR
    if args.format == "json":
        out(render_json(diagnostics, name, documents))
    elif args.format == "github":
        text = render_github(diagnostics)
        if text:
            out(text)
    else:
        out(render_sarif(diagnostics, __version__))
    return code


def _render_plan(plan: Any, fmt: str, **markdown: Any) -> str:
    from reconciler.render import (
        render_plan_html,
        render_plan_json,
        render_plan_markdown,
        render_plan_text,
        should_color,
    )
    from reconciler.sensitive import mask_plan

    plan = mask_plan(plan, plan)  # only what is printed: a saved plan file keeps the values apply sends
    if fmt == "json":
        return render_plan_json(plan)
    if fmt == "html":
        return render_plan_html(plan)
    if fmt == "markdown":
        return render_plan_markdown(plan, **markdown)
    return render_plan_text(plan, color=should_color(sys.stdout))


def _markdown_options(args: argparse.Namespace) -> dict[str, Any]:
    """--max-chars and --details-url, for the Markdown renderer (only with --format markdown)."""
    if args.details_url and args.max_chars is None:
        raise CliError("--details-url only applies with --max-chars (it is where the note of a shortened text points)")
    if args.max_chars is not None and args.format != "markdown":
        raise CliError("--max-chars only applies with --format markdown")
    return {"max_chars": args.max_chars, "details_url": args.details_url}


def cmd_plan(args: argparse.Namespace) -> int:
    from reconciler.plan.planner import make_plan

    if args.lock_timeout and not args.lock:
        raise CliError("--lock-timeout only applies with --lock (plan takes the lock only when asked)")
    markdown = _markdown_options(args)
    stack = _load(args.dir, args)
    clients = _clients(args, stack.stack.region, read_only=True)
    lock = None
    if args.lock:
        if not stack.stack.lock_table:
            raise CliError(f"--lock: stack {stack.stack.name} has no lock table (lock: {{table: NAME}})")
        lock = _lock(args, _clients(args, stack.stack.region, read_only=False), stack.stack.lock_table,
                     stack.stack.name, clients.region)
    started = time.monotonic()
    try:
        plan, _ = make_plan(stack, clients)
    finally:
        if lock is not None:
            lock.release()
    plan = _targeted(plan, stack, args.target)
    elapsed = time.monotonic() - started
    if args.out:
        Path(args.out).write_text(plan.dumps(), encoding="utf-8")
    out(_render_plan(plan, args.format, **markdown, saved_plan=args.out).rstrip("\n"))
    if args.out and args.format == "text":
        out(f"\nSaved the plan to {args.out}; apply exactly this plan with: reconciler apply {args.out}")
    if args.verbose:
        _report_calls(clients, elapsed)
    if args.detailed_exitcode and not plan.is_empty:
        return EXIT_CHANGES
    return EXIT_OK


def _targeted(plan: Any, stack: Any, targets: list[str] | None) -> Any:
    """The plan narrowed by --target (the documents named, or owning the resources named, and what they
    reference), or as it is without targets."""
    if not targets:
        return plan
    from reconciler.plan.target import TargetError, restrict

    try:
        return restrict(plan, stack, targets)
    except TargetError as exc:
        raise CliError(str(exc)) from None


def _report_calls(clients: Any, elapsed: float) -> None:
    counts = clients.factory.counter.snapshot()
    total = sum(counts.values())
    detail = ", ".join(f"{k.split(':', 1)[1]} {v}" for k, v in sorted(counts.items()))
    err(f"API calls: {total} in {elapsed:.2f} s ({detail})")


def _is_plan_file(path: Path) -> bool:
    if not path.is_file():
        return False
    try:
        head = path.read_text(encoding="utf-8", errors="replace").lstrip()[:1]
    except OSError:
        return False
    return head == "{"


def _confirm(auto_approve: bool) -> bool:
    if auto_approve:
        return True
    if not sys.stdin.isatty():
        raise CliError("refusing to apply without confirmation: stdin is not a terminal; pass --auto-approve")
    sys.stdout.write("\nApply these changes? Only 'yes' is accepted: ")
    sys.stdout.flush()
    answer = sys.stdin.readline().strip()
    return answer == "yes"


def _lock(args: argparse.Namespace, clients: Any, table: str | None, stack: str, region: str) -> Any:
    """The stack lock, taken (waiting up to --lock-timeout); None, with a warning, when no table is set."""
    from reconciler.apply.lock import StackLock

    if not table:
        err(f"warning: stack {stack} has no lock: two applies at the same time could interleave; add "
            "`lock: {table: NAME}` to the Stack document (see docs/how-it-decides.md, Lock)")
        return None
    command = "reconciler " + " ".join(sys.argv[1:]) if sys.argv[1:] else "reconciler"
    lock = StackLock(clients.get("dynamodb"), table, stack, command, region=region, notice=lambda m: err(m))
    lock.acquire(timeout=float(getattr(args, "lock_timeout", 0) or 0))
    return lock


def cmd_apply(args: argparse.Namespace) -> int:
    from reconciler.apply.applier import apply_plan
    from reconciler.aws.waits import WaitPolicy
    from reconciler.plan.planner import caller_account, make_plan

    path = Path(args.dir)
    from_file = _is_plan_file(path)
    if from_file and args.target:
        raise CliError("--target narrows a plan being made; a saved plan is applied as it was reviewed")
    if from_file:
        plan = _read_plan(path)
        if args.env and not plan.stack.endswith(f"-{args.env}"):
            raise CliError(f"--env {args.env}: {args.dir} is a plan of stack {plan.stack!r}, not of environment "
                           f"{args.env!r}")
        clients = _clients(args, plan.region, read_only=False)
        account = caller_account(clients.reader())
        lock = _lock(args, clients, plan.lock_table, plan.stack, plan.region) if plan.steps else None
    else:
        stack = _load(args.dir, args)
        clients = _clients(args, stack.stack.region, read_only=False)
        lock = _lock(args, clients, stack.stack.lock_table, stack.stack.name, clients.region)
    try:
        if not from_file:
            from reconciler.apply.settle import wait_until_settled

            plan, snapshot = make_plan(stack, clients)
            if wait_until_settled(snapshot, clients, ConsoleHooks(), WaitPolicy.from_env()):
                plan, snapshot = make_plan(stack, clients)  # planned on what is there once it settled
            plan = _targeted(plan, stack, args.target)
            account = snapshot.account
        as_json = args.format == "json"
        say = err if as_json else out  # with --format json, stdout holds only the summary
        say(_render_plan(plan, "text").rstrip("\n"))
        hooks = ConsoleHooks(to_stderr=as_json)
        if not plan.steps:
            if not plan.is_empty:
                say("\nNothing to run now.")
            if as_json:
                out(_apply_summary(plan, account, hooks, "nothing to do", 0.0))
            return EXIT_OK
        # A saved plan was reviewed when it was made (like `terraform apply PLANFILE`): no prompt.
        if not from_file and not _confirm(args.auto_approve):
            say("Apply cancelled.")
            return EXIT_ERROR
        say("")
        started = time.monotonic()
        try:
            result = apply_plan(plan, clients, account, hooks=hooks)
        except Exception as exc:
            if as_json:
                out(_apply_summary(plan, account, hooks, "failed", time.monotonic() - started, str(exc)))
            raise
        say(f"\nApply complete: {result.steps_done} step(s) in {result.seconds:.1f} s.")
        if as_json:
            out(_apply_summary(plan, account, hooks, "applied", result.seconds))
        return EXIT_OK
    finally:
        if lock is not None:
            lock.release()
            if lock.lost:
                err(f"warning: the lock of stack {lock.stack} was broken while this apply held it")


def cmd_show(args: argparse.Namespace) -> int:
    """Print a saved plan (`plan --out`) in a format, without reading AWS: what the merge job applies."""

    path = Path(args.planfile)
    if not _is_plan_file(path):
        raise CliError(f"{path}: not a plan file (make one with `reconciler plan DIR --out {path.name}`)")
    plan = _read_plan(path)
    out(_render_plan(plan, args.format).rstrip("\n"))
    return EXIT_OK


def cmd_output(args: argparse.Namespace) -> int:
    """The names, ARNs and other outputs of a stack's documents, and whether each is applied (read-only)."""
    from reconciler.outputs import render_outputs, stack_outputs

    stack = _load(args.dir, args)
    clients = _clients(args, stack.stack.region, read_only=True)
    out(render_outputs(stack_outputs(stack, clients), args.format).rstrip("\n"))
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    """Write spec documents for live resources no stack owns; with --adopt, make them the stack's (tags only)."""
    from reconciler import imported, importing
    from reconciler.errors import SpecError
    from reconciler.plan.planner import caller_account
    from reconciler.spec.loader import spec_files

    if args.all == bool(args.kind and args.name) or (args.all and args.kind):
        raise CliError("give KIND and NAME (import Endpoint churn), or --all (with --filter GLOB)")
    if args.filter and not args.all:
        raise CliError("--filter narrows --all; to import one resource, give its KIND and NAME")
    if args.adopt and not args.into:
        raise CliError("--adopt makes the resources a stack's: give the stack directory with --into DIR")
    if args.kind:
        importing.check_kind(args.kind)  # before any AWS call
    root = Path(args.into) if args.into else None
    stack = _load(args.into, args) if root is not None and spec_files(root) else None
    if stack is None and args.env:
        raise CliError(f"--env {args.env}: {args.into or 'no directory'} holds no stack with environments")
    clients = _clients(args, stack.stack.region if stack else None, read_only=not args.adopt)
    reader = clients.reader() if args.adopt else clients
    account = caller_account(reader)
    ctx = importing.context(reader, clients.region, account, stack)
    if args.all:
        groups, skipped = importing.import_all(ctx, args.filter or [], adopting=args.adopt)
        owned = [line for line in skipped if line.owner]
        for refused in (line for line in skipped if not line.owner):
            err(f"skipped: {refused}")
        if owned:
            owners = ", ".join(sorted({str(line.owner) for line in owned}))
            err(f"skipped {len(owned)} resource(s) stacks own already ({owners})")
    else:
        groups = [importing.import_one(ctx, args.kind, args.name)]
    groups = [g for g in groups if g]
    if not groups:
        out("Nothing to import" + (f" matching {', '.join(args.filter)}" if args.filter else "") + ".")
        return EXIT_OK
    if root is None:
        from reconciler.sensitive import mask_tree

        for doc in (d for g in groups for d in g):
            doc.spec = mask_tree(doc.spec)
        out("\n---\n".join(importing.render(g).rstrip("\n") for g in groups))
        return EXIT_OK
    # a document the stack has already is adopted as written, with what it references (nothing new is written)
    kept = [g for g in groups if stack is not None and stack.get(g[0].address) is not None]
    groups = [[g[0]] if g in kept else g for g in groups]
    new = [[d for d in g if stack is None or stack.get(d.address) is None] for g in groups]
    present = [d for g in groups for d in g if stack is not None and stack.get(d.address) is not None]
    if present and not args.adopt:
        doc = present[0]
        where = stack.get(doc.address).doc.pos(("name",))
        raise CliError(f"{doc.address} is a document of {args.into} already (at {where}): adopt it as written with "
                       "--adopt, or rename it there")
    created = None
    if stack is None:
        created = importing.write_stack(root, clients.region)
        out(f"Wrote {created}: the new stack {created.read_text().split('name: ')[1].split()[0]!r} in "
            f"{clients.region}" + ("" if args.adopt else " (its name goes into the ownership tags: change it before "
                                   "adopting, if you like)"))
    written: list[tuple[Path, list[Any]]] = []
    try:
        for group in (g for g in new if g):
            written.append((importing.write(root, group), group))
        stack = _load(args.into, args)
    except (SpecError, imported.ImportRefused):
        for path in [w for w, _ in written] + ([created] if created else []):
            path.unlink(missing_ok=True)
        raise
    for path, group in written:
        out(f"Wrote {path}: {', '.join(d.address for d in group)}")
        for doc in group:
            for note in doc.notes:
                out(f"  note: {doc.address}: {note}")
            for key in imported.secrets(doc):
                err(f"warning: {doc.address}: {key} holds a secret, written as it is into {path}: keep it out of git")
    if not args.adopt:
        env = f" --env {args.env}" if args.env else ""
        out(f"\nNext: review them, then `reconciler import ... --into {args.into}{env} --adopt` makes them the "
            "stack's as written (tags only; refused if a plan would change anything else).")
        return EXIT_OK
    docs = [d for g in groups for d in g]
    env = f" --env {args.env}" if args.env else ""
    adoption = importing.check_adoption(stack, clients, docs)
    count = importing.adopt(adoption, clients, account, stack.stack.name, ConsoleHooks())
    out(f"\nAdopted: {count} resource(s) now carry the ownership tags of stack {stack.stack.name!r}; nothing else "
        f"changed. `reconciler plan {args.into}{env}` has nothing to do for them.")
    return EXIT_OK


def cmd_iam_policy(args: argparse.Namespace) -> int:
    """The least-privilege IAM policy for planning or applying the stack (no AWS call)."""
    from reconciler.iam_policy import main as policy_main

    stack = _load(args.dir, args)
    try:
        out(policy_main(stack, region=args.region, account=args.account, mode=args.mode).rstrip("\n"))
    except ValueError as exc:
        raise CliError(str(exc)) from None
    return EXIT_OK


def _apply_summary(plan: Any, account: str, hooks: ConsoleHooks, status: str, seconds: float,
                   error: str | None = None) -> str:
    """`apply --format json`: what was planned, what ran (each step, done or failed) and how it ended."""
    from reconciler.render.text import plan_summary

    summary: dict[str, Any] = {
        "format_version": "1", "stack": plan.stack, "region": plan.region, "account": account, "status": status,
        "summary": plan_summary(plan), "planned_steps": len(plan.steps),
        "steps_done": sum(1 for s in hooks.steps if s["status"] == "done"), "seconds": round(seconds, 3),
        "steps": hooks.steps,
    }
    if error is not None:
        summary["error"] = error
    return json.dumps(summary, indent=2)


def cmd_destroy(args: argparse.Namespace) -> int:
    """Delete every resource the stack owns (its documents as if removed, pruned), in reverse dependency order;
    protected resources stop it; asks for confirmation unless --auto-approve."""
    import dataclasses

    from reconciler.apply.applier import apply_plan
    from reconciler.plan.planner import make_plan
    from reconciler.spec.documents import StackSpec

    loaded = _load(args.dir, args)
    empty = StackSpec(loaded.root, dataclasses.replace(loaded.stack, prune=True), [], [], loaded.warnings)
    clients = _clients(args, loaded.stack.region, read_only=False)
    lock = _lock(args, clients, loaded.stack.lock_table, loaded.stack.name, clients.region)
    try:
        plan, snapshot = make_plan(empty, clients)
        out(_render_plan(plan, "text").rstrip("\n"))
        if not plan.steps:
            out(f"\nStack {loaded.stack.name!r} owns nothing in {clients.region}: nothing to destroy.")
            return EXIT_OK
        if not args.auto_approve:
            out(f"\nThis deletes everything stack {loaded.stack.name!r} owns ({len(plan.changes)} resource(s)).")
        if not _confirm(args.auto_approve):
            out("Destroy cancelled.")
            return EXIT_ERROR
        out("")
        result = apply_plan(plan, clients, snapshot.account, hooks=ConsoleHooks())
        out(f"\nDestroy complete: {result.steps_done} step(s) in {result.seconds:.1f} s.")
        return EXIT_OK
    finally:
        if lock is not None:
            lock.release()


def cmd_completion(args: argparse.Namespace) -> int:
    """Print the shell's completion script."""
    from reconciler.completion import bash_script, zsh_script
    from reconciler.kinds import REGISTRY

    script = bash_script if args.shell == "bash" else zsh_script
    out(script(build_parser(), list(REGISTRY.names)).rstrip("\n"))
    return EXIT_OK


def cmd_addresses(args: argparse.Namespace) -> int:
    """For completion scripts: the stack's document addresses, one per line (offline; none if invalid)."""
    from reconciler.completion import addresses

    for address in addresses(args.dir, args.environments):
        out(address)
    return EXIT_OK


def cmd_unlock(args: argparse.Namespace) -> int:
    from reconciler.apply.lock import break_lock

    table = args.table
    region = None
    if table is None:
        stack = _load(args.dir, args)
        if stack.stack.name != args.stack:
            raise CliError(f"the Stack document in {args.dir} names stack {stack.stack.name!r}, not {args.stack!r}; "
                           "to unlock another stack, give its lock table with --table")
        table, region = stack.stack.lock_table, stack.stack.region
        if not table:
            raise CliError(f"stack {args.stack} has no lock table (lock: {{table: NAME}} in its Stack document)")
    clients = _clients(args, region, read_only=False)
    holder = break_lock(clients.get("dynamodb"), table, args.stack, args.lock_id)
    out(f"Unlocked stack {args.stack}: the lock held by {holder.describe()} is gone.")
    return EXIT_OK


def cmd_drift(args: argparse.Namespace) -> int:
    from reconciler.drift import drift_report
    from reconciler.plan.planner import make_plan
    from reconciler.render import (
        render_drift_html,
        render_drift_json,
        render_drift_markdown,
        render_drift_text,
        should_color,
    )

    markdown = _markdown_options(args)
    stack = _load(args.dir, args)
    clients = _clients(args, stack.stack.region, read_only=True)
    if args.accept:
        if args.format != "text":
            raise CliError("--accept prints a patch for people (and `git apply`): it has no --format")
        for address in args.accept:  # a document address is checked before any AWS call
            if address[:1].isupper() and stack.get(address) is None:
                from reconciler.accept import unknown_address

                raise CliError(unknown_address(stack, address))
    plan, snapshot = make_plan(stack, clients)
    if args.accept:
        return _accept(stack, snapshot, args.accept)
    from reconciler.sensitive import mask_report

    report = mask_report(drift_report(plan, snapshot), snapshot)
    if args.format == "json":
        out(render_drift_json(report).rstrip("\n"))
    elif args.format == "markdown":
        out(render_drift_markdown(report, **markdown).rstrip("\n"))
    elif args.format == "html":
        out(render_drift_html(report).rstrip("\n"))
    else:
        out(render_drift_text(report, color=should_color(sys.stdout)).rstrip("\n"))
    return EXIT_OK if report.in_sync else EXIT_CHANGES


def _accept(stack: Any, snapshot: Any, addresses: list[str]) -> int:
    """`drift --accept`: print the spec patch that makes git match live for each address (exit 2 when there is
    one to make, 0 when git matches live already)."""
    from reconciler.accept import accept

    pending = False
    for address in addresses:
        found = accept(stack, address, snapshot)
        if found.in_sync:
            out(f"{found.address} ({found.where}): git matches live; nothing to accept.")
            continue
        pending = True
        out(f"{found.address} ({found.where}): to make git match live,")
        for change in found.changes:
            out(f"  {change.text}")
        for key, git, live in found.tags:
            out(f"  {'~' if git is not None and live is not None else '+' if git is None else '-'} tags.{key}: "
                f"{git!r} -> {live!r}".replace("None -> ", "").replace(" -> None", ""))
        for note in found.notes:
            out(f"  note: {note}")
        if found.patch:
            out("\nPatch (apply with `git apply` in this directory):\n")
            out(found.patch.rstrip("\n"))
        else:
            out("\nThe document as live has it (replace the document with it):\n")
            out(found.live_document.rstrip("\n"))
        out("")
    return EXIT_CHANGES if pending else EXIT_OK


def cmd_promote(args: argparse.Namespace) -> int:
    from reconciler import promote
    from reconciler.plan.planner import caller_account

    kind, _, name = args.target.partition("/")
    if kind != "ShadowTest" or not name:
        raise CliError(f"promote takes ShadowTest/NAME, got {args.target!r}")
    stack = _load(args.dir, args)
    if stack.get(f"ShadowTest/{name}") is None:
        raise CliError(f"no ShadowTest/{name} document in {args.dir}")
    clients = _clients(args, stack.stack.region, read_only=False)
    account = caller_account(clients.reader())
    promotion = promote.prepare(clients, stack.stack.name, name, args.retain_production)
    shadow_models = ", ".join(f"{v} ({promotion.models.get(v, '?')})" for v in promotion.promoted)
    fate = "kept beside it" if promotion.retained else "removed"
    out(f"Promote ShadowTest/{name}: endpoint/{promotion.endpoint} will serve shadow variant {shadow_models}; "
        f"production variant {promotion.production} ({promotion.models.get(str(promotion.production), '?')}) "
        f"is {fate}.")
    if not _confirm(args.auto_approve):
        out("Promotion cancelled.")
        return EXIT_ERROR
    data = promote.run(clients, promotion, ConsoleHooks(), account, stack.stack.name)
    variants = ", ".join(v["VariantName"] for v in data.get("ProductionVariants", []))
    out(f"\nPromoted: endpoint/{promotion.endpoint} is InService on {data.get('EndpointConfigName')} "
        f"(variants: {variants}).")
    out(f"Now make git match: point Endpoint/{promotion.endpoint}'s variant at the promoted model and remove or "
        f"update ShadowTest/{name}. When the Endpoint document then describes what it serves "
        f"({data.get('EndpointConfigName')}), the next plan adopts it without a redeploy; until then it moves the "
        "endpoint back to git's config.")
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    import json

    from reconciler.kinds import REGISTRY
    from reconciler.kinds import schemas as kind_schemas
    from reconciler.spec.schemagen import REGENERATE_COMMAND

    schemas = kind_schemas()
    if args.write or args.check:
        if args.kind is not None:
            raise CliError("--write and --check cover every kind; leave out KIND")
        if args.write:
            for path in schemas.write(Path(args.write)):
                out(f"wrote {path}")
        if args.check:
            stale = schemas.stale(Path(args.check))
            if stale:
                raise CliError(f"out of date in {args.check}: {', '.join(stale)}; run `{REGENERATE_COMMAND}`")
            out(f"{len(schemas.generate_all())} schema files in {args.check} are up to date")
        return EXIT_OK
    if args.kind is None:
        out("Kinds: " + ", ".join(REGISTRY.names) + "\nPrint one with: reconciler schema KIND")
        return EXIT_OK
    match = {k.lower(): k for k in REGISTRY.names}.get(args.kind.lower())
    if match is None:
        close = difflib.get_close_matches(args.kind, REGISTRY.names, 1) or \
            [n for n in REGISTRY.names if n.lower() == args.kind.lower().rstrip("s")]
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise CliError(f"unknown kind {args.kind!r}{hint}; known kinds: {', '.join(REGISTRY.names)}")
    out(json.dumps(schemas.document_schema(match), indent=2, sort_keys=True))
    return EXIT_OK


def cmd_sandbox(args: argparse.Namespace) -> int:
    try:
        from reconciler.sandbox import Sandbox
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise CliError(f"the sandbox needs the 'sandbox' extra: pip install 'reconciler[sandbox]' ({exc})") from None
    try:
        sandbox = Sandbox(host=args.host, port=args.port, time_scale=args.time_scale, latency_ms=args.latency_ms,
                          fault_rate=args.fault_rate, fault_seed=args.fault_seed)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    url = sandbox.start()
    faults = f"  faults {args.fault_rate:g} (seed {sandbox.faults.seed})" if args.fault_rate else ""
    out(f"Sandbox (local AWS emulation) listening on {url}  time-scale {args.time_scale:g}x{faults}")
    out("Point any AWS tool at it:")
    for key, value in sandbox.client_env().items():
        out(f"  export {key}={value}")
    out("Stop with Ctrl-C.")
    sandbox.serve_forever()
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from reconciler.demo import run_demo

    return run_demo(out, main, time_scale=args.time_scale, html_dir=args.html)


# --- parser ------------------------------------------------------------------------------
def _env_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--env", metavar="NAME",
                   help="the environment (an Environment document of the stack): the stack <stack>-NAME, with its "
                        "namePrefix and variables; required when the stack has environments")


def _target_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--target", action="append", metavar="ADDRESS",
                   help="only this document (Endpoint/churn) or resource (endpoint/churn) and what it references; "
                        "repeatable. The plan is partial: say so in review")


def _aws_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--region", help="AWS region (default: the Stack's region, then AWS_REGION)")
    p.add_argument("--profile", help="AWS profile (default: AWS_PROFILE)")
    p.add_argument("--endpoint-url", help="AWS endpoint URL, e.g. a sandbox (default: AWS_ENDPOINT_URL)")


def _max_chars(value: str) -> int:
    from reconciler.render.markdown import MIN_MAX_CHARS

    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number < MIN_MAX_CHARS:
        raise argparse.ArgumentTypeError(f"at least {MIN_MAX_CHARS}, got {number}")
    return number


def _markdown_arguments(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("--max-chars", type=_max_chars, metavar="N",
                   help="with --format markdown: at most N characters; whole detail blocks are left out from the "
                        "end and a note says how many (a PR comment or issue: 65000; default: no limit)")
    p.add_argument("--details-url", metavar="URL",
                   help=f"with --max-chars: where that note says the full {what} is (e.g. the CI run keeping it)")


EXAMPLES: dict[str, tuple[str, ...]] = {
    "validate": ("reconciler validate specs", "reconciler validate specs --format github   # PR annotations"),
    "plan": ("reconciler plan specs --out plan.json", "reconciler plan specs --format markdown --max-chars 65000",
             "reconciler plan specs --detailed-exitcode   # exit 2 when there are changes",
             "reconciler plan specs --target Endpoint/churn"),
    "apply": ("reconciler apply plan.json   # exactly the reviewed plan", "reconciler apply specs --auto-approve",
              "reconciler apply specs --auto-approve --format json > summary.json"),
    "show": ("reconciler show plan.json", "reconciler show plan.json --format html > plan.html"),
    "output": ("reconciler output specs", "reconciler output specs --format json"),
    "drift": ("reconciler drift specs   # 0 in sync, 2 drift or pending",
              "reconciler drift specs --format html > drift.html"),
    "destroy": ("reconciler destroy specs",),
    "iam-policy": ("reconciler iam-policy specs --mode plan > plan-policy.json",),
    "promote": ("reconciler promote ShadowTest/churn-shadow specs",),
    "unlock": ("reconciler unlock churn-prod 3f2a...   # the lock id a refused apply printed",),
    "schema": ("reconciler schema Endpoint > endpoint.schema.json", "reconciler schema --write schemas"),
    "sandbox": ("reconciler sandbox --port 5000 --time-scale 600",
                "export AWS_ENDPOINT_URL=http://127.0.0.1:5000 AWS_ACCESS_KEY_ID=testing "
                "AWS_SECRET_ACCESS_KEY=testing"),
    "demo": ("reconciler demo", "reconciler demo --html pages"),
    "completion": ('eval "$(reconciler completion bash)"',),
    "import": ("reconciler import Endpoint churn", "reconciler import Endpoint churn --into specs --adopt",
               "reconciler import --all --filter 'churn-*' --into specs"),
}


def build_parser() -> argparse.ArgumentParser:
    from reconciler import __version__

    parser = Parser(
        prog="reconciler",
        description="Keep Amazon SageMaker deployments in git: validate, plan, apply and detect drift.",
    )
    parser.add_argument("--version", action="version", version=f"reconciler {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("validate", help="check the specs (no AWS calls)")
    p.add_argument("dir", nargs="?", default="specs", help="stack directory (default: specs)")
    _env_option(p)
    p.add_argument("--format", choices=("text", "json", "github", "sarif"), default="text",
                   help="text (default); json; github: Actions annotations; sarif: SARIF 2.1.0 for code scanning")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("plan", help="show what apply would change (read-only)")
    p.add_argument("dir", nargs="?", default="specs", help="stack directory (default: specs)")
    _env_option(p)
    p.add_argument("--out", help="save the plan as JSON, to apply exactly it later")
    p.add_argument("--format", choices=("text", "json", "markdown", "html"), default="text",
                   help="text (default), json (the plan format), markdown (a PR comment), html (a page)")
    p.add_argument("--detailed-exitcode", action="store_true", help="exit 2 when there are changes")
    _markdown_arguments(p, "plan")
    p.add_argument("--verbose", "-v", action="store_true", help="print how many API calls the plan made")
    p.add_argument("--lock", action="store_true", help="hold the stack lock while planning (no apply meanwhile)")
    p.add_argument("--lock-timeout", type=float, default=0.0, metavar="SECONDS",
                   help="with --lock: wait up to this long for it")
    _target_option(p)
    _aws_options(p)
    p.set_defaults(func=cmd_plan)

    p = sub.add_parser("apply", help="apply a stack directory or a saved plan file")
    p.add_argument("dir", nargs="?", default="specs", metavar="target",
                   help="stack directory or plan file (default: specs)")
    _env_option(p)
    _target_option(p)
    p.add_argument("--auto-approve", action="store_true", help="do not ask for confirmation")
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="json: progress to stderr, and a JSON summary of what ran to stdout (default: text)")
    p.add_argument("--lock-timeout", type=float, default=0.0, metavar="SECONDS",
                   help="wait up to this long for the stack lock (default 0: fail at once, naming its holder)")
    _aws_options(p)
    p.set_defaults(func=cmd_apply)

    p = sub.add_parser("show", help="print a saved plan file (no AWS calls)")
    p.add_argument("planfile", help="a plan saved with `reconciler plan DIR --out FILE`")
    p.add_argument("--format", choices=("text", "json", "markdown", "html"), default="text",
                   help="text (default), json, markdown or html")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("output", help="print the names, ARNs and URLs of a stack's resources (read-only)")
    p.add_argument("dir", nargs="?", default="specs", help="stack directory (default: specs)")
    _env_option(p)
    p.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or json")
    _aws_options(p)
    p.set_defaults(func=cmd_output)

    p = sub.add_parser("completion", help="print a shell completion script: eval \"$(reconciler completion bash)\"")
    p.add_argument("shell", choices=("bash", "zsh"), help="the shell to complete in")
    p.set_defaults(func=cmd_completion)

    p = sub.add_parser("__addresses")  # for completion scripts: the stack's document addresses
    p.add_argument("dir", nargs="?", default="specs", help="stack directory (default: specs)")
    p.add_argument("--environments", action="store_true", help="list the stack's environments instead")
    p.set_defaults(func=cmd_addresses)

    p = sub.add_parser("destroy", help="delete everything the stack owns (protected resources stop it)")
    p.add_argument("dir", nargs="?", default="specs", help="stack directory (default: specs)")
    _env_option(p)
    p.add_argument("--auto-approve", action="store_true", help="do not ask for confirmation")
    p.add_argument("--lock-timeout", type=float, default=0.0, metavar="SECONDS",
                   help="wait up to this long for the stack lock (default 0: fail at once, naming its holder)")
    _aws_options(p)
    p.set_defaults(func=cmd_destroy)

    p = sub.add_parser("import", help="write spec documents for live resources no stack owns (--adopt: tag them)")
    p.add_argument("kind", nargs="?", help="the kind to import: Endpoint, Model, Alarm, ... (not with --all)")
    p.add_argument("name", nargs="?", help="the resource's AWS name")
    p.add_argument("--into", metavar="DIR", help="stack directory to write into, one file per resource (default: "
                                                 "print the documents, secrets masked)")
    p.add_argument("--adopt", action="store_true",
                   help="also make them the stack's: ownership tags only, refused if a plan would change anything else")
    p.add_argument("--all", action="store_true", help="every resource of every importable kind no stack owns")
    p.add_argument("--filter", action="append", metavar="GLOB",
                   help="with --all: only names matching this shell pattern (repeatable; churn-*)")
    _env_option(p)
    _aws_options(p)
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("iam-policy", help="print the least-privilege IAM policy to plan or apply the stack")
    p.add_argument("dir", nargs="?", default="specs", help="stack directory (default: specs)")
    _env_option(p)
    p.add_argument("--mode", choices=("plan", "apply"), default="apply",
                   help="plan: read-only (and the lock); apply: plan's plus every write (default: apply)")
    p.add_argument("--region", help="region of the ARNs (default: the Stack's region)")
    p.add_argument("--account", help="account of the ARNs (default: the Stack's accountId, else ${AWS::AccountId})")
    p.set_defaults(func=cmd_iam_policy)

    p = sub.add_parser("unlock", help="break a stack's lock (when the apply holding it is gone)")
    p.add_argument("stack", help="the stack's name")
    p.add_argument("lock_id", help="the lock id, as the error of a refused apply prints it")
    p.add_argument("dir", nargs="?", default="specs", help="stack directory, for its lock table (default: specs)")
    _env_option(p)
    p.add_argument("--table", help="the lock table (default: the Stack document's lock.table)")
    _aws_options(p)
    p.set_defaults(func=cmd_unlock)

    p = sub.add_parser("drift", help="report drift (changed outside git) and pending changes")
    p.add_argument("dir", nargs="?", default="specs", help="stack directory (default: specs)")
    _env_option(p)
    p.add_argument("--accept", action="append", metavar="ADDRESS",
                   help="print the spec patch that makes git match live for this document (Endpoint/churn), "
                        "instead of the report; repeatable")
    p.add_argument("--format", choices=("text", "json", "markdown", "html"), default="text",
                   help="text (default), json, markdown (an issue body) or html (a page)")
    _markdown_arguments(p, "report")
    _aws_options(p)
    p.set_defaults(func=cmd_drift)

    p = sub.add_parser("promote", help="promote a running shadow test's shadow variant to production")
    p.add_argument("target", help="ShadowTest/NAME")
    p.add_argument("dir", nargs="?", default="specs", help="stack directory (default: specs)")
    _env_option(p)
    p.add_argument("--retain-production", action="store_true", help="keep the production variant beside it")
    p.add_argument("--auto-approve", action="store_true", help="do not ask for confirmation")
    _aws_options(p)
    p.set_defaults(func=cmd_promote)

    p = sub.add_parser("schema", help="print the JSON Schema of a kind (for editor completion)")
    p.add_argument("kind", nargs="?", help="a kind (Endpoint, Model, ...); without one, the kinds are listed")
    p.add_argument("--write", metavar="DIR", help="write every kind's schema file into DIR")
    p.add_argument("--check", metavar="DIR", help="exit 1 if the schema files in DIR are not up to date")
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser("sandbox", help="serve the local AWS emulation")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=5000, help="port to listen on (default 5000; 0: any free port)")
    p.add_argument("--time-scale", type=float, default=60.0, help="sandbox clock speed-up (default 60)")
    p.add_argument("--latency-ms", type=float, default=0.0, help="added latency per AWS call")
    p.add_argument("--fault-rate", type=float, default=0.0,
                   help="share of AWS calls answered with throttling, 503 or a dropped connection (default 0)")
    p.add_argument("--fault-seed", type=int, default=None, help="seed of the injected faults (default: random)")
    p.set_defaults(func=cmd_sandbox)

    p = sub.add_parser("demo", help="run the end-to-end story on an in-process sandbox")
    p.add_argument("--time-scale", type=float, default=3000.0, help="sandbox clock speed-up (default 3000)")
    p.add_argument("--html", metavar="DIR", help="also write each plan the demo shows as an HTML page into DIR")
    p.set_defaults(func=cmd_demo)
    import reconciler.commands

    reconciler.commands.register_all(sub, sys.modules[__name__])
    for name, sub_parser in sub.choices.items():
        if name in EXAMPLES:
            sub_parser.epilog = "examples:\n" + "\n".join(f"  {line}" for line in EXAMPLES[name])
            sub_parser.formatter_class = argparse.RawDescriptionHelpFormatter
    return parser


def _error_lines(exc: BaseException) -> list[str]:
    from reconciler.aws.errors import describe_error
    from reconciler.errors import PlanError, SpecError

    if isinstance(exc, SpecError):  # `file:line:col: message`; a problem with no place says what it is
        return [str(d) if d.position or d.severity.value != "error" else f"error: {d}"
                for d in exc.diagnostics.sorted()]
    if isinstance(exc, PlanError):  # like a spec problem: `file:line:col: message` when it has a place
        return [m if re.match(r"\S+:\d+:\d+: ", m) else f"error: {m}" for m in exc.messages]
    return [f"error: {describe_error(exc)}"]


def _parse(parser: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    """Parse; an unknown option is reported by the command it was given to, with a suggestion."""
    args, extras = parser.parse_known_args(argv)
    if not extras:
        return args
    command = None
    for action in parser._subparsers._group_actions if parser._subparsers else ():
        command = getattr(action, "choices", {}).get(getattr(args, "command", None) or "")
    target = command or parser
    options = [o for a in target._actions for o in a.option_strings]
    hints = [f" (did you mean {match[0]}?)" if (match := difflib.get_close_matches(x.split("=")[0], options, 1, 0.75))
             else "" for x in extras[:1]]
    target.error(f"unrecognized arguments: {' '.join(extras)}{hints[0]}")
    raise AssertionError("unreachable")


def main(argv: list[str] | None = None) -> int:
    _SENSITIVE.clear()
    parser = build_parser()
    try:
        args = _parse(parser, argv)
    except UsageError as exc:
        err(str(exc))
        return EXIT_ERROR
    if not getattr(args, "func", None):  # no command: a usage error
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    if getattr(args, "endpoint_url", None):
        os.environ["AWS_ENDPOINT_URL"] = args.endpoint_url
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        err("interrupted")
        return 130
    except CliError as exc:
        err(f"error: {exc}")
        return EXIT_ERROR
    except Exception as exc:
        from reconciler.errors import ReconcilerError

        if os.environ.get("RECONCILER_DEBUG"):
            raise
        if isinstance(exc, ReconcilerError):
            for line in _error_lines(exc):
                err(line)
            return EXIT_ERROR
        try:
            from botocore.exceptions import BotoCoreError, ClientError
        except ImportError:  # pragma: no cover
            BotoCoreError = ClientError = ()  # type: ignore[assignment,misc]
        if isinstance(exc, (BotoCoreError, ClientError)):
            err(f"error: AWS: {_error_lines(exc)[0].removeprefix('error: ')}")
            return EXIT_ERROR
        err(f"error: unexpected {exc.__class__.__name__}: {exc} (set RECONCILER_DEBUG=1 for a traceback)")
        return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
