"""The spec loader: positions, diagnostics, hostile YAML (alias bombs, recursive aliases, deep
nesting), libyaml and pure-Python parsers giving the same documents, and stack file discovery.

The expected diagnostics and positions for ordinary files were recorded from the loader before
it had limits or libyaml (PyYAML's pure-Python SafeLoader); both parsers must still give them.
"""

from __future__ import annotations

import itertools
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
import yaml

from reconciler.diagnostics import Diagnostics, Position
from reconciler.spec import loader
from reconciler.spec.loader import Document, load_directory, load_file, spec_files

PARSERS = sorted(loader.PARSERS)


def load(tmp_path: Path, text: str, parser: str | None = None) -> tuple[list[Document], list[str]]:
    path = tmp_path / "spec.yaml"
    path.write_text(text, encoding="utf-8")
    diags = Diagnostics()
    docs = load_file(path, "spec.yaml", diags, parser=parser)
    return docs, [str(d) for d in diags]


def lc(positions: dict[Any, Position]) -> dict[Any, tuple[int, int]]:
    return {path: (p.line, p.col) for path, p in positions.items()}


def snapshot(docs: list[Document]) -> list[tuple[Any, ...]]:
    """Everything a document carries, comparable across parsers."""
    return [(d.file, d.index, d.start, d.data, d.positions, d.key_positions) for d in docs]


def test_libyaml_is_the_default_when_pyyaml_has_it() -> None:
    assert (loader.DEFAULT_PARSER == "libyaml") is bool(yaml.__with_libyaml__)
    assert "pure" in loader.PARSERS


# --- ordinary files: behaviour pinned from the loader as it was ------------------------------------------------


@pytest.mark.parametrize("parser", PARSERS)
def test_duplicate_keys_keep_the_first_and_point_at_the_second(tmp_path: Path, parser: str) -> None:
    docs, diags = load(tmp_path, "a: 1\nb: 2\na: 3\nc: {x: 1, x: 2}\n", parser)
    assert diags == ["spec.yaml:3:1: duplicate key 'a' (first at line 1)",
                     "spec.yaml:4:11: duplicate key 'x' (first at line 4)"]
    assert docs[0].data == {"a": 1, "b": 2, "c": {"x": 1}}
    assert lc(docs[0].positions)[("a",)] == (1, 4)


@pytest.mark.parametrize("parser", PARSERS)
def test_non_scalar_and_null_keys_are_reported_and_skipped(tmp_path: Path, parser: str) -> None:
    docs, diags = load(tmp_path, "? [x]\n: 1\n{a: 1}: 2\n~: 3\nok: 4\n", parser)
    assert diags == ["spec.yaml:1:3: mapping keys must be plain scalars",
                     "spec.yaml:3:1: mapping keys must be plain scalars",
                     "spec.yaml:4:1: mapping keys must be plain scalars"]
    assert docs[0].data == {"ok": 4}
    assert lc(docs[0].positions) == {(): (1, 1), ("ok",): (5, 5)}
    assert lc(docs[0].key_positions) == {("ok",): (5, 1)}


@pytest.mark.parametrize("parser", PARSERS)
def test_timestamps_and_binary_stay_text_other_scalars_are_typed(tmp_path: Path, parser: str) -> None:
    text = ("d: 2024-01-02\nt: 2024-01-02T03:04:05Z\nb: !!binary aGVsbG8=\nn: 1\nf: 1.5\nbo: yes\nnu: ~\n"
            "1: int key\ntrue: bool key\n=: value key\n")
    docs, diags = load(tmp_path, text, parser)
    assert diags == []
    assert docs[0].data == {"d": "2024-01-02", "t": "2024-01-02T03:04:05Z", "b": "aGVsbG8=", "n": 1, "f": 1.5,
                            "bo": True, "nu": None, "1": "int key", "True": "bool key", "=": "value key"}
    assert lc(docs[0].positions)[("True",)] == (9, 7)
    assert lc(docs[0].key_positions)[("True",)] == (9, 1)


