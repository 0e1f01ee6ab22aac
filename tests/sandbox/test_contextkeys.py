"""Context keys as a learner types them: a global key's value must be one AWS could send.

AWS sets the global keys itself, each with its type (reference_policies_condition-keys.html):
an answer about aws:SourceIp = 999.1.1.1 is about a request that cannot happen.
"""

from __future__ import annotations

import pytest

from iamlab.sandbox.contextkeys import parse_context

PAGE = "reference_policies_condition-keys.html"


@pytest.mark.parametrize(
    ("line", "context"),
    [
        # (the line typed, the context it gives) — each a value AWS sends (PAGE)
        ("aws:SourceIp = 203.0.113.7", {"aws:SourceIp": "203.0.113.7"}),
        ("aws:SourceIp = 2001:db8::1", {"aws:SourceIp": "2001:db8::1"}),
        ("aws:VpcSourceIp = 10.0.0.5", {"aws:VpcSourceIp": "10.0.0.5"}),
        ("aws:MultiFactorAuthPresent = true", {"aws:MultiFactorAuthPresent": "true"}),
        ("aws:SecureTransport = False", {"aws:SecureTransport": "False"}),
        ("aws:MultiFactorAuthAge = 3600", {"aws:MultiFactorAuthAge": "3600"}),
        ("aws:CurrentTime = 2026-01-15T12:00:00Z", {"aws:CurrentTime": "2026-01-15T12:00:00Z"}),
        ("aws:EpochTime = 1768478400", {"aws:EpochTime": "1768478400"}),
        ("aws:TokenIssueTime = 2026-01-15", {"aws:TokenIssueTime": "2026-01-15"}),
        ("aws:username = anything goes", {"aws:username": "anything goes"}),
        ("aws:PrincipalTag/team = 42", {"aws:PrincipalTag/team": "42"}),
        ("aws:TagKeys = [a, b]", {"aws:TagKeys": ["a", "b"]}),
        # A service key comes from the request's parameters: taken as typed.
        ("s3:max-keys = many", {"s3:max-keys": "many"}),
    ],
)
def test_a_value_aws_could_send_is_taken(line, context):
    assert parse_context(line) == (context, [])


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "aws:SourceIp = 999.1.1.1",
            '"999.1.1.1" is not a value of aws:SourceIp, which AWS sets to an IP address',
        ),
        ("aws:sourceip = 203.0.113.0/24", '"203.0.113.0/24" is not a value of aws:sourceip'),
        (
            "aws:MultiFactorAuthPresent = yes",
            '"yes" is not a value of aws:MultiFactorAuthPresent, which AWS sets to true or false',
        ),
        ("aws:MultiFactorAuthAge = 1h", "which AWS sets to a number, such as 3600"),
        ("aws:CurrentTime = tomorrow", "which AWS sets to a date and time"),
    ],
)
def test_a_global_value_aws_never_sends_is_refused_with_its_line(line, message):
    context, errors = parse_context("aws:username = alice\n" + line)
    assert context == {"aws:username": "alice"}
    assert len(errors) == 1
    assert errors[0].startswith("line 2: ")
    assert message in errors[0]
