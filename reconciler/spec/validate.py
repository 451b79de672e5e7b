"""Validate a stack directory: envelope, JSON Schema, and semantic rules, all at once.

`load_stack(root, registry)` returns a `StackSpec` of validated documents or raises
`SpecError` carrying every diagnostic found, each at `file:line:col`. What a kind accepts
comes from the registry (its schema, naming rule and semantic checks); this module is the
same for every kind. Schema errors are reworded for people (unknown fields get a "did you
mean", enum errors list close matches instead of hundreds of values). Nothing here talks
to AWS.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from reconciler import sensitive
from reconciler.diagnostics import Diagnostics
from reconciler.errors import SpecError
from reconciler.spec.documents import Environment, SpecDoc, Stack, StackSpec
from reconciler.spec.kind import Registry
from reconciler.spec.loader import Document, display_path, load_directory
from reconciler.spec.references import ATTRS, find_references, malformed_references, topological_order
from reconciler.spec.schemagen import generator_for
from reconciler.spec.variables import PLACEHOLDER as VARIABLE
from reconciler.spec.variables import Scope, is_variable_text, substitute

API_VERSION = "reconciler/v1"
RESERVED_TAG_PREFIXES = ("aws:", "reconciler:")
OWNERSHIP_TAG_COUNT = 3
MAX_TAGS = 50
SENSITIVE_KEY = "sensitive"  # envelope member of resource documents: spec paths masked in output


def fmt_path(path: Iterable[Any]) -> str:
    out = ""
    for p in path:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += ("." if out else "") + str(p)
    return out or "document"


def _suggest(word: str, options: Iterable[str]) -> str:
    match = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    if not match:
        lowered = {o.lower(): o for o in options}
        if word.lower() in lowered:
            match = [lowered[word.lower()]]
    return f" (did you mean '{match[0]}'?)" if match else ""


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_reference_branch(error: Any) -> bool:
    schema = error.schema if isinstance(error.schema, dict) else {}
    ref = str(schema.get("$ref", ""))
    return "Reference" in ref or "${" in str(schema.get("pattern", "")) or "\\$\\{" in str(
        schema.get("pattern", "")
    )


def _leaf_errors(error: Any) -> list[Any]:
    """Descend through anyOf/oneOf to the errors a person should see."""
    if error.validator in ("anyOf", "oneOf") and error.context:
        branches = [e for e in error.context if not _is_reference_branch(e)]
        if not branches:
            return [error]
        # Prefer the branch that got deepest into the value.
        deepest = max(len(e.relative_path) for e in branches)
        chosen = [e for e in branches if len(e.relative_path) == deepest]
        by_type = [e for e in chosen if e.validator != "type"] or chosen
        out: list[Any] = []
        for e in by_type[:1]:
            out.extend(_leaf_errors(e))
        return out
    return [error]


def _schema_message(doc: Document, error: Any, diags: Diagnostics) -> None:
    path = tuple(error.absolute_path)
    where = fmt_path(path)
    v = error.validator
    if v in ("pattern", "enum", "maxLength", "minLength") and isinstance(error.instance, str) \
            and "${" in error.instance:
        return  # a reference that is not well formed: the reference check says why, once
    if isinstance(error.instance, str) and VARIABLE.search(error.instance):
        return  # a variable that could not be substituted: substitution said why, once
    if v == "additionalProperties":
        allowed = sorted((error.schema.get("properties") or {}).keys())
        instance = error.instance if isinstance(error.instance, dict) else {}
        for key in instance:
            if key not in allowed:
                inside = f" in {where}" if path else ""
                diags.error(f"unknown field '{key}'{inside}{_suggest(key, allowed)}", doc.key_pos((*path, key)))
        return
    if v == "required":
        missing = str(error.message).split("'")[1] if "'" in error.message else error.message
        inside = f" in {where}" if path else ""
        diags.error(f"missing required field '{missing}'{inside}", doc.key_pos(path) if path else doc.pos(path))
        return
    if v == "enum":
        options = [str(o) for o in error.validator_value]
        if len(options) <= 8:
            hint = _suggest(str(error.instance), options) + ": one of " + ", ".join(options)
        else:
            hint = _suggest(str(error.instance), options) or (
                f" ({len(options)} allowed values; see `reconciler schema`)")
        diags.error(f"{where}: {_short(error.instance)} is not a valid value{hint}", doc.pos(path))
        return
    if v == "type":
        expected = error.validator_value
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        got = type(error.instance).__name__
        got = {"str": "string", "dict": "mapping", "list": "list", "bool": "boolean", "NoneType": "null"}.get(
            got, got
        )
        shown = "" if error.instance is None else f" {_short(error.instance)}"  # "got null", not "got null None"
        hint = " (an empty `spec:`? write `spec: {}`)" if error.instance is None and tuple(path) == ("spec",) else ""
        diags.error(f"{where}: expected {expected}, got {got}{shown}{hint}", doc.pos(path))
        return
    if v in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        word = {"minimum": "at least", "maximum": "at most", "exclusiveMinimum": "greater than",
                "exclusiveMaximum": "less than"}[v]
        diags.error(f"{where}: {error.instance} is out of range (must be {word} {error.validator_value})",
                    doc.pos(path))
        return
    if v in ("maxLength", "minLength"):
        word = "at most" if v == "maxLength" else "at least"
        diags.error(f"{where}: {_short(error.instance)} is {len(error.instance)} characters long "
                    f"(must be {word} {error.validator_value})", doc.pos(path))
        return
    if v in ("maxItems", "minItems"):
        word = "at most" if v == "maxItems" else "at least"
        diags.error(f"{where}: has {len(error.instance)} items (must have {word} {error.validator_value})",
                    doc.pos(path))
        return
    if v == "pattern":
        diags.error(f"{where}: {_short(error.instance)} does not match the required pattern "
                    f"{error.validator_value}", doc.pos(path))
        return
    if v == "const":
        diags.error(f"{where}: must be {error.validator_value!r}, got {_short(error.instance)}", doc.pos(path))
        return
    diags.error(f"{where}: {error.message}", doc.pos(path))


def _validate_schema(doc: Document, registry: Registry, kind: str, diags: Diagnostics) -> bool:
    validator = _validator(registry, kind)
    data = doc.data
    if registry[kind].owns_resources and isinstance(data, dict) and SENSITIVE_KEY in data:
        data = {k: v for k, v in data.items() if k != SENSITIVE_KEY}  # the envelope's `sensitive:`, checked apart
    errors = sorted(validator.iter_errors(data), key=lambda e: (list(map(str, e.absolute_path)), e.validator))
    before = len(diags.errors)
    seen: set[tuple[str, int, int, str]] = set()
    scratch = Diagnostics()
    skip = _choice_mismatch(doc, registry, kind, scratch)  # one line, instead of one per member
    for error in errors:
        if skip is not None and tuple(error.absolute_path)[:len(skip)] == skip:
            continue
        for leaf in _leaf_errors(error):
            _schema_message(doc, leaf, scratch)
    _drop_missing_suggested(scratch)
    for d in scratch.items:
        key = (d.position.file if d.position else "", d.position.line if d.position else 0,
               d.position.col if d.position else 0, d.message)
        if key not in seen:
            seen.add(key)
            diags.items.append(d)
    return len(diags.errors) == before


def _choice_mismatch(doc: Document, registry: Registry, kind: str, diags: Diagnostics) -> tuple[Any, ...] | None:
    """For a kind whose spec member's shape another member chooses (a ChoiceSource): when the member's keys
    are another choice's (monitoringType ModelBias over ModelExplainability members), one error at the
    discriminator, and the member's path (whose own schema errors would only mislead); else None."""
    from reconciler.aws.shapes import input_members, spec_name
    from reconciler.spec.fragments import ChoiceSource

    source = registry[kind].source
    spec = doc.data.get("spec") if isinstance(doc.data, dict) else None
    if not isinstance(source, ChoiceSource) or not isinstance(spec, dict):
        return None
    chosen, member = spec.get(source.discriminator), spec.get(source.member)
    if not isinstance(member, dict) or not member or chosen not in {value for value, _ in source.choices}:
        return None  # no member to judge, or a discriminator the schema reports as not one of its values
    keys = {str(k) for k in member}
    fits = {value: keys & {spec_name(m) for m in input_members(r.service, r.operation, omit=r.omit)}
            for value, r in source.choices}
    best = max(fits, key=lambda value: len(fits[value]))
    own = fits[chosen]
    if best == chosen or len(fits[best]) <= len(own) or len(fits[best] - own) < 1 or len(own) > len(keys) // 2:
        return None
    found = ", ".join(sorted(fits[best] - own)[:3])
    diags.error(f"{source.discriminator} is {chosen!r}, but {source.member} has the members of {best} ({found}): "
                f"set {source.discriminator}: {best}, or write {source.member} for {chosen}",
                doc.pos(("spec", source.discriminator)))
    return ("spec", source.member)