PARSE_ERRORS = [
    ("a: [1, 2\nb: 3\n", "spec.yaml:2:2: invalid YAML: expected ',' or ']', but got ':'"
         " (while parsing a flow sequence started at line 1, column 4)"),
    ("a: 1\n  b: 2\n", "spec.yaml:2:4: invalid YAML: mapping values are not allowed here"),
    ("a: 'unterminated\n", "spec.yaml:2:1: invalid YAML: found unexpected end of stream"
         " (while scanning a quoted scalar started at line 1, column 4)"),
    ("a: 1\n\tb: 2\n", "spec.yaml:2:1: invalid YAML: found character '\\t' that cannot start any token"),
    ("a: 1\t\n", "spec.yaml:1:5: invalid YAML: found character '\\t' that cannot start any token"),
    ("a: b: c\n", "spec.yaml:1:5: invalid YAML: mapping values are not allowed here"),
    ("- a\nb: 1\n", "spec.yaml:2:1: invalid YAML: expected <block end>, but found '?'"
         " (while parsing a block collection started at line 1, column 1)"),
    ("a: *nope\n", "spec.yaml:1:4: invalid YAML: found undefined alias 'nope'"),
    ("a: &x 1\nb: &x 2\n", "spec.yaml:2:4: invalid YAML: duplicate anchor 'x': second occurrence"
         " (the first is at line 1, column 4)"),
    ("a: !foo 1\n", "spec.yaml:1:4: invalid YAML: could not determine a constructor for the tag '!foo'"),
    ("a:\n  <<: 1\n",
     "spec.yaml:2:7: invalid YAML: expected a mapping or list of mappings for merging, but found scalar"
          " (while constructing a mapping started at line 2, column 3)"),
    ("a:\n  <<: [{x: 1}, 2]\n", "spec.yaml:2:16: invalid YAML: expected a mapping for merging, but found scalar"
         " (while constructing a mapping started at line 2, column 3)"),
]


@pytest.mark.parametrize("parser", PARSERS)
@pytest.mark.parametrize(("text", "expected"), PARSE_ERRORS)
def test_parse_errors_read_as_pyyaml_words_them_at_the_same_place(tmp_path: Path, parser: str, text: str,
                                                                   expected: str) -> None:
    docs, diags = load(tmp_path, text, parser)
    assert (docs, diags) == ([], [expected])


@pytest.mark.parametrize("parser", PARSERS)
def test_documents_before_a_parse_error_are_kept(tmp_path: Path, parser: str) -> None:
    docs, diags = load(tmp_path, "ok: 1\n---\na: [\n", parser)
    assert [d.data for d in docs] == [{"ok": 1}]
    assert diags == ["spec.yaml:4:1: invalid YAML: expected the node content, but found '<stream end>'"]


@pytest.mark.skipif("libyaml" not in loader.PARSERS, reason="PyYAML without libyaml")
@pytest.mark.parametrize(("text", "expected"), [
    ("a: [1, 2\nb: 3\n", "f.yaml:2:2: invalid YAML: did not find expected ',' or ']' (while parsing a flow "
                         "sequence started at line 1, column 4)"),
    ("a: b: c\n", "f.yaml:1:5: invalid YAML: mapping values are not allowed in this context"),
    ("a: \x07\n", "f.yaml:1:4: invalid YAML: unacceptable character #x0007: control characters are not allowed"),
])
def test_libyaml_errors_have_the_same_shape_and_place(text: str, expected: str) -> None:
    """libyaml's own wording, before load_file parses the file again with the pure parser."""
    diags = Diagnostics()
    docs, failed = loader._parse(text, "f.yaml", loader.PARSERS["libyaml"], diags)
    assert (docs, failed, [str(d) for d in diags]) == ([], True, [expected])


@pytest.mark.parametrize("parser", PARSERS)
def test_a_character_yaml_does_not_allow_is_a_diagnostic(tmp_path: Path, parser: str) -> None:
    docs, diags = load(tmp_path, "a: 1\nb: x\x07\n", parser)
    assert (docs, diags) == ([], ["spec.yaml:2:5: invalid YAML: unacceptable character #x0007: special characters "
                                  "are not allowed"])


# --- anchors, aliases and merge keys --------------------------------------------------------------------------


