"""The Kubernetes deployment in deploy/kubernetes/: image, manifests and kustomization, checked offline.

Every manifest, as written and as `kubectl kustomize` renders it, validates strictly (no unknown
field) against the Kubernetes OpenAPI schemas that the kubernetes-validate package ships, for the
oldest and the newest Kubernetes release it knows. The Deployment runs `reconciler watch` with
flags the CLI accepts (its real parser when the command exists, else the documented flag list);
the Dockerfile parses and installs the project (its COPY set builds the wheel with the
`reconciler` entry point); the service account carries the IRSA annotation; no container runs
as root or can escalate; the pod binds the metrics port alone, as docs/kubernetes.md says.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dockerfile_parse
import kubernetes_validate
import pytest
import yaml

from tests.system_packages import install

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy" / "kubernetes"
DOC = REPO / "docs" / "kubernetes.md"
MANIFESTS = sorted(p for p in DEPLOY.glob("*.yaml") if p.name != "kustomization.yaml")
# The oldest and the newest Kubernetes release whose schemas kubernetes-validate ships.
VERSIONS = sorted({v for v in kubernetes_validate.utils.all_versions()}, key=lambda v: tuple(map(int, v.split("."))))
K8S_VERSIONS = [VERSIONS[0], VERSIONS[-1]]

METRICS_PORT = 9100
# The options of `reconciler watch` as documented while the command is written (used when the CLI
# does not have it yet): those taking a value, and the switches.
WATCH_VALUE_OPTIONS = {"--env", "--interval", "--metrics-port", "--metrics-host", "--max-cycles"}
WATCH_SWITCHES = {"--self-heal", "--apply-pending"}


def documents(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]


def all_documents() -> list[dict[str, Any]]:
    return [d for path in MANIFESTS for d in documents(path)]


def one(kind: str) -> dict[str, Any]:
    found = [d for d in all_documents() if d["kind"] == kind]
    assert len(found) == 1, f"expected one {kind}, found {len(found)}"
    return found[0]


def pod_spec() -> dict[str, Any]:
    spec: dict[str, Any] = one("Deployment")["spec"]["template"]["spec"]
    return spec


def containers(spec: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    spec = spec or pod_spec()
    return [*spec.get("initContainers", []), *spec["containers"]]


def container(name: str) -> dict[str, Any]:
    (found,) = [c for c in containers() if c["name"] == name]
    return found


def configmap_data() -> dict[str, str]:
    data: dict[str, str] = one("ConfigMap")["data"]
    return data


def watch_args() -> list[str]:
    """The watcher's arguments with each $(VAR) expanded as the kubelet does, from the ConfigMap."""
    main = container("reconciler")
    values = {}
    for env in main.get("env", []):
        if "value" in env:
            values[env["name"]] = env["value"]
        else:
            ref = env["valueFrom"]["configMapKeyRef"]
            values[env["name"]] = configmap_data()[ref["key"]]
    return [re.sub(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", lambda m: values[m.group(1)], a) for a in main["args"]]


def parse_options(args: list[str], value_options: set[str], switches: set[str]) -> tuple[list[str], dict[str, Any]]:
    positionals, options = [], {}
    items = iter(args)
    for item in items:
        name, eq, inline = item.partition("=")
        if name in switches and not eq:
            options[name] = True
        elif name in value_options:
            options[name] = inline if eq else next(items)
        elif item.startswith("-"):
            raise AssertionError(f"{item} is not an option of reconciler watch")
        else:
            positionals.append(item)
    return positionals, options


def watch_help() -> str | None:
    """`reconciler watch --help`, or None while the CLI has no watch command."""
    result = subprocess.run([sys.executable, "-m", "reconciler", "watch", "--help"], capture_output=True, text=True,
                            cwd=REPO, timeout=120)
    return result.stdout if result.returncode == 0 else None


# --- schemas ------------------------------------------------------------------------------------
@pytest.mark.parametrize("version", K8S_VERSIONS)
@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_manifest_validates_against_the_kubernetes_schemas(path: Path, version: str) -> None:
    docs = documents(path)
    assert docs, f"{path.name} holds no document"
    for doc in docs:
        kubernetes_validate.validate(doc, version, strict=True)


def test_a_wrong_field_is_caught() -> None:
    """The validation is not vacuous: an unknown field and a wrong type are both refused."""
    deployment = one("Deployment")
    broken = json.loads(json.dumps(deployment))
    broken["spec"]["template"]["spec"]["containers"][0]["portz"] = []
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, K8S_VERSIONS[-1], strict=True)
    broken = json.loads(json.dumps(deployment))
    broken["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = "metrics"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, K8S_VERSIONS[-1], strict=True)


def test_the_kustomization_lists_every_manifest() -> None:
    kustomization = yaml.safe_load((DEPLOY / "kustomization.yaml").read_text(encoding="utf-8"))
    assert kustomization["apiVersion"] == "kustomize.config.k8s.io/v1beta1"
    assert kustomization["kind"] == "Kustomization"
    assert sorted(kustomization["resources"]) == sorted(p.name for p in MANIFESTS)
    assert kustomization["namespace"] == one("Namespace")["metadata"]["name"]
    (image,) = kustomization["images"]
    assert image["name"] == container("reconciler")["image"], "the images entry must name the watcher's image"


def _kubectl() -> str:
    """kubectl, installed with Debian's kubernetes-client when missing; skips, saying why, when it cannot be."""
    found = shutil.which("kubectl")
    if found is None:
        reason = install("kubernetes-client", "kubectl")
        found = shutil.which("kubectl")
        if found is None:
            print(f"SKIPPED: {reason or 'kubectl still not on PATH after installing it'}")
            pytest.skip(reason or "kubectl still not on PATH after installing it")
    return found


@pytest.fixture(scope="module")
def rendered() -> list[dict[str, Any]]:
    kubectl = _kubectl()
    result = subprocess.run([kubectl, "kustomize", str(DEPLOY)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return [d for d in yaml.safe_load_all(result.stdout) if d]


@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_the_rendered_kustomization_validates(rendered: list[dict[str, Any]], version: str) -> None:
    assert sorted(d["kind"] for d in rendered) == sorted(d["kind"] for d in all_documents())
    for doc in rendered:
        kubernetes_validate.validate(doc, version, strict=True)
        if doc["kind"] != "Namespace":
            assert doc["metadata"]["namespace"] == "reconciler"
    (deployment,) = [d for d in rendered if d["kind"] == "Deployment"]
    (main,) = [c for c in deployment["spec"]["template"]["spec"]["containers"] if c["name"] == "reconciler"]
    assert main["image"] == "reconciler:0.1.0", "the base keeps the image's name for an overlay to replace"


# --- the watcher's command ------------------------------------------------------------------------
def test_the_deployment_runs_watch_with_the_documented_flags() -> None:
    args = watch_args()
    assert args[0] == "watch"
    help_text = watch_help()
    if help_text is not None:  # the CLI has the command: its own options, and its parser takes the arguments
        documented = set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", help_text))
        used = {a.split("=")[0] for a in args if a.startswith("--")}
        assert used <= documented, f"not options of reconciler watch: {sorted(used - documented)}"
        from reconciler.cli import build_parser

        parsed = vars(build_parser().parse_args(args))
        assert parsed["self_heal"] is True
        assert int(parsed["metrics_port"]) == METRICS_PORT
        assert parsed["metrics_host"] == "0.0.0.0"
        assert float(parsed["interval"]) == 300
        assert configmap_data()["STACK_DIR"] in parsed.values()
    positionals, options = parse_options(args[1:], WATCH_VALUE_OPTIONS, WATCH_SWITCHES)
    assert positionals == [configmap_data()["STACK_DIR"]]
    assert options == {"--env": configmap_data()["RECONCILER_ENV"], "--self-heal": True, "--interval": "5m",
                       "--metrics-port": str(METRICS_PORT), "--metrics-host": "0.0.0.0"}


def test_the_flag_parser_refuses_an_undocumented_flag() -> None:
    with pytest.raises(AssertionError, match="--listen"):
        parse_options(["specs", "--listen", "0.0.0.0:80"], WATCH_VALUE_OPTIONS, WATCH_SWITCHES)


def test_the_configmap_holds_region_stack_directory_and_environment() -> None:
    data = configmap_data()
    assert {"AWS_REGION", "STACK_DIR", "RECONCILER_ENV", "GITSYNC_REPO", "GITSYNC_REF"} <= set(data)
    assert re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d", data["AWS_REGION"])
    name = one("ConfigMap")["metadata"]["name"]
    for c in containers():
        for env in c.get("env", []):
            ref = env.get("valueFrom", {}).get("configMapKeyRef")
            if ref:
                assert ref["name"] == name and ref["key"] in data, f"{c['name']}: {env['name']} reads no key"
        defined = {e["name"] for e in c.get("env", [])}
        for arg in c.get("args", []):
            for var in re.findall(r"\$\(([^)]+)\)", arg):
                assert var in defined, f"{c['name']}: $({var}) is not in its env"
    assert "AWS_REGION" in {e["name"] for e in container("reconciler")["env"]}


def test_git_sync_publishes_the_stack_directory_in_the_shared_volume() -> None:
    spec = pod_spec()
    volumes = {v["name"]: v for v in spec["volumes"]}
    sync = [c for c in containers() if c["image"].startswith("registry.k8s.io/git-sync/git-sync:")]
    assert [c["name"] for c in sync] == ["git-sync-init", "git-sync"]
    assert spec["initContainers"][0]["name"] == "git-sync-init", "the first checkout is made before the watcher starts"
    for c in sync:
        tag = c["image"].rsplit(":", 1)[1]
        assert re.fullmatch(r"v4\.\d+\.\d+", tag), f"{c['name']}: pin a git-sync v4 release, not {tag}"
        flags = dict(a.removeprefix("--").partition("=")[::2] for a in c["args"])
        root, link = flags["root"], flags["link"]
        assert configmap_data()["STACK_DIR"].startswith(f"{root}/{link}/")
        (mount,) = [m for m in c["volumeMounts"] if m["mountPath"] == root]
        assert "emptyDir" in volumes[mount["name"]]
        assert not mount.get("readOnly")
    assert "one-time" in dict(a.removeprefix("--").partition("=")[::2] for a in sync[0]["args"])
    assert "period" in dict(a.removeprefix("--").partition("=")[::2] for a in sync[1]["args"])
    (mount,) = [m for m in container("reconciler")["volumeMounts"] if m["name"] == "stack"]
    assert mount["readOnly"] is True and configmap_data()["STACK_DIR"].startswith(mount["mountPath"] + "/")


def test_one_watcher_at_a_time() -> None:
    spec = one("Deployment")["spec"]
    assert spec["replicas"] == 1
    assert spec["strategy"]["type"] == "Recreate"


def test_resources_and_liveness() -> None:
    for c in containers():
        for bound in ("requests", "limits"):
            assert {"cpu", "memory"} <= set(c["resources"][bound]), f"{c['name']}: {bound}"
    probe = container("reconciler")["livenessProbe"]
    ports = {p["name"]: p["containerPort"] for p in container("reconciler")["ports"]}
    port = probe["httpGet"]["port"]
    assert ports.get(port, port) == METRICS_PORT


# --- identity and security ----------------------------------------------------------------------
def test_the_service_account_carries_the_irsa_role() -> None:
    account = one("ServiceAccount")
    arn = account["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
    assert re.fullmatch(r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+", arn)
    assert pod_spec()["serviceAccountName"] == account["metadata"]["name"]
    assert account.get("automountServiceAccountToken", True) is not False
    assert not [d for d in all_documents() if d["kind"] in {"Role", "ClusterRole", "RoleBinding",
                                                           "ClusterRoleBinding"}]


def test_no_container_runs_as_root() -> None:
    spec = pod_spec()
    pod = spec.get("securityContext", {})
    assert pod.get("runAsNonRoot") is True
    assert pod.get("seccompProfile", {}).get("type") == "RuntimeDefault"
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        assert not spec.get(key), key
    for c in containers():
        context = c.get("securityContext", {})
        assert context.get("runAsNonRoot", pod.get("runAsNonRoot")) is True, c["name"]
        assert context.get("runAsUser", pod.get("runAsUser", 1)) != 0, c["name"]
        assert context.get("runAsGroup", pod.get("runAsGroup", 1)) != 0, c["name"]
        assert context.get("allowPrivilegeEscalation") is False, c["name"]
        assert not context.get("privileged"), c["name"]
        assert context.get("readOnlyRootFilesystem") is True, c["name"]
        assert context.get("capabilities", {}).get("drop") == ["ALL"], c["name"]
        assert not context.get("capabilities", {}).get("add"), c["name"]
        assert context.get("seccompProfile", pod.get("seccompProfile", {})).get("type") == "RuntimeDefault"
    allowed = {"emptyDir", "configMap", "secret", "projected", "downwardAPI", "persistentVolumeClaim", "ephemeral",
               "csi"}  # the volume types of the restricted Pod Security Standard
    for volume in spec["volumes"]:
        assert set(volume) - {"name"} <= allowed, volume["name"]
    labels = one("Namespace")["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"


def test_the_image_user_is_the_pod_user() -> None:
    user = [i for i in parsed_dockerfile().structure if i["instruction"] == "USER"][-1]["value"]
    uid, _, gid = user.partition(":")
    context = container("reconciler")["securityContext"]
    assert int(uid) == context["runAsUser"] and int(gid or uid) == context["runAsGroup"]


def test_nothing_binds_beyond_the_documented_metrics_port() -> None:
    doc = DOC.read_text(encoding="utf-8")
    for c in containers():
        for port in c.get("ports", []):
            assert "hostPort" not in port and "hostIP" not in port, c["name"]
            assert (c["name"], port["containerPort"]) == ("reconciler", METRICS_PORT), c["name"]
            assert str(port["containerPort"]) in doc
        assert not any(a.startswith("--http-bind") for a in c.get("args", [])), f"{c['name']} serves HTTP"
    _, options = parse_options(watch_args()[1:], WATCH_VALUE_OPTIONS, WATCH_SWITCHES)
    assert int(options["--metrics-port"]) == METRICS_PORT
    assert "--metrics-host 0.0.0.0" in doc
    service = one("Service")
    assert service["spec"]["type"] == "ClusterIP"
    assert [(p["port"], p["targetPort"]) for p in service["spec"]["ports"]] == [(METRICS_PORT, "metrics")]
    labels = one("Deployment")["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()
    assert not [d for d in all_documents() if d["kind"] in {"Ingress", "Gateway"}]


# --- the image ------------------------------------------------------------------------------------
def parsed_dockerfile() -> Any:
    parser = dockerfile_parse.DockerfileParser(path=str(DEPLOY / "Dockerfile"))
    return parser


def test_the_dockerfile_parses_and_installs_the_project() -> None:
    parser = parsed_dockerfile()
    instructions = [(i["instruction"], i["value"]) for i in parser.structure if i["instruction"] != "COMMENT"]
    assert re.fullmatch(r"python:3\.\d+-slim", parser.baseimage), parser.baseimage
    runs = [v for k, v in instructions if k == "RUN"]
    installs = [r for r in runs if re.search(r"\bpip install \.(\s|$)", r)]
    assert installs, "the project is installed with `pip install .`"
    assert not any("sandbox" in r or ".[" in r for r in runs), "the image installs no extra"
    users = [v for k, v in instructions if k == "USER"]
    assert users and users[-1].split(":")[0] not in {"0", "root"}
    assert re.fullmatch(r"\d+(:\d+)?", users[-1]), "a numeric user, so runAsNonRoot can be checked"
    last_from = max(i for i, (k, _) in enumerate(instructions) if k == "FROM")
    install_at = next(i for i, (k, v) in enumerate(instructions) if k == "RUN" and v in installs)
    user_at = max(i for i, (k, _) in enumerate(instructions) if k == "USER")
    assert last_from < install_at < user_at, "installed as root, run as the user"
    (entrypoint,) = [v for k, v in instructions if k == "ENTRYPOINT"]
    assert json.loads(entrypoint) == ["reconciler"], "exec form, so the arguments are reconciler's"


def copied_sources() -> list[str]:
    sources = []
    for kind, value in [(i["instruction"], i["value"]) for i in parsed_dockerfile().structure]:
        if kind in {"COPY", "ADD"}:
            parts = [p for p in shlex.split(value) if not p.startswith("--")]
            sources.extend(parts[:-1])
    return sources


def ignore_pattern(pattern: str) -> re.Pattern[str]:
    """A .dockerignore pattern as a regular expression: `**` any directories, `*` and `?` within one."""
    out = []
    for token in re.split(r"(\*\*/?|\*|\?)", pattern.strip("/")):
        if token.startswith("**"):
            out.append("(.*/)?" if token.endswith("/") else ".*")
        elif token == "*":
            out.append("[^/]*")
        elif token == "?":
            out.append("[^/]")
        else:
            out.append(re.escape(token))
    return re.compile("".join(out))


def ignored(path: str, patterns: list[str]) -> bool:
    """Whether a .dockerignore excludes `path`: a pattern matches it or a directory above it, the last
    matching pattern wins and `!` includes again, as Docker reads it."""
    parts = path.split("/")
    verdict = False
    for pattern in patterns:
        regex = ignore_pattern(pattern.removeprefix("!"))
        if any(regex.fullmatch("/".join(parts[:n])) for n in range(1, len(parts) + 1)):
            verdict = not pattern.startswith("!")
    return verdict


def test_the_copied_context_builds_the_project(tmp_path: Path) -> None:
    """What the Dockerfile copies (less what its .dockerignore drops) is enough to build the project."""
    patterns = [line.strip() for line in (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    context = tmp_path / "context"
    sources = copied_sources()
    assert sorted(sources) == ["README.md", "pyproject.toml", "reconciler"]
    for name in tracked:
        if any(name == s or name.startswith(s + "/") for s in sources) and not ignored(name, patterns):
            (context / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, context / name)
    assert not ignored("reconciler/cli.py", patterns) and ignored("tests/conftest.py", patterns)
    assert ignored("reconciler/__pycache__/cli.cpython-311.pyc", patterns)
    wheels = tmp_path / "wheels"
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(context)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    (wheel,) = wheels.glob("reconciler-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        entry_points = next(archive.read(n).decode() for n in names if n.endswith("entry_points.txt"))
    assert "reconciler = reconciler.cli:main" in entry_points
    packaged = {n for n in names if n.startswith("reconciler/")}
    expected = {n for n in tracked if n.startswith("reconciler/")}
    assert expected <= packaged, sorted(expected - packaged)[:5]


# --- docs -----------------------------------------------------------------------------------------
def doc_commands() -> Iterator[str]:
    for block in doc_blocks("bash"):
        yield from block.splitlines()


def doc_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def render_overlay(tmp_path: Path, text: str) -> list[dict[str, Any]]:
    """`kubectl kustomize` of an overlay from the docs, kept where they say: deploy/overlays/NAME."""
    kubectl = _kubectl()
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "kubernetes").symlink_to(DEPLOY, target_is_directory=True)
    overlay = tmp_path / "deploy" / "overlays" / "prod"
    overlay.mkdir(parents=True)
    (overlay / "kustomization.yaml").write_text(text, encoding="utf-8")
    result = subprocess.run([kubectl, "kustomize", str(overlay)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return [d for d in yaml.safe_load_all(result.stdout) if d]


@pytest.mark.parametrize("index", [0, 1], ids=["with-env", "without-env"])
def test_the_overlays_in_the_docs_render_and_validate(tmp_path: Path, index: int) -> None:
    overlays = [b for b in doc_blocks("yaml") if "kind: Kustomization" in b]
    assert len(overlays) == 2
    docs = render_overlay(tmp_path, overlays[index])
    for doc in docs:
        kubernetes_validate.validate(doc, K8S_VERSIONS[-1], strict=True)
    by_kind = {d["kind"]: d for d in docs}
    spec = by_kind["Deployment"]["spec"]["template"]["spec"]
    (main,) = [c for c in spec["containers"] if c["name"] == "reconciler"]
    assert main["image"] == "123456789012.dkr.ecr.us-east-1.amazonaws.com/reconciler:0.1.0"
    role = by_kind["ServiceAccount"]["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
    assert role.endswith(":role/reconciler-watch")
    args = main["args"]
    expected = list(container("reconciler")["args"])
    if index == 1:  # the same arguments, less `--env $(RECONCILER_ENV)`
        at = expected.index("--env")
        del expected[at:at + 2]
    else:
        assert by_kind["ConfigMap"]["data"]["RECONCILER_ENV"] == "prod"
    assert args == expected


def test_the_trust_policy_in_the_docs_names_the_service_account() -> None:
    (trust,) = (json.loads(b) for b in doc_blocks("json"))
    (statement,) = trust["Statement"]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    account = one("ServiceAccount")["metadata"]["name"]
    namespace = one("Namespace")["metadata"]["name"]
    conditions = statement["Condition"]["StringEquals"]
    assert f"system:serviceaccount:{namespace}:{account}" in conditions.values()
    assert "sts.amazonaws.com" in conditions.values()


def test_the_docs_cover_build_push_irsa_and_deploy() -> None:
    commands = "\n".join(doc_commands())
    assert "docker build -f deploy/kubernetes/Dockerfile" in commands
    assert "docker push" in commands
    assert re.search(r"reconciler iam-policy \S+ (--env \S+ )?--mode apply", commands)
    assert "kubectl apply -k" in commands or "kustomize build" in commands
    assert "eks.amazonaws.com/role-arn" in DOC.read_text(encoding="utf-8")
