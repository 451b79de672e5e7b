"""Spec schemas and shape conversion: committed schemas are current, validation accepts and
rejects what it should, references are strings only, and spec <-> API conversion round-trips.

After an intended change (schemagen, fragments, a botocore upgrade) regenerate the schemas with
`python -m reconciler.spec.schemagen --write schemas` and review the diff.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.validate import ParamValidator
from jsonschema import Draft202012Validator

from reconciler.frozen import freeze
from reconciler.spec import schemagen
from reconciler.spec.schemagen import (
    KINDS,
    any_document_schema,
    convert_pattern,
    document_schema,
    dropped_patterns,
    first_sentence,
    generate_all,
    spec_schema,
)
from reconciler.spec.shapes import (
    UnknownFieldError,
    deployment_config_shape,
    from_api,
    member_shape,
    operation_input,
    spec_shape,
    to_api,
)

REPO = Path(__file__).resolve().parents[2]
SCHEMAS = REPO / "schemas"

ROLE = "arn:aws:iam::123456789012:role/sagemaker-execution"

MODEL_DOC: dict[str, Any] = {
    "apiVersion": "reconciler/v1",
    "kind": "Model",
    "name": "churn-xgb",
    "tags": {"team": "ml-platform"},
    "spec": {
        "executionRoleArn": ROLE,
        "primaryContainer": {
            "image": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
            "modelDataUrl": "s3://models/churn/model.tar.gz",
            "environment": {"SAGEMAKER_PROGRAM": "inference.py", "logLevel": "debug"},
        },
        "vpcConfig": {"securityGroupIds": ["sg-0123456789abcdef0"], "subnets": ["subnet-0123abcd"]},
        "enableNetworkIsolation": True,
    },
}

ENDPOINT_DOC: dict[str, Any] = {
    "apiVersion": "reconciler/v1",
    "kind": "Endpoint",
    "name": "churn",
    "spec": {
        "productionVariants": [
            {
                "variantName": "blue",
                "modelName": "${Model.churn-xgb.name}",
                "instanceType": "ml.m5.large",
                "initialInstanceCount": 2,
                "initialVariantWeight": 0.9,
            },
            {
                "variantName": "serverless",
                "modelName": "${Model.churn-xgb.name}",
                "serverlessConfig": {"memorySizeInMB": 2048, "maxConcurrency": 20},
                "initialVariantWeight": 0.1,
            },
        ],
        "dataCaptureConfig": {
            "enableCapture": True,
            "initialSamplingPercentage": 20,
            "destinationS3Uri": "s3://capture/churn",
            "captureOptions": [{"captureMode": "Input"}, {"captureMode": "Output"}],
            "captureContentTypeHeader": {"jsonContentTypes": ["application/json"]},
        },
        "deploymentConfig": {
            "blueGreenUpdatePolicy": {
                "trafficRoutingConfiguration": {
                    "type": "CANARY",
                    "waitIntervalInSeconds": 300,
                    "canarySize": {"type": "CAPACITY_PERCENT", "value": 10},
                },
                "terminationWaitInSeconds": 120,
                "maximumExecutionTimeoutInSeconds": 3600,
            },
            "autoRollbackConfiguration": {"alarms": [{"alarmName": "${Alarm.churn-5xx.name}"}]},
        },
    },
}

STACK_DOC: dict[str, Any] = {
    "apiVersion": "reconciler/v1",
    "kind": "Stack",
    "name": "ml-prod",
    "spec": {
        "region": "us-east-1",
        "accountId": "123456789012",
        "tags": {"cost-center": "42"},
        "prune": False,
    },
}


def _validator(kind: str) -> Draft202012Validator:
    return Draft202012Validator(document_schema(kind))


def _errors(doc: dict[str, Any], *, any_kind: bool = False) -> list[Any]:
    schema = any_document_schema() if any_kind else document_schema(doc["kind"])
    return list(Draft202012Validator(schema).iter_errors(doc))


def _with(doc: dict[str, Any], path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    """A deep copy of ``doc`` with ``value`` set at ``path`` (parents must exist)."""
    out = copy.deepcopy(doc)
    target: Any = out
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return out


def _walk(value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield key, item
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


# --------------------------------------------------------------------------- generated files


def test_committed_schemas_are_up_to_date() -> None:
    generated = generate_all()
    assert sorted(generated) == [
        "document.schema.json",
        "endpoint.schema.json",
        "model.schema.json",
        "stack.schema.json",
    ]
    stale = [
        name
        for name, text in generated.items()
        if not (SCHEMAS / name).exists() or (SCHEMAS / name).read_text(encoding="utf-8") != text
    ]
    assert not stale, (
        f"schemas/{', schemas/'.join(stale)} differ from what botocore and the fragments generate; "
        "run `python -m reconciler.spec.schemagen --write schemas` and commit the result"
    )


def test_generation_is_deterministic_and_well_formed() -> None:
    first = generate_all()
    document_schema.cache_clear()
    any_document_schema.cache_clear()
    second = generate_all()
    assert first == second
    for name, text in first.items():
        assert text.endswith("}\n")
        schema = json.loads(text)
        Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["$id"] == f"https://reconciler.dev/schemas/{name}"
        assert json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n" == text


def test_every_ref_resolves_and_every_pattern_is_anchored() -> None:
    for kind in KINDS:
        schema = document_schema(kind)
        for key, value in _walk(schema):
            if key == "$ref":
                assert value.startswith("#/$defs/") and value.removeprefix("#/$defs/") in schema["$defs"]
            if key == "pattern":
                assert value.startswith("^") and value.endswith("$")
                re.compile(value)


def test_spec_properties_are_lower_camel_case_and_closed() -> None:
    defs = document_schema("Endpoint")["$defs"]
    props = defs["ProductionVariant"]["properties"]
    assert {"initialInstanceCount", "instanceType", "variantName", "serverlessConfig"} <= set(props)
    assert defs["ProductionVariant"]["additionalProperties"] is False
    for name, definition in defs.items():
        for key in definition.get("properties", {}):
            assert key[:1].islower(), f"{name}.{key}"
    assert defs["EndpointSpec"]["required"] == ["productionVariants"]
    assert "endpointConfigName" not in defs["EndpointSpec"]["properties"]
    assert "tags" not in defs["EndpointSpec"]["properties"]
    assert defs["EndpointSpec"]["properties"]["deploymentConfig"]["$ref"] == "#/$defs/DeploymentConfig"
    model_spec = document_schema("Model")["$defs"]["ModelSpec"]
    assert "modelName" not in model_spec["properties"] and "required" not in model_spec


def test_descriptions_are_short_plain_text() -> None:
    for kind in KINDS:
        for key, value in _walk(document_schema(kind)):
            if key == "description":
                assert isinstance(value, str) and 0 < len(value) <= 200, value
                assert "<" not in value or "${" in value, value
    described = document_schema("Endpoint")["$defs"]["ProductionVariant"]["properties"]["instanceType"]
    assert described["description"] == "The ML compute instance type."


def test_first_sentence() -> None:
    doc = "<p>Sets the size, e.g. <code>10</code> . See <a href='x'>docs</a>.</p> <p>More.</p>"
    assert first_sentence(doc) == "Sets the size, e.g. 10."
    assert first_sentence(None) == ""
    long = "<p>" + "word " * 100 + "end.</p>"
    short = first_sentence(long)
    assert len(short) <= 200 and short.endswith("...")


def test_import_is_cheap() -> None:
    code = "import sys, reconciler.spec.schemagen, reconciler.spec.shapes; print('botocore' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_check_command_reports_stale_files(tmp_path: Path) -> None:
    assert schemagen.main(["--write", str(tmp_path)]) == 0
    assert schemagen.main(["--check", str(tmp_path)]) == 0
    (tmp_path / "model.schema.json").write_text("{}\n", encoding="utf-8")
    assert schemagen.main(["--check", str(tmp_path)]) == 1


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize("doc", [MODEL_DOC, ENDPOINT_DOC, STACK_DOC], ids=lambda d: d["kind"])
def test_valid_documents(doc: dict[str, Any]) -> None:
    assert _errors(doc) == []
    assert _errors(doc, any_kind=True) == []


def test_protect_is_not_accepted_until_it_is_enforced() -> None:
    assert _errors({**MODEL_DOC, "protect": True}) != []


def test_spec_schema_validates_a_spec_alone() -> None:
    validator = Draft202012Validator(spec_schema("Endpoint"))
    assert list(validator.iter_errors(ENDPOINT_DOC["spec"])) == []
    assert not validator.is_valid({"productionVariants": [], "bogus": 1})
    assert Draft202012Validator(spec_schema("Stack")).is_valid(STACK_DOC["spec"])


VARIANT = ("spec", "productionVariants", 0)
SERVERLESS = ("spec", "productionVariants", 1, "serverlessConfig")


@pytest.mark.parametrize(
    ("doc", "path", "value", "validator"),
    [
        (ENDPOINT_DOC, (*VARIANT, "instanceTyp"), "ml.m5.large", "additionalProperties"),
        (ENDPOINT_DOC, (*VARIANT, "InstanceType"), "ml.m5.large", "additionalProperties"),
        (ENDPOINT_DOC, ("spec", "deploymentConfig", "bogus"), 1, "additionalProperties"),
        (ENDPOINT_DOC, (*VARIANT, "initialInstanceCount"), "2", "type"),
        (ENDPOINT_DOC, (*VARIANT, "initialVariantWeight"), "heavy", "type"),
        (ENDPOINT_DOC, ("spec", "productionVariants"), {"variantName": "x"}, "type"),
        (ENDPOINT_DOC, (*VARIANT, "instanceType"), "ml.bogus", "enum"),
        (ENDPOINT_DOC, ("spec", "dataCaptureConfig", "captureOptions", 0, "captureMode"), "Both", "enum"),
        (ENDPOINT_DOC, (*SERVERLESS, "maxConcurrency"), 500, "maximum"),
        (ENDPOINT_DOC, (*SERVERLESS, "memorySizeInMB"), 512, "minimum"),
        (ENDPOINT_DOC, (*VARIANT, "initialVariantWeight"), -1, "minimum"),
        (ENDPOINT_DOC, ("spec", "kmsKeyId"), "k" * 2049, "maxLength"),
        (MODEL_DOC, ("spec", "primaryContainer", "modelDataUrl"), "s3://b/" + "k" * 1100, "maxLength"),
        (ENDPOINT_DOC, (*VARIANT, "variantName"), "blue_green", "pattern"),
        (ENDPOINT_DOC, ("spec", "dataCaptureConfig", "captureOptions"), [], "minItems"),
        (MODEL_DOC, ("spec", "primaryContainer", "environment", "1BAD"), "x", "pattern"),
        (MODEL_DOC, ("spec", "primaryContainer", "environment", "OK"), "x" * 1025, "maxLength"),
        (MODEL_DOC, ("spec", "primaryContainer", "environment", "OK"), 5, "type"),
        (MODEL_DOC, ("spec", "executionRoleArn"), "arn:aws:iam::123:role/x", "pattern"),
        (MODEL_DOC, ("spec", "enableNetworkIsolation"), "yes", "type"),
        (MODEL_DOC, ("spec", "modelName"), "churn", "additionalProperties"),
        (MODEL_DOC, ("spec", "tags"), [{"Key": "a", "Value": "b"}], "additionalProperties"),
        (MODEL_DOC, ("tags", "team"), 42, "type"),
        (MODEL_DOC, ("apiVersion",), "reconciler/v2", "const"),
        (MODEL_DOC, ("name",), "", "minLength"),
        (MODEL_DOC, ("metadata",), {}, "additionalProperties"),
        (STACK_DOC, ("spec", "region"), "US East", "pattern"),
        (STACK_DOC, ("spec", "accountId"), "1234", "pattern"),
        (STACK_DOC, ("spec", "prune"), "yes", "type"),
        (STACK_DOC, ("spec", "lock"), True, "additionalProperties"),
    ],
)
def test_invalid_values_are_rejected(
    doc: dict[str, Any], path: tuple[str | int, ...], value: Any, validator: str
) -> None:
    bad = _with(doc, path, value)
    for any_kind in (False, True):
        errors = _errors(bad, any_kind=any_kind)
        assert [e.validator for e in errors] == [validator], [e.message for e in errors]
    # The failing keyword is reported directly (not as an opaque anyOf failure), at the right path.
    (error,) = _errors(bad)
    on_parent = validator == "additionalProperties" or path[-1] == "1BAD"  # unknown key / bad map key
    assert list(error.absolute_path) == list(path[:-1] if on_parent else path)


def test_kind_must_match_the_schema() -> None:
    errors = list(_validator("Model").iter_errors({**MODEL_DOC, "kind": "Endpoint"}))
    assert [e.validator for e in errors] == ["const"]


def test_missing_required_fields() -> None:
    for field in ("apiVersion", "kind", "name", "spec"):
        doc = {k: v for k, v in MODEL_DOC.items() if k != field}
        assert "required" in [e.validator for e in _errors(doc, any_kind=True)]
    no_variants = _with(ENDPOINT_DOC, ("spec",), {"kmsKeyId": "alias/x"})
    assert [e.message for e in _errors(no_variants)] == ["'productionVariants' is a required property"]
    no_name = _with(ENDPOINT_DOC, ("spec", "productionVariants", 0), {"instanceType": "ml.m5.large"})
    assert [e.message for e in _errors(no_name)] == ["'variantName' is a required property"]


def test_enum_error_message_is_readable() -> None:
    (error,) = _errors(_with(ENDPOINT_DOC, (*VARIANT, "instanceType"), "ml.bogus"))
    assert error.message.startswith("'ml.bogus' is not one of ['ml.t2.medium'")


def test_any_document_schema_rejects_unknown_kind() -> None:
    errors = _errors({**MODEL_DOC, "kind": "Modle"}, any_kind=True)
    assert [e.validator for e in errors] == ["enum"]


# --------------------------------------------------------------------------- references


@pytest.mark.parametrize(
    ("doc", "path"),
    [
        (ENDPOINT_DOC, (*VARIANT, "modelName")),
        (ENDPOINT_DOC, (*VARIANT, "instanceType")),  # enum-constrained strings too
        (ENDPOINT_DOC, (*VARIANT, "variantName")),  # pattern-constrained strings too
        (ENDPOINT_DOC, ("spec", "kmsKeyId")),
        (MODEL_DOC, ("spec", "executionRoleArn")),
        (MODEL_DOC, ("spec", "primaryContainer", "environment", "MODEL_ARN")),  # map values
        (MODEL_DOC, ("spec", "vpcConfig", "subnets", 0)),  # list items
    ],
)
def test_references_are_accepted_in_string_fields(doc: dict[str, Any], path: tuple[str | int, ...]) -> None:
    for ref in ("${Model.churn.name}", "${Model.churn-xgb-2.arn}", "${ModelPackageGroup.g1.arn}"):
        assert _errors(_with(doc, path, ref)) == []


@pytest.mark.parametrize(
    "path",
    [
        (*VARIANT, "initialInstanceCount"),
        (*VARIANT, "initialVariantWeight"),
        (*SERVERLESS, "maxConcurrency"),
        ("spec", "enableNetworkIsolation"),
    ],
)
def test_references_are_rejected_in_non_string_fields(path: tuple[str | int, ...]) -> None:
    doc = _with(ENDPOINT_DOC, ("spec", "enableNetworkIsolation"), True)
    (error,) = _errors(_with(doc, path, "${Model.churn.name}"))
    assert error.validator == "type"


@pytest.mark.parametrize(
    "ref",
    [
        "${model.churn.name}",  # kind must be capitalised
        "${Model.churn.id}",  # attr is name or arn
        "${Model.churn-.name}",
        "prefix-${Model.churn.name}",  # a reference is the whole string
        "${Model.churn.name}-suffix",
    ],
)
def test_malformed_references_get_the_field_error(ref: str) -> None:
    (error,) = _errors(_with(ENDPOINT_DOC, (*VARIANT, "instanceType"), ref))
    assert error.validator == "enum"
    (error,) = _errors(_with(ENDPOINT_DOC, (*VARIANT, "variantName"), ref))
    assert error.validator == "pattern"


# --------------------------------------------------------------------------- patterns


def test_dropped_patterns() -> None:
    # Tags, the only \p{...} patterns reachable from CreateModel / CreateEndpointConfig, are
    # omitted from the specs, so every pattern the current kinds use survives.
    assert dropped_patterns() == ()


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}", "^(?:[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62})$"),
        ("^arn:aws:.*$", "^(?:arn:aws:.*)$"),
        (r"price\$", r"^(?:price\$)$"),
        ("a|b", "^(?:a|b)$"),
        (r"[a-zA-Z0-9\_\-]+", r"^(?:[a-zA-Z0-9_\-]+)$"),  # identity escapes ECMAScript rejects
        (r"[a-z]+\-[0-9]+", r"^(?:[a-z]+-[0-9]+)$"),
        (r"x(?<!-)(\/[0-9]{1,9})?", r"^(?:x(?<!-)(\/[0-9]{1,9})?)$"),  # lookbehind is portable
    ],
)
def test_patterns_kept(pattern: str, expected: str) -> None:
    assert convert_pattern(pattern) == (expected, None)


@pytest.mark.parametrize(
    "pattern",
    [
        r"([\p{L}\p{Z}\p{N}_.:/=+\-@]*)",  # SageMaker TagKey / TagValue
        r"\p{Print}+",
        r"[\u0020-\uD7FF\uE000-\uFFFD\uD800\uDC00-\uDBFF\uDFFF\t]*",  # UTF-16 surrogate ranges
        "a++",
        "(?>a)",
        "(?i)abc",
        "(?<name>a)",
        "[a-z&&[^aeiou]]",
        r"\Qa.b\E",
        r"\h+",
        "a{,3}",
    ],
)
def test_patterns_dropped(pattern: str) -> None:
    anchored, reason = convert_pattern(pattern)
    assert anchored is None and reason


def test_anchored_patterns_match_whole_values() -> None:
    anchored, _ = convert_pattern("[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}")
    assert anchored is not None
    assert re.search(anchored, "churn-blue")
    assert not re.search(anchored, "churn blue")  # unanchored, search() would find "churn"
    assert not re.search(anchored, "a" * 64)


# --------------------------------------------------------------------------- shapes


def test_shape_lookups() -> None:
    assert spec_shape("Model").name == "CreateModelInput"
    assert spec_shape("Endpoint").name == "CreateEndpointConfigInput"
    assert deployment_config_shape().name == "DeploymentConfig"
    assert operation_input("sagemaker", "CreateModel") is spec_shape("Model")
    with pytest.raises(KeyError):
        spec_shape("Stack")
    variant = member_shape(spec_shape("Endpoint"), "productionVariants")
    assert variant is not None and variant.type_name == "list"
    source = member_shape(member_shape(spec_shape("Model"), "primaryContainer"), "modelDataSource")  # type: ignore[arg-type]
    s3 = member_shape(source, "s3DataSource")  # type: ignore[arg-type]
    assert s3 is not None and member_shape(s3, "s3Uri") is not None
    assert member_shape(s3, "S3Uri") is None
    assert member_shape(s3, "nope") is None


def _endpoint_api_request(spec: dict[str, Any]) -> dict[str, Any]:
    body = {k: v for k, v in spec.items() if k != "deploymentConfig"}
    return {"EndpointConfigName": "churn-0123abcd", **to_api(body, spec_shape("Endpoint"))}


def test_to_api_produces_a_valid_request_and_round_trips() -> None:
    spec = copy.deepcopy(ENDPOINT_DOC["spec"])
    spec["productionVariants"][0]["modelName"] = "churn-xgb-0123abcd"
    spec["productionVariants"][1]["modelName"] = "churn-xgb-0123abcd"
    spec["asyncInferenceConfig"] = {
        "outputConfig": {"s3OutputPath": "s3://async/out", "s3FailurePath": "s3://async/fail"},
        "clientConfig": {"maxConcurrentInvocationsPerInstance": 4},
    }
    request = _endpoint_api_request(spec)
    variant = request["ProductionVariants"][0]
    assert variant["InitialInstanceCount"] == 2 and variant["InstanceType"] == "ml.m5.large"
    assert request["ProductionVariants"][1]["ServerlessConfig"] == {
        "MemorySizeInMB": 2048,
        "MaxConcurrency": 20,
    }
    assert request["DataCaptureConfig"]["DestinationS3Uri"] == "s3://capture/churn"
    assert request["AsyncInferenceConfig"]["OutputConfig"]["S3OutputPath"] == "s3://async/out"
    report = ParamValidator().validate(request, operation_input("sagemaker", "CreateEndpointConfig"))
    assert not report.has_errors(), report.generate_report()

    deployment = to_api(spec["deploymentConfig"], deployment_config_shape())
    policy = deployment["BlueGreenUpdatePolicy"]
    assert policy["TrafficRoutingConfiguration"]["CanarySize"] == {"Type": "CAPACITY_PERCENT", "Value": 10}
    assert deployment["AutoRollbackConfiguration"]["Alarms"] == [{"AlarmName": "${Alarm.churn-5xx.name}"}]
    assert from_api(deployment, deployment_config_shape()) == spec["deploymentConfig"]

    back = from_api(request, spec_shape("Endpoint"))
    assert back.pop("endpointConfigName") == "churn-0123abcd"
    assert back == {k: v for k, v in spec.items() if k != "deploymentConfig"}


def test_map_keys_are_user_data() -> None:
    spec = MODEL_DOC["spec"]
    request = to_api(spec, spec_shape("Model"))
    assert request["PrimaryContainer"]["Environment"] == {
        "SAGEMAKER_PROGRAM": "inference.py",
        "logLevel": "debug",
    }
    assert request["VpcConfig"] == {
        "SecurityGroupIds": ["sg-0123456789abcdef0"],
        "Subnets": ["subnet-0123abcd"],
    }
    assert request["EnableNetworkIsolation"] is True
    assert from_api(request, spec_shape("Model")) == spec
    report = ParamValidator().validate({"ModelName": "m", **request}, spec_shape("Model"))
    assert not report.has_errors(), report.generate_report()


def test_to_api_accepts_frozen_values_and_returns_plain_ones() -> None:
    request = to_api(freeze(MODEL_DOC["spec"]), spec_shape("Model"))
    assert request == to_api(MODEL_DOC["spec"], spec_shape("Model"))
    assert type(request["VpcConfig"]["Subnets"]) is list
    assert type(request["PrimaryContainer"]["Environment"]) is dict


def test_unknown_keys_raise_key_error_with_a_path() -> None:
    spec = _with(ENDPOINT_DOC, (*VARIANT, "instanceTyp"), "ml.m5.large")["spec"]
    with pytest.raises(KeyError) as caught:
        to_api(spec, spec_shape("Endpoint"))
    error = caught.value
    assert isinstance(error, UnknownFieldError)
    assert error.path == ("productionVariants", 0, "instanceTyp")
    assert error.shape_name == "ProductionVariant"
    assert "productionVariants[0].instanceTyp" in str(error)
    with pytest.raises(KeyError):
        to_api({"ExecutionRoleArn": ROLE}, spec_shape("Model"))  # API casing is not spec casing
    with pytest.raises(KeyError):
        to_api(ENDPOINT_DOC["spec"], spec_shape("Endpoint"))  # deploymentConfig is the caller's
    with pytest.raises(KeyError):
        from_api({"executionRoleArn": ROLE}, spec_shape("Model"))
    with pytest.raises(TypeError):
        to_api({"vpcConfig": ["sg-1"]}, spec_shape("Model"))


def test_from_api_can_read_a_describe_response_through_the_create_shape() -> None:
    described = {
        "ModelName": "churn-xgb-0123abcd",
        "ModelArn": "arn:aws:sagemaker:us-east-1:123456789012:model/churn-xgb-0123abcd",
        "CreationTime": "2024-01-01T00:00:00Z",
        "ExecutionRoleArn": ROLE,
        "PrimaryContainer": {"Image": "img", "Mode": "SingleModel", "Environment": {"A_B": "1"}},
    }
    assert from_api(described, spec_shape("Model"), drop_unknown=True) == {
        "modelName": "churn-xgb-0123abcd",
        "executionRoleArn": ROLE,
        "primaryContainer": {"image": "img", "mode": "SingleModel", "environment": {"A_B": "1"}},
    }