@pytest.mark.parametrize("parser", PARSERS)
def test_aliases_and_merge_keys_point_at_what_they_copy(tmp_path: Path, parser: str) -> None:
    text = "base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  z: 3\ncopy: *b\n"
    docs, diags = load(tmp_path, text, parser)
    assert diags == []
    assert docs[0].data == {"base": {"x": 1, "y": 2}, "use": {"x": 1, "y": 2, "z": 3}, "copy": {"x": 1, "y": 2}}
    assert list(docs[0].data["use"]) == ["x", "y", "z"]  # merged keys first, as PyYAML orders them
    assert lc(docs[0].positions) == {
        (): (1, 1), ("base",): (1, 7), ("base", "x"): (1, 14), ("base", "y"): (1, 20),
        ("use",): (3, 3), ("use", "x"): (1, 14), ("use", "y"): (1, 20), ("use", "z"): (4, 6),
        ("copy",): (1, 7), ("copy", "x"): (1, 14), ("copy", "y"): (1, 20)}
    assert lc(docs[0].key_positions) == {
        ("base",): (1, 1), ("base", "x"): (1, 11), ("base", "y"): (1, 17),
        ("use",): (2, 1), ("use", "x"): (1, 11), ("use", "y"): (1, 17), ("use", "z"): (4, 3),
        ("copy",): (5, 1), ("copy", "x"): (1, 11), ("copy", "y"): (1, 17)}


@pytest.mark.parametrize("parser", PARSERS)
def test_a_mappings_own_keys_override_merged_ones(tmp_path: Path, parser: str) -> None:
    """YAML merge semantics (the loader used to call these duplicate keys and keep the merged value)."""
    text = ("variants:\n"
            "  - &champion {variantName: champion, instanceType: ml.m5.large, count: 2}\n"
            "  - <<: *champion\n"
            "    variantName: challenger\n"
            "    count: 1\n")
    docs, diags = load(tmp_path, text, parser)
    assert diags == []
    assert docs[0].data["variants"][1] == {"variantName": "challenger", "instanceType": "ml.m5.large", "count": 1}
    assert list(docs[0].data["variants"][1]) == ["variantName", "instanceType", "count"]
    positions, keys = lc(docs[0].positions), lc(docs[0].key_positions)
    assert positions[("variants", 1, "variantName")] == (4, 18)
    assert keys[("variants", 1, "variantName")] == (4, 5)
    assert positions[("variants", 1, "instanceType")] == (2, 53)  # merged: where the anchored value is
    assert keys[("variants", 1, "instanceType")] == (2, 39)


@pytest.mark.parametrize("parser", PARSERS)
def test_earlier_mappings_in_a_merge_list_win(tmp_path: Path, parser: str) -> None:
    docs, diags = load(tmp_path, "a: &a {x: 1}\nb: &b {x: 2, y: 2}\nc:\n  <<: [*a, *b]\n", parser)
    assert diags == []
    assert docs[0].data["c"] == {"x": 1, "y": 2}
    assert lc(docs[0].positions)[("c", "x")] == (1, 11)


@pytest.mark.parametrize("parser", PARSERS)
def test_merged_mappings_may_merge_themselves(tmp_path: Path, parser: str) -> None:
    text = "a: &a {x: 1}\nb: &b {<<: *a, y: 2}\nc: {<<: *b, z: 3}\n"
    docs, diags = load(tmp_path, text, parser)
    assert diags == []
    assert docs[0].data["c"] == {"x": 1, "y": 2, "z": 3}
    assert lc(docs[0].positions)[("c", "x")] == (1, 11)


# --- hostile YAML -------------------------------------------------------------------------------------------------


def alias_bomb(levels: int = 9) -> str:
    """'Billion laughs': level k is nine aliases of level k-1 (9**9 values when expanded)."""
    names = "abcdefghijklmnop"[:levels]
    lines = [f"a: &a [{', '.join(['x'] * 9)}]"]
    lines += [f"{c}: &{c} [{', '.join(['*' + p] * 9)}]" for p, c in itertools.pairwise(names)]
    return "\n".join(lines) + "\n"


BOMB_MESSAGE = (f"YAML aliases expand this document by more than {loader.MAX_ALIAS_VALUES} values (the limit); "
                "reconciler refuses it (alias bomb?)")