def _drop_missing_suggested(diags: Diagnostics) -> None:
    """A key that is the misspelling of a missing required one is one problem: keep the "unknown field ... (did
    you mean 'x'?)" line, not also "missing required field 'x'" for the same mapping."""
    suggested = set()
    for d in diags.items:
        match = re.match(r"unknown field '[^']*'(?: in (\S+))? \(did you mean '([^']+)'\?\)", d.message)
        if match:
            suggested.add((match.group(1) or "", match.group(2)))
    kept = []
    for d in diags.items:
        match = re.fullmatch(r"missing required field '([^']+)'(?: in (\S+))?", d.message)
        if match and (match.group(2) or "", match.group(1)) in suggested:
            continue
        kept.append(d)
    diags.items[:] = kept


_VALIDATORS: dict[tuple[int, str], Any] = {}


def _validator(registry: Registry, kind: str) -> Any:
    key = (id(registry), kind)
    if key not in _VALIDATORS:
        from jsonschema import Draft202012Validator

        _VALIDATORS[key] = Draft202012Validator(generator_for(registry).document_schema(kind))
    return _VALIDATORS[key]


def _check_envelope(doc: Document, registry: Registry, diags: Diagnostics) -> str | None:
    kinds = registry.names
    data = doc.data
    if not isinstance(data, dict):
        diags.error("a spec document must be a mapping with apiVersion, kind, name and spec", doc.start)
        return None
    kind = data.get("kind")
    if kind is None:
        diags.error("missing required field 'kind'" + f" (one of {', '.join(kinds)})", doc.start)
        return None
    if not isinstance(kind, str) or kind not in kinds:
        diags.error(f"unknown kind {_short(kind)}{_suggest(str(kind), kinds)}; known kinds: {', '.join(kinds)}",
                    doc.pos(("kind",)))
        return None
    if data.get("apiVersion") != API_VERSION:
        got = data.get("apiVersion")
        if got is None:
            diags.error(f"missing required field 'apiVersion' (must be {API_VERSION})", doc.start)
        else:
            diags.error(f"apiVersion must be {API_VERSION!r}, got {_short(got)}", doc.pos(("apiVersion",)))
        return None
    return kind


