"""Policy documents in canonical form: what AWS rewrites (statement order, one-element lists, account-id
principals, key order, whitespace) compares equal; what differs in meaning does not."""

from __future__ import annotations

import json

from reconciler.diff.iam import canonical_policy, policy_text

GIT = {"Version": "2012-10-17", "Statement": [
    {"Sid": "b", "Effect": "Allow", "Principal": {"AWS": "210987654321"}, "Action": "events:PutEvents",
     "Resource": "arn:aws:events:us-east-1:123456789012:event-bus/ml"},
    {"Sid": "a", "Effect": "Allow", "Principal": "*", "Action": ["events:PutEvents", "events:PutRule"],
     "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}}]}

AWS = {"Statement": [
    {"Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalOrgID": ["o-abc"]}}, "Sid": "a",
     "Action": ["events:PutRule", "events:PutEvents", "events:PutRule"], "Principal": "*", "Effect": "Allow"},
    {"Sid": "b", "Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::210987654321:root"]},
     "Action": ["events:PutEvents"], "Resource": ["arn:aws:events:us-east-1:123456789012:event-bus/ml"]}],
    "Version": "2012-10-17"}


def test_what_aws_rewrites_compares_equal() -> None:
    assert canonical_policy(GIT) == canonical_policy(json.dumps(AWS, indent=4))
    assert policy_text(GIT) == policy_text(AWS)


def test_a_different_meaning_differs() -> None:
    other = json.loads(json.dumps(GIT))
    other["Statement"][0]["Principal"] = {"AWS": "*"}  # any principal of AWS type, not the account
    assert canonical_policy(other) != canonical_policy(GIT)
    other = json.loads(json.dumps(GIT))
    other["Statement"][1]["Effect"] = "Deny"
    assert canonical_policy(other) != canonical_policy(GIT)


def test_what_is_not_a_policy_stays_itself() -> None:
    assert canonical_policy("not json") == "not json"
    assert canonical_policy([1, 2]) == [1, 2]
    assert canonical_policy({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "a:b"}}) == {
        "Version": "2012-10-17", "Statement": [{"Action": ["a:b"], "Effect": "Allow"}]}