@pytest.mark.parametrize("parser", PARSERS)
def test_an_alias_bomb_is_refused_quickly_with_one_diagnostic(tmp_path: Path, parser: str) -> None:
    started = time.perf_counter()
    docs, diags = load(tmp_path, alias_bomb() + "---\nnext: document\n", parser)
    elapsed = time.perf_counter() - started
    # Level e's first alias (*d, line 5 column 8) is where the expansion crosses the limit.
    assert diags == [f"spec.yaml:5:8: {BOMB_MESSAGE}"]
    assert [d.data for d in docs] == [{"next": "document"}]  # the other documents still load
    assert elapsed < 10.0  # unbounded, the expansion would take hours; its real cost is benchmarked, not timed here


@pytest.mark.parametrize("parser", PARSERS)
def test_an_alias_bomb_takes_little_memory(tmp_path: Path, parser: str) -> None:
    tracemalloc.start()
    try:
        _, diags = load(tmp_path, alias_bomb(), parser)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert diags == [f"spec.yaml:5:8: {BOMB_MESSAGE}"]
    assert peak < 20_000_000


@pytest.mark.parametrize("parser", PARSERS)
def test_a_merge_key_bomb_is_cheap(tmp_path: Path, parser: str) -> None:
    """Merging nine copies of a mapping that merges nine copies... resolves each mapping once."""
    text = "m0: &m0 {k: v}\n" + "".join(f"m{i}: &m{i} {{<<: [{', '.join([f'*m{i - 1}'] * 9)}]}}\n"
                                      for i in range(1, 30))
    started = time.perf_counter()
    docs, diags = load(tmp_path, text, parser)
    assert time.perf_counter() - started < 1.0
    assert diags == []
    assert docs[0].data["m29"] == {"k": "v"}


@pytest.mark.parametrize("parser", PARSERS)
def test_the_limit_on_all_values_counts_alias_expansions(tmp_path: Path, parser: str,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader, "MAX_VALUES", 30)
    docs, diags = load(tmp_path, "a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9]\nb: [*a, *a]\n", parser)
    assert (docs, diags) == ([], ["spec.yaml:2:9: YAML aliases expand this document beyond 30 values; "
                                  "reconciler refuses it (alias bomb?)"])
    docs, diags = load(tmp_path, "a: [" + ", ".join(["1"] * 40) + "]\n", parser)
    assert (docs, diags) == ([], ["spec.yaml:1:1: this YAML document has more than 30 values (the limit); "
                                  "reconciler refuses it"])


@pytest.mark.parametrize("parser", PARSERS)
def test_ordinary_aliases_stay_under_the_limits(tmp_path: Path, parser: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader, "MAX_ALIAS_VALUES", 20)
    text = "a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9]\nb: [*a, *a]\n"  # 20 values through aliases: at the limit
    docs, diags = load(tmp_path, text, parser)
    assert diags == []
    assert docs[0].data["b"] == [[*range(1, 10)]] * 2
    docs, diags = load(tmp_path, text.replace("[*a, *a]", "[*a, *a, 0, *a]"), parser)
    assert (docs, diags) == ([], ["spec.yaml:2:16: YAML aliases expand this document by more than 20 values "
                                  "(the limit); reconciler refuses it (alias bomb?)"])


@pytest.mark.parametrize("parser", PARSERS)
@pytest.mark.parametrize(("text", "where", "anchor"), [
    ("a: &a [1, *a]\n", "1:11", "a"),
    ("a: &a {b: *a}\n", "1:11", "a"),
    ("a: &a {<<: *a}\n", "1:12", "a"),
    ("a: &a {b: {<<: *a}}\n", "1:16", "a"),
    ("a: &a {b: &b {<<: *a}}\nc: *b\n", "1:19", "a"),
    ("- &r {k: [*r]}\n- next\n", "1:11", "r"),
])
def test_a_recursive_alias_is_refused(tmp_path: Path, parser: str, text: str, where: str, anchor: str) -> None:
    docs, diags = load(tmp_path, text + "---\nnext: document\n", parser)
    assert diags == [f"spec.yaml:{where}: recursive YAML alias '*{anchor}': the value it names contains the alias "
                     "itself; reconciler refuses it"]
    assert [d.data for d in docs] == [{"next": "document"}]