def _check_name(doc: Document, registry: Registry, kind: str, name: str, diags: Diagnostics, prefix: str = "",
                env: Environment | None = None) -> None:
    info = registry[kind].naming
    pos = doc.pos(("name",))
    full = prefix + name
    if len(full) > info.name_max:
        extra = (" (63 minus room for the '-<hash>' suffix of the resources it names)"
                 if info.content_addressed else "")
        if info.name_max_why:
            extra = f" ({info.name_max_why})"
        what = f"'{name}'" if not prefix else \
            f"'{name}' with the namePrefix '{prefix}' of environment {env.name if env else ''!r} ('{full}')"
        diags.error(f"{kind} name {what} is {len(full)} characters long; the limit is {info.name_max}{extra}",
                    pos)
    if not info.name_pattern.match(name):
        diags.error(f"{kind} name '{name}' is not valid: use {info.name_help}", pos)


def _check_sensitive(doc: Document, diags: Diagnostics) -> tuple[str, ...]:
    """The envelope's `sensitive:` paths, each a string starting with `spec.` that reads as a path."""
    raw = doc.data.get(SENSITIVE_KEY)
    if raw is None:
        return ()
    if not isinstance(raw, list):
        diags.error(f"sensitive: expected a list of spec paths (spec.a.b), got {_short(raw)}",
                    doc.pos((SENSITIVE_KEY,)))
        return ()
    paths: list[str] = []
    for i, item in enumerate(raw):
        where = doc.pos((SENSITIVE_KEY, i))
        if not isinstance(item, str):
            diags.error(f"sensitive[{i}]: expected a spec path (spec.a.b), got {_short(item)}", where)
            continue
        try:
            sensitive.parse_path(item)
        except sensitive.PathError as exc:
            diags.error(f"sensitive[{i}]: {exc}", where)
            continue
        if item not in paths:
            paths.append(item)
    return tuple(paths)


