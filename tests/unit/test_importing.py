"""The import mechanism on in-memory values: documents imported in one run reference each other by name and
ARN, a second resource under the same document address is refused, and documents render as YAML with their
source and notes."""

from __future__ import annotations

import pytest
import yaml

from reconciler.addressing import Address
from reconciler.imported import ImportContext, ImportedDoc, ImportRefused, matches
from reconciler.importing import render

ARN = "arn:aws:events:us-east-1:123456789012:event-bus/ml"


def _bus(source: str = ARN) -> ImportedDoc:
    return ImportedDoc("EventBus", "ml", {"description": "d"}, owned=[Address("event-bus", "ml")], source=source)


def test_imported_documents_are_referenced_by_name_and_arn() -> None:
    ctx = ImportContext(None, "us-east-1", "123456789012")
    ctx.add(_bus())
    assert ctx.reference("EventBus", "ml") == "${EventBus.ml.name}"
    assert ctx.arn_references({"targets": [{"arn": ARN}, {"arn": "arn:other"}]}) == {
        "targets": [{"arn": "${EventBus.ml.arn}"}, {"arn": "arn:other"}]}
    ctx.add(_bus())  # the same resource again: nothing changes
    assert list(ctx.imported) == ["EventBus/ml"]


def test_a_second_resource_under_one_document_address_is_refused() -> None:
    ctx = ImportContext(None, "us-east-1", "123456789012")
    ctx.add(_bus())
    with pytest.raises(ImportRefused, match=r"EventBus/ml: arn:aws:events:.*event-bus/ml was imported under this "
                                            r"document name already"):
        ctx.add(_bus(source="arn:aws:events:us-east-1:123456789012:event-bus/other/ml"))


def test_the_environment_prefix_is_taken_off_document_names() -> None:
    ctx = ImportContext(None, "us-east-1", "123456789012", name_prefix="stg-")
    assert (ctx.doc_name("stg-churn"), ctx.doc_name("churn"), ctx.doc_name("stg-")) == ("churn", "churn", "stg-")


def test_documents_render_with_their_source_and_notes() -> None:
    doc = ImportedDoc("Pipeline", "train", {"pipelineDescription": "two\nlines", "roleArn": "arn:r"},
                      tags={"team": "ml"}, notes=["first note", "second"], source="arn:aws:sagemaker:p")
    text = render([doc, _bus()])
    assert text.startswith("# Imported from arn:aws:sagemaker:p\n# first note\n# second\napiVersion: reconciler/v1\n")
    assert "pipelineDescription: |-\n    two\n    lines\n" in text
    first, second = list(yaml.safe_load_all(text))
    assert first == {"apiVersion": "reconciler/v1", "kind": "Pipeline", "name": "train", "tags": {"team": "ml"},
                     "spec": {"pipelineDescription": "two\nlines", "roleArn": "arn:r"}}
    assert second["kind"] == "EventBus" and "tags" not in second


def test_filters_are_shell_patterns() -> None:
    assert matches("churn-a", []) and matches("churn-a", ["churn-*"]) and not matches("fraud", ["churn-*", "x?"])
