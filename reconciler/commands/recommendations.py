"""`reconciler recommendations [DIR] [--env NAME] [--format text|json|markdown]`: what the stack's
Inference Recommender jobs found, beside the instance types its endpoints run today (read-only).

The stack is read as a plan reads it (read-only clients: the tag query, probes, describes, a
RecommendationJob's `modelPackage` resolved as the plan would), then, for each RecommendationJob
document, its current job and its history (the document's earlier jobs) are shown with their status and
recommendations, cheapest first, and every variant of the stack's Endpoint documents that serves the
benchmarked model with the instance type it runs on now. Nothing is written. Exit 0, or 1 (one line) when
the stack has no RecommendationJob document or cannot be read.
"""

from __future__ import annotations

import argparse
from typing import Any

KIND = "RecommendationJob"
EXAMPLES = ("reconciler recommendations specs", "reconciler recommendations specs --format markdown > comment.md",
            "reconciler recommendations specs --env prod --format json")


def register(sub: Any, cli: Any) -> None:
    """Add the `recommendations` parser to the CLI's subparsers."""
    p = sub.add_parser("recommendations",
                       help="Inference Recommender results beside the instance types endpoints run (read-only)")
    p.add_argument("dir", nargs="?", default="specs", help="stack directory (default: specs)")
    cli._env_option(p)
    p.add_argument("--format", choices=("text", "json", "markdown"), default="text",
                   help="text (default), json, or markdown (a PR comment)")
    cli._aws_options(p)
    p.set_defaults(func=lambda args: run(args, cli))
    cli.EXAMPLES.setdefault("recommendations", EXAMPLES)


def run(args: argparse.Namespace, cli: Any) -> int:
    """Read the stack and print what its recommendation jobs found."""
    from reconciler import tags as tagmod
    from reconciler.handlers.inference_recommendations import results
    from reconciler.handlers.recommendation_job import RecommendationJobHandler
    from reconciler.plan.planner import read_snapshot
    from reconciler.render.recommendations import render_recommendations

    stack = cli._load(args.dir, args)
    if not any(doc.kind == KIND for doc in stack.docs):
        raise cli.CliError(f"stack {stack.stack.name} has no {KIND} document: nothing to show (see "
                           "docs/recommendations.md)")
    clients = cli._clients(args, stack.stack.region, read_only=True)
    with tagmod.ignoring(stack.stack.ignore_tags):
        snapshot = read_snapshot(stack, clients)
        found = results(snapshot.context(), RecommendationJobHandler.type)
    cli.out(render_recommendations(found, args.format, stack.stack.name).rstrip("\n"))
    return int(cli.EXIT_OK)
