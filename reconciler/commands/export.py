"""`reconciler export FORMAT DIR`: the stack written in another tool's format; today `ack`.

`export ack` expands the stack offline (`reconciler.kinds.expand` with the Stack's region, or
`--region`, and its `accountId`, or `--account`) and writes its resources as AWS Controllers for
Kubernetes custom resources (`reconciler.export.ack`): one multi-document YAML stream to stdout, or
with `--out DIR` one file per resource named `<tier>-<kind>-<name>.yaml`, so the files sort in apply
order. Files an earlier export of the same stack wrote there and this one does not are removed (only
files starting with the export's header line for that stack). What ACK cannot express is printed
as warnings on stderr; the exit code stays 0.

A Model with `modelPackage` names a registry version only AWS knows: offline it is an error, and
`--resolve` reads it with read-only clients (the same lookup a plan makes), pinning the ARN in the
export. Without an account, ARNs of the stack's own resources cannot be written: an error naming
`--account`, raised only when such an ARN is in the export.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

PLACEHOLDER_ACCOUNT = "000000000000"  # expands offline; an export that names it needs --account
NAMESPACE_MAX = 63


def register(sub: Any, cli: Any) -> None:
    """The `export` command and its `ack` format."""
    p = sub.add_parser("export", help="write the stack in another tool's format (ack: Kubernetes manifests for ACK)")
    formats = p.add_subparsers(dest="export_format", metavar="FORMAT",
                               help="ack: AWS Controllers for Kubernetes custom resources")
    p.set_defaults(func=lambda args: _no_format(cli))

    a = formats.add_parser("ack", help="the stack as ACK custom resources (no AWS calls unless --resolve)")
    a.add_argument("dir", nargs="?", default="specs", help="stack directory (default: specs)")
    cli._env_option(a)
    a.add_argument("--out", metavar="DIR",
                   help="write one file per resource into DIR, named to sort in apply order (default: one "
                        "multi-document YAML stream to stdout)")
    a.add_argument("--namespace", metavar="NAME", help="metadata.namespace of every manifest (default: none)")
    a.add_argument("--account", metavar="ID",
                   help="account of the ARNs the export writes (default: the Stack's accountId)")
    a.add_argument("--resolve", action="store_true",
                   help="resolve each Model's modelPackage version with read-only AWS calls (without it, a "
                        "modelPackage is an error)")
    cli._aws_options(a)
    a.set_defaults(func=lambda args: run_ack(args, cli))
    cli.EXAMPLES.setdefault("export", (
        "reconciler export ack specs > stack.yaml",
        "reconciler export ack specs --env prod --out k8s/prod --namespace ml",
        "reconciler export ack specs --resolve   # a Model on modelPackage latestApproved"))


def _no_format(cli: Any) -> int:
    raise cli.CliError("export needs a format: reconciler export ack DIR")


def run_ack(args: argparse.Namespace, cli: Any) -> int:
    """Load, expand and export the stack as ACK manifests; warnings to stderr."""
    from reconciler.export import ack
    from reconciler.kinds import expand

    namespace = args.namespace
    if namespace is not None and not (len(namespace) <= NAMESPACE_MAX and ack.DNS_LABEL.match(namespace)):
        raise cli.CliError(f"--namespace {namespace!r} is not a Kubernetes namespace name (a DNS-1123 label: at "
                           "most 63 lowercase letters, digits and '-', starting and ending with a letter or digit)")
    out_dir = Path(args.out) if args.out else None
    if out_dir is not None and out_dir.exists() and not out_dir.is_dir():
        raise cli.CliError(f"--out {out_dir} is a file, not a directory")
    stack = cli._load(args.dir, args)
    account = args.account or stack.stack.account_id
    if account is not None and not (len(account) == 12 and account.isdigit()):
        raise cli.CliError(f"--account {account!r} is not an AWS account id (12 digits)")
    clients = None
    if args.resolve:
        from reconciler.plan.planner import caller_account

        clients = cli._clients(args, stack.stack.region, read_only=True)
        region = clients.region
        live_account = caller_account(clients)
        if account and account != live_account:
            raise cli.CliError(f"the export is for account {account} but the credentials are for account "
                               f"{live_account}; nothing was read")
        account = live_account
    else:
        region = cli._target(args, stack.stack.region).region
        _refuse_registry_versions(stack)
    desired = expand(stack, region, account or PLACEHOLDER_ACCOUNT, clients=clients)
    result = ack.export(stack, desired, region=region, namespace=namespace)
    text = ack.render_all(result)
    if account is None and PLACEHOLDER_ACCOUNT in text:
        raise cli.CliError("the export writes ARNs of the stack's own resources, which need the account: set "
                           "accountId in the Stack document, or pass --account")
    for warning in result.warnings:
        cli.err(f"warning: {warning}")
    if out_dir is None:
        cli.out(text.rstrip("\n"))
        return 0
    written, removed = write_files(result, out_dir)
    note = f" (removed {removed} left from an earlier export)" if removed else ""
    cli.out(f"Wrote {written} ACK manifest(s) of stack \"{result.stack}\" to {out_dir}{note}")
    return 0


def _refuse_registry_versions(stack: Any) -> None:
    """Offline, a Model deploying a model registry version cannot be expanded: say which, and how."""
    from reconciler.errors import PlanError

    for doc in stack.docs:
        if doc.kind == "Model" and "modelPackage" in doc.spec:
            where = doc.doc.pos(("spec", "modelPackage"))
            raise PlanError([f"{where}: {doc.address}: modelPackage names a model registry version only AWS knows; "
                             "pass --resolve to read it (read-only calls; the export pins the ARN), or pin the "
                             "Model to an image and model data"])


def write_files(result: Any, out_dir: Path) -> tuple[int, int]:
    """Write each manifest into `out_dir` (made when missing); remove the files an earlier export of the same
    stack left there that this one does not write. Returns (written, removed)."""
    from reconciler.export import ack

    out_dir.mkdir(parents=True, exist_ok=True)
    header = f"{ack.HEADER}{result.stack}\n"
    names = {m.file_name for m in result.manifests}
    removed = 0
    for path in sorted(out_dir.glob("*.yaml")):
        if path.name in names or not path.is_file():
            continue
        with path.open(encoding="utf-8") as handle:
            first = handle.readline()
        if first == header:
            path.unlink()
            removed += 1
    for manifest in result.manifests:
        (out_dir / manifest.file_name).write_text(ack.render(manifest, result.stack), encoding="utf-8")
    return len(result.manifests), removed