def _check_sensitive_matches(spec_doc: SpecDoc, diags: Diagnostics) -> None:
    """An error for a `sensitive:` path that selects nothing in the document's spec (most likely a typo,
    which would leave the value it meant shown)."""
    raw = spec_doc.doc.data.get(SENSITIVE_KEY) or []
    for path in spec_doc.sensitive:
        if sensitive.path_matches(spec_doc.spec, path):
            continue
        index = raw.index(path) if path in raw else 0
        diags.error(f"sensitive[{index}]: {path!r} matches nothing in the spec of {spec_doc.address}"
                    f"{_near_miss(spec_doc.spec, path)}", spec_doc.doc.pos((SENSITIVE_KEY, index)))


def _near_miss(spec: Any, path: str) -> str:
    """Where a path stops matching, with a "did you mean" for that segment."""
    node: Any = spec
    done = "spec"
    for segment in sensitive.parse_path(path):
        if isinstance(node, dict) and isinstance(segment, str) and segment in node:
            node, done = node[segment], f"{done}.{segment}"
            continue
        if isinstance(node, list) and isinstance(segment, int) and not isinstance(segment, bool) \
                and segment < len(node):
            node, done = node[segment], f"{done}[{segment}]"
            continue
        if segment is None:
            return ""
        if isinstance(node, dict):
            return f": {done} has no {segment!r}{_suggest(str(segment), [str(k) for k in node])}"
        return f": {done} is not a mapping with {segment!r}" if not isinstance(segment, int) else \
            f": {done} has no item [{segment}]"
    return ""


def check_tags(doc: Document, tags: dict[str, Any], path: tuple[Any, ...], diags: Diagnostics) -> None:
    for key in tags:
        if key.lower().startswith(RESERVED_TAG_PREFIXES):
            diags.error(f"tag key '{key}' uses a reserved prefix (aws:, reconciler:)", doc.key_pos((*path, key)))