@pytest.mark.parametrize("parser", PARSERS)
def test_nesting_is_bounded(tmp_path: Path, parser: str) -> None:
    depth = loader.MAX_DEPTH
    docs, diags = load(tmp_path, "[" * (depth - 1) + "x" + "]" * (depth - 1) + "\n", parser)
    assert diags == []
    started = time.perf_counter()
    docs, diags = load(tmp_path, "ok: 1\n---\n" + "[" * 20_000 + "]" * 20_000 + "\n", parser)
    assert time.perf_counter() - started < 2.0
    assert [d.data for d in docs] == [{"ok": 1}]
    assert diags == [f"spec.yaml:3:{depth + 1}: YAML nesting deeper than {depth} levels; reconciler refuses this "
                     "document and does not read the rest of the file"]


@pytest.mark.parametrize("parser", PARSERS)
def test_nesting_through_aliases_is_bounded(tmp_path: Path, parser: str) -> None:
    text = "a: &a " + "[" * 60 + "x" + "]" * 60 + "\nb: " + "[" * 60 + "*a" + "]" * 60 + "\n"
    docs, diags = load(tmp_path, text, parser)
    assert (docs, diags) == ([], [f"spec.yaml:2:64: YAML aliases nest this document deeper than "
                                  f"{loader.MAX_DEPTH} levels; reconciler refuses it"])


# --- both parsers, a realistic file -------------------------------------------------------------------------------

REALISTIC = """\
# Models share a container definition through an anchor; variants share defaults by merge keys.
apiVersion: reconciler/v1
kind: Model
name: churn-xgb
tags: {team: "ml-platform", cost-center: '42', owner: é-ü}
spec:
  executionRoleArn: arn:aws:iam::123456789012:role/SageMakerExecution
  primaryContainer: &container
    image: 683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1
    modelDataUrl: s3://ml-artifacts/churn/xgb/2026-11-01/model.tar.gz
    environment:
      SAGEMAKER_PROGRAM: inference.py
      RETRIES: 3
      RATIO: 0.25
      ENABLED: true
      EMPTY: ~
  containers:
    - *container
    - {image: "x:1", modelDataUrl: null}
---
apiVersion: reconciler/v1
kind: Endpoint
name: churn
protect: true
spec:
  released: 2024-05-01
  blob: !!binary aGVsbG8=
  description: |
    Two variants,
    one canary.
  folded: >-
    folded
    text
  productionVariants:
    - &champion
      variantName: champion
      modelName: ${Model.churn-xgb.name}
      instanceType: ml.m5.large
      initialInstanceCount: 2
    - <<: *champion
      variantName: challenger
      initialInstanceCount: 1
  dataCaptureConfig:
    captureOptions: [{captureMode: Input}, {captureMode: Output}]
  unset:
  quoted: "a \\"b\\" \\u00e9"
...
---
# an empty document follows
---
apiVersion: reconciler/v1
kind: Stack
name: s
spec: {region: us-east-1, prune: yes}
tags: {a: 1, a: 2}
"""


@pytest.mark.parametrize("parser", PARSERS)
def test_a_realistic_file_keeps_its_positions(tmp_path: Path, parser: str) -> None:
    docs, diags = load(tmp_path, REALISTIC, parser)
    assert diags == ["spec.yaml:55:14: duplicate key 'a' (first at line 55)"]
    assert [(d.index, d.start) for d in docs] == [(0, Position("spec.yaml", 2, 1)), (1, Position("spec.yaml", 21, 1)),
                                                  (3, Position("spec.yaml", 51, 1))]
    model, endpoint, stack = docs
    m, mk = lc(model.positions), lc(model.key_positions)
    assert (m[("tags", "owner")], mk[("tags", "owner")]) == ((5, 55), (5, 48))
    assert (m[("spec", "primaryContainer")], mk[("spec", "primaryContainer")]) == ((8, 21), (8, 3))
    assert m[("spec", "primaryContainer", "environment", "EMPTY")] == (16, 14)
    assert m[("spec", "containers", 0)] == (8, 21)  # the alias: where its anchor is
    assert m[("spec", "containers", 0, "image")] == (9, 12)
    assert (m[("spec", "containers", 1, "modelDataUrl")], mk[("spec", "containers", 1, "modelDataUrl")]) == (
        (19, 36), (19, 22))
    assert model.data["spec"]["containers"][0] == model.data["spec"]["primaryContainer"]
    e, ek = lc(endpoint.positions), lc(endpoint.key_positions)
    assert endpoint.data["spec"]["released"] == "2024-05-01"
    assert endpoint.data["spec"]["description"] == "Two variants,\none canary.\n"
    assert endpoint.data["spec"]["folded"] == "folded text"
    assert endpoint.data["spec"]["unset"] is None
    assert endpoint.data["spec"]["quoted"] == 'a "b" é'
    assert (e[("spec", "description")], e[("spec", "folded")]) == ((28, 16), (31, 11))
    assert e[("spec", "productionVariants", 1)] == (40, 7)
    assert e[("spec", "productionVariants", 1, "modelName")] == (37, 18)
    assert e[("spec", "productionVariants", 1, "variantName")] == (41, 20)
    assert ek[("spec", "productionVariants", 1, "variantName")] == (41, 7)
    assert e[("spec", "dataCaptureConfig", "captureOptions", 1, "captureMode")] == (44, 58)
    assert e[("spec", "unset")] == (45, 9)
    assert stack.data == {"apiVersion": "reconciler/v1", "kind": "Stack", "name": "s",
                          "spec": {"region": "us-east-1", "prune": True}, "tags": {"a": 1}}
    assert stack.pos(("spec", "prune")) == Position("spec.yaml", 54, 34)


