"""The Crowdgraph-Signature header: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">."""

from __future__ import annotations

import hashlib
import hmac

from crowdgraph.webhooks.signing import sign, verify_signature

SECRET = "whsec_test"
BODY = b'{"id":1,"name":"core.project.created"}'
T = 1_767_600_000


def test_the_signature_is_the_hmac_of_the_timestamp_and_the_body():
    expected = hmac.new(SECRET.encode(), f"{T}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert sign(SECRET, BODY, T) == f"t={T},v1={expected}"


def test_a_signature_verifies_only_with_its_secret_and_its_body():
    header = sign(SECRET, BODY, T)
    assert verify_signature(SECRET, header, BODY, now=T)
    assert not verify_signature("whsec_other", header, BODY, now=T)
    assert not verify_signature(SECRET, header, BODY + b" ", now=T)


def test_a_signature_older_or_newer_than_the_tolerance_is_refused():
    header = sign(SECRET, BODY, T)
    assert verify_signature(SECRET, header, BODY, tolerance=300, now=T + 300)
    assert not verify_signature(SECRET, header, BODY, tolerance=300, now=T + 301)
    assert not verify_signature(SECRET, header, BODY, tolerance=300, now=T - 301)


def test_a_malformed_header_is_refused():
    good = sign(SECRET, BODY, T)
    for header in ["", "v1=abc", f"t={T}", "t=soon,v1=abc", good.replace("v1=", "v0=")]:
        assert not verify_signature(SECRET, header, BODY, now=T), header


def test_any_of_several_signatures_may_match():
    header = sign(SECRET, BODY, T) + ",v1=" + "0" * 64
    assert verify_signature(SECRET, header, BODY, now=T)