def load_stack(root: Path, registry: Registry, env: str | None = None) -> StackSpec:
    """Load and validate every document under `root` against the kinds of `registry`, as environment `env`
    (one of its Environment documents; required when it has any); raise SpecError with all problems."""
    diags = Diagnostics()
    documents = load_directory(root, diags)
    settings = registry.settings_kind
    env_kind = registry.environment_kind
    kinds = [(doc, _check_envelope(doc, registry, diags)) for doc in documents]
    env_docs = [d for d, k in kinds if env_kind is not None and k == env_kind.name]
    chosen = _choose_environment(root, env_docs, registry, env, diags)
    if chosen is None and (env_docs or env is not None):
        raise SpecError(diags)  # which environment is unknown: the documents mean nothing yet
    scope = _scope(kinds, settings.name, env_kind.name if env_kind else None, chosen)
    stack: Any = None
    specs: list[SpecDoc] = []
    seen: dict[str, Document] = {}
    for doc, kind in kinds:
        if kind is None or (env_kind is not None and kind == env_kind.name):
            continue
        substitute(doc, scope, diags, skip=(("spec", "variables"),) if kind == settings.name else ())
        schema_ok = _validate_schema(doc, registry, kind, diags)
        data = doc.data
        name = data.get("name")
        if not isinstance(name, str) or not isinstance(data.get("spec", {}), dict):
            continue
        address = f"{kind}/{name}"
        if address in seen:
            first = seen[address]
            diags.error(f"duplicate {kind} name '{name}' (first defined at {first.pos(('name',))})",
                        doc.pos(("name",)))
            continue
        seen[address] = doc
        prefix = chosen.name_prefix if chosen is not None and name not in registry[kind].fixed_names else ""
        _check_name(doc, registry, kind, name, diags, prefix, chosen)
        raw_tags = data.get("tags") if isinstance(data.get("tags"), dict) else {}
        tags = {str(k): str(v) for k, v in raw_tags.items()}
        check_tags(doc, raw_tags, ("tags",), diags)
        if kind == settings.name:
            if not schema_ok:
                continue
            if stack is not None:
                diags.error(f"more than one {kind} document (first is {kind}/{stack.name} at {stack.doc.start})",
                            doc.start)
                continue
            assert settings.settings is not None
            stack = settings.settings(doc, diags)
            if stack is not None and tags:
                stack.tags = {**stack.tags, **tags}
            continue
        specs.append(SpecDoc(kind, name, data.get("spec") or {}, tags, doc, schema_ok, data.get("protect") is True,
                             sensitive=_check_sensitive(doc, diags), name_prefix=prefix))
    if stack is not None and chosen is not None:
        _apply_environment(stack, chosen, diags, settings.naming.name_max)
    for spec_doc in specs:  # parts of the spec kept elsewhere (a pipeline's definitionFile), once the stack is known
        prepare = registry[spec_doc.kind].prepare
        if spec_doc.schema_ok and prepare is not None:
            prepare(spec_doc, diags, stack.region if stack is not None else None)
        if spec_doc.schema_ok:
            _check_sensitive_matches(spec_doc, diags)
    if stack is None and not diags.has_errors:
        where = documents[0].start if documents else None
        diags.error(f"no {settings.name} document found: add one `kind: {settings.name}` document with the "
                    "stack's name", where)
    order = _check_references(specs, registry.resource_kinds, diags)
    if stack is not None:
        for s in specs:
            total = len({**stack.tags, **s.tags}) + OWNERSHIP_TAG_COUNT + (1 if s.protect else 0)
            if total > MAX_TAGS:
                diags.error(f"{s.address} would carry {total} tags (its own, the Stack's and "
                            f"{OWNERSHIP_TAG_COUNT} ownership tags); AWS allows {MAX_TAGS}", s.doc.pos(("tags",)))
        by_address = {s.address: s for s in specs}
        for s in specs:
            if s.schema_ok:
                registry[s.kind].check(s, diags, by_address)
    if diags.has_errors or stack is None:
        raise SpecError(diags)
    result = StackSpec(root=root, stack=stack, docs=specs, order=order, environment=chosen)
    result.warnings.items.extend(diags.warnings)
    return result


def _choose_environment(root: Path, docs: list[Document], registry: Registry, env: str | None,
                        diags: Diagnostics) -> Environment | None:
    """The Environment document named `env` (validated), or None; an error when the stack has environments
    and none was chosen, or `env` names none of them."""
    env_kind = registry.environment_kind
    found: dict[str, Environment] = {}
    written = {doc.data.get("name") for doc in docs}
    for doc in docs:
        assert env_kind is not None and env_kind.environment is not None
        name = doc.data.get("name")
        if not _validate_schema(doc, registry, env_kind.name, diags) or not isinstance(name, str):
            continue
        if name in found:
            diags.error(f"duplicate {env_kind.name} name '{name}' (first defined at "
                        f"{found[name].doc.pos(('name',))})", doc.pos(("name",)))
            continue
        _check_name(doc, registry, env_kind.name, name, diags)
        parsed = env_kind.environment(doc, diags)
        if parsed is not None:
            found[name] = parsed
    names = ", ".join(sorted(found))
    if env is None:
        if docs:
            diags.error(f"this stack has environments ({names or 'none valid'}): choose one with --env NAME",
                        docs[0].pos(("kind",)))
        return None
    if env in found:
        return found[env]
    if not docs:
        kind = env_kind.name if env_kind else "Environment"
        diags.error(f"--env {env}: {display_path(root)} has no {kind} documents (add one: `kind: {kind}`, "
                    f"`name: {env}`)")
    elif found and env not in written:
        diags.error(f"--env {env}: no environment named {env!r}{_suggest(env, found)}; this stack has: {names}")
    return None