@pytest.mark.skipif("libyaml" not in loader.PARSERS, reason="PyYAML without libyaml")
def test_both_parsers_give_identical_documents_and_positions(tmp_path: Path) -> None:
    examples = sorted((Path(__file__).parents[2] / "specs").glob("*.yaml"))  # the repository's example stack
    stack = REALISTIC + "".join("---\n" + p.read_text(encoding="utf-8") for p in examples)
    pure_docs, pure_diags = load(tmp_path, stack, "pure")
    libyaml_docs, libyaml_diags = load(tmp_path, stack, "libyaml")
    assert len(pure_docs) > 10
    assert snapshot(libyaml_docs) == snapshot(pure_docs)
    assert libyaml_diags == pure_diags


# --- stack directories ----------------------------------------------------------------------------------------------


def test_the_stack_is_the_yaml_files_directly_in_the_directory(tmp_path: Path) -> None:
    root = tmp_path / "stack"
    (root / "pipelines").mkdir(parents=True)
    (root / ".github").mkdir()
    (root / "backup.yaml").mkdir()  # a directory named like a spec file
    for name in ("b.yml", "a.yaml", ".hidden.yaml", "notes.txt", "c.yaml.bak", "pipelines/build.yaml",
                 ".github/ci.yml"):
        (root / name).write_text("x: 1\n")
    assert [p.name for p in spec_files(root)] == ["a.yaml", "b.yml"]
    diags = Diagnostics()
    docs = load_directory(root, diags)
    assert [d.file.rsplit("/", 1)[-1] for d in docs] == ["a.yaml", "b.yml"]
    assert list(diags) == []


def test_subdirectories_are_never_read(tmp_path: Path) -> None:
    root = tmp_path / "stack"
    (root / "old").mkdir(parents=True)
    (root / "stack.yaml").write_text("kind: Stack\n")
    (root / "old" / "broken.yaml").write_text("a: [\n")
    diags = Diagnostics()
    assert [d.data for d in load_directory(root, diags)] == [{"kind": "Stack"}]
    assert list(diags) == []


def test_a_file_instead_of_the_stack_directory_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "stack.yaml").write_text("kind: Stack\n")
    diags = Diagnostics()
    assert load_directory(Path("specs/stack.yaml"), diags) == []
    assert [(d.message, d.position) for d in diags] == [
        ("specs/stack.yaml is a file: give the stack directory (specs), which holds every document of the stack",
         None)]
    diags = Diagnostics()
    assert load_directory(tmp_path / "specs" / "stack.yaml", diags) == []
    assert [d.message for d in diags] == [
        "specs/stack.yaml is a file: give the stack directory (specs), which holds every document of the stack"]


def test_a_missing_or_empty_directory_is_an_error(tmp_path: Path) -> None:
    diags = Diagnostics()
    assert load_directory(tmp_path / "nope", diags) == []
    assert [d.message for d in diags] == [f"no such spec directory: {tmp_path / 'nope'}"]
    diags = Diagnostics()
    assert load_directory(tmp_path, diags) == []
    assert [d.message for d in diags] == [f"no YAML spec files (*.yaml, *.yml) found in {tmp_path}"]
