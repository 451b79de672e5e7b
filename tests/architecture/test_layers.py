"""The package's architecture, checked from its source: no import circles, the layers import
downwards only, the engine names no AWS type, and every module says what it owns."""

from __future__ import annotations

import ast
from pathlib import Path

from reconciler.handlers.registry import handlers
from tests.architecture.import_graph import PACKAGE, cycles, edges, folder, folder_edges, modules

ENGINE = [PACKAGE / "drift.py", *sorted((PACKAGE / "plan").glob("*.py")), *sorted((PACKAGE / "apply").glob("*.py"))]
# Fields of AWS requests and responses the engine must leave to handlers.
AWS_FIELDS = ("EndpointConfigName", "ProductionVariants", "ModelName", "VariantName", "EndpointName",
              "PendingDeploymentSummary", "ResourceId", "AlarmName", "Tags")


def _code_strings(path: Path) -> list[str]:
    """String constants and names in the code of a module, docstrings left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                  if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))
                  and n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    out: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            out.append(node.value)
        elif isinstance(node, ast.Name):
            out.append(node.id)
        elif isinstance(node, ast.Attribute):
            out.append(node.attr)
    return out


def test_no_import_circles_between_modules() -> None:
    assert cycles(edges()) == []


def test_no_import_circles_between_folders() -> None:
    assert cycles(folder_edges(edges())) == []


def test_layers_import_downwards() -> None:
    graph = folder_edges(edges())
    # Neutral values and services never import the layers above them.
    for low in ("reconciler.resources", "reconciler.changes", "reconciler.aws", "reconciler.diff"):
        assert not graph[low] & {"reconciler.handlers", "reconciler.kinds", "reconciler.plan", "reconciler.spec",
                                 "reconciler.apply", "reconciler.cli"}, (low, graph[low])
    assert "reconciler.kinds" not in graph["reconciler.handlers"]
    assert "reconciler.spec" not in graph["reconciler.handlers"]
    assert "reconciler.kinds" not in graph["reconciler.spec"]
    assert "reconciler.cli" not in graph["reconciler.demo"]


def test_handlers_never_import_each_other_or_the_registry() -> None:
    graph = edges()
    handler_modules = set()
    for name, path in modules().items():
        if name.startswith("reconciler.handlers.") and "HANDLER" in _code_strings(path):
            handler_modules.add(name)
    for name in graph:
        if not name.startswith("reconciler.handlers.") or name == "reconciler.handlers.registry":
            continue
        imported = {t for t in graph[name] if t.startswith("reconciler.handlers.")}
        own = {t for t in imported if t.startswith(name + ".") or name.startswith(t + ".")}
        assert not (imported - own) & handler_modules, (name, sorted((imported - own) & handler_modules))
        assert "reconciler.handlers.registry" not in graph[name], name


def test_plan_apply_and_drift_name_no_aws_type_operation_or_field() -> None:
    names = set()
    for handler in handlers().values():
        names.add(handler.type)
        names.update(handler.operations)
        if handler.tagging_type:
            names.add(handler.tagging_type)
    names.update(AWS_FIELDS)
    for path in ENGINE:
        found = sorted({s for s in _code_strings(path) if s in names})
        assert not found, f"{path.relative_to(PACKAGE.parent)} names {found}"


def test_every_module_opens_with_a_docstring() -> None:
    missing = [name for name, path in modules().items()
               if path.stat().st_size and ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) is None]
    assert missing == []


def test_every_handler_reader_says_what_it_returns_when_missing() -> None:
    for handler in handlers().values():
        for method in ("find", "describe", "comparable"):
            doc = getattr(type(handler), method).__doc__ or ""
            assert "None" in doc, f"{handler.type}.{method} does not say what it returns when the resource is missing"


def test_folders_are_named_like_the_layers() -> None:
    assert {folder(m) for m in modules()} >= {"reconciler.kinds", "reconciler.handlers", "reconciler.spec",
                                              "reconciler.plan", "reconciler.apply", "reconciler.aws",
                                              "reconciler.diff", "reconciler.render", "reconciler.sandbox"}