def _scope(kinds: list[tuple[Document, str | None]], settings: str, env_kind: str | None,
           chosen: Environment | None) -> Scope:
    """What `${var.X}` and `${env.X}` give: the Stack's variables under the chosen environment's."""
    defaults: dict[str, Any] = {}
    environments: list[str] = []
    for doc, kind in kinds:
        spec = doc.data.get("spec") if isinstance(doc.data, dict) else None
        if kind == settings and isinstance(spec, dict) and isinstance(spec.get("variables"), dict) and not defaults:
            defaults = {str(k): v for k, v in spec["variables"].items()}
        if kind is not None and kind == env_kind and isinstance(doc.data.get("name"), str):
            environments.append(doc.data["name"])
    variables = {**defaults, **(chosen.variables if chosen else {})}
    return Scope(variables, chosen.name if chosen else None, chosen.name_prefix if chosen else "",
                 tuple(environments))


def _apply_environment(stack: Stack, env: Environment, diags: Diagnostics, name_max: int) -> None:
    """The stack as environment `env`: its own name (`<stack>-<env>`, at most `name_max` characters), region,
    account guard and tags."""
    name = f"{stack.name}-{env.name}"
    if len(name) > name_max:
        diags.error(f"the stack of environment {env.name!r} is named {name!r}, {len(name)} characters long; the "
                    f"limit is {name_max}: shorten the Stack's or the Environment's name", env.doc.pos(("name",)))
    stack.name = name
    stack.region = env.region or stack.region
    stack.account_id = env.account_id or stack.account_id
    stack.tags = {**stack.tags, **env.tags}


def _check_references(specs: list[SpecDoc], resource_kinds: tuple[str, ...], diags: Diagnostics) -> list[str]:
    known = {s.address for s in specs}
    edges: dict[str, set[str]] = {}
    for s in specs:
        deps: set[str] = set()
        for text, path in malformed_references(s.spec, ("spec",)):
            if is_variable_text(text):
                continue  # reported where variables are substituted
            attr = re.fullmatch(r"\$\{[A-Za-z]+\.[^.{}]+\.([^.{}]+)\}", text)
            if attr and attr.group(1) not in ("name", "arn"):
                diags.error(f"{text!r}: unknown attribute '{attr.group(1)}'{_suggest(attr.group(1), ('name', 'arn'))}; "
                            "a reference ends in .name or .arn", s.pos(path))
                continue
            diags.error(f"{text!r} is not a reference: write ${{Kind.name.name}} or ${{Kind.name.arn}} (names use "
                        "letters, digits, '.', '_' and '-')", s.pos(path))
        for ref in find_references(s.spec, ("spec",)):
            pos = s.pos(ref.path)
            if ref.kind not in resource_kinds:
                diags.error(f"reference ${{{ref.kind}.{ref.name}.{ref.attr}}}: unknown kind '{ref.kind}'"
                            f"{_suggest(ref.kind, resource_kinds)}", pos)
                continue
            if ref.attr not in ATTRS:
                diags.error(f"reference attribute must be one of {', '.join(ATTRS)}", pos)
                continue
            if ref.target not in known:
                candidates = [a.split("/", 1)[1] for a in known if a.startswith(ref.kind + "/")]
                diags.error(f"reference ${{{ref.kind}.{ref.name}.{ref.attr}}} points at {ref.target}, which is "
                            f"not defined in this stack{_suggest(ref.name, candidates)}", pos)
                continue
            if ref.target == s.address:
                diags.error(f"{s.address} references itself", pos)
                continue
            deps.add(ref.target)
        edges[s.address] = deps
    nodes = [s.address for s in specs]
    order, cycles = topological_order(nodes, edges)
    for cycle in cycles:
        first = next(s for s in specs if s.address == cycle[0])
        diags.error("reference cycle: " + " -> ".join(cycle), first.doc.pos(("name",)))
    return order
