"""The in-process analyzer behind ops.plan, ops.check and ops.mutate: what it computes once is safe to share."""

from __future__ import annotations

from typing import Any, cast

import pytest
from pulumi_policy import ResourceValidationPolicy, proxy

from ops.analysis import _Conversions
from tests.harness import pack, plan, plan_violations


def test_the_pack_has_no_remediation_the_shared_proxies_could_leak_into() -> None:
    from ops.analysis import import_pack

    policies = import_pack().PACK_KWARGS["policies"]
    remediating = [p.name for p in policies if isinstance(p, ResourceValidationPolicy) and p.has_remediation()]
    assert remediating == []


@pytest.mark.parametrize("stack", ["production", "staging"])
def test_no_policy_writes_into_what_it_judges(stack: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Policies share one proxy per message: a write by one would change what the next one sees."""
    writes: list[Any] = []

    def refuse(self: Any, key: Any, value: Any) -> None:
        writes.append(key)
        raise AssertionError(f"a policy wrote {key!r} into the properties it judges")

    monkeypatch.setattr(proxy._DictProxy, "__setitem__", refuse)
    assert pack(stack).analyze(plan(stack).resources) == list(plan_violations(stack)) and writes == []


def test_the_memo_shares_only_what_it_decoded_itself() -> None:
    from google.protobuf import struct_pb2

    conversions = _Conversions()
    message = struct_pb2.Struct()
    message.update({"enabled": True, "rules": [{"cidr": "10.0.0.0/24"}]})
    decoded = conversions.deserialize_properties(conversions.message_to_dict(message))
    again = conversions.deserialize_properties(conversions.message_to_dict(message))
    assert decoded is again
    shared = conversions.unknown_checking_proxy(decoded)
    assert shared is conversions.unknown_checking_proxy(again)
    assert shared["rules"][0]["cidr"] == "10.0.0.0/24"
    # A dict the memo did not hand out is wrapped afresh, as the SDK does.
    foreign = {"enabled": True}
    assert conversions.unknown_checking_proxy(foreign) is not conversions.unknown_checking_proxy(foreign)
    # Past its limit the memo forgets the oldest message and its proxy with it.
    small = _Conversions(limit=1)
    first = small.deserialize_properties(small.message_to_dict(message))
    first_proxy = small.unknown_checking_proxy(first)
    other = struct_pb2.Struct()
    other.update({"enabled": False})
    small.deserialize_properties(small.message_to_dict(other))
    assert small.unknown_checking_proxy(first) is not first_proxy


def test_a_message_is_looked_up_by_identity_only_within_one_request() -> None:
    from google.protobuf import struct_pb2

    conversions = _Conversions()
    message = struct_pb2.Struct()
    message.update({"enabled": True})
    with conversions.installed():
        assert conversions.message_to_dict(message) is conversions.message_to_dict(message)
    message.update({"enabled": False})  # the same object, sent again with other content
    with conversions.installed():
        assert conversions.message_to_dict(message) == {"enabled": False}
    assert conversions.message_to_dict(message) == {"enabled": False}


def test_options_and_providers_are_read_once_per_message_and_request() -> None:
    from ops.analysis import _PerRequest

    reads: list[object] = []

    def read(message: object) -> object:
        reads.append(message)
        return object()

    method = _PerRequest(read)
    first, second = object(), object()
    with method.handling():
        answer = method(first)
        assert method(first) is answer and method(second) is not answer
    assert reads == [first, second]
    with method.handling():  # the next request reads again: nothing carries over
        assert method(first) is not answer
    assert method(first) is not method(first)  # outside a request: read every time, as the SDK does
    assert len(reads) == 5


def test_a_request_bigger_than_the_memo_keeps_all_its_messages_until_it_is_handled() -> None:
    from google.protobuf import struct_pb2

    conversions = _Conversions(limit=2)
    messages = []
    for index in range(5):
        message = struct_pb2.Struct()
        message.update({"index": index})
        messages.append(message)
    with conversions.installed():
        decoded = [conversions.deserialize_properties(conversions.message_to_dict(m)) for m in messages]
        # a stack policy reading every resource again finds each one decoded, none evicted in between
        assert [conversions.deserialize_properties(conversions.message_to_dict(m)) for m in messages] == decoded
        assert all(a is b for a, b in zip(decoded, (conversions.deserialize_properties(
            conversions.message_to_dict(m)) for m in messages), strict=True))
    assert len(conversions._entries) == 2  # trimmed to the limit once the request is answered


def test_resources_by_type_come_from_an_index_that_answers_like_a_scan() -> None:
    from pulumi_policy import PolicyResource

    from lightspeedpay_policies.graph import of_type

    def resource(index: int) -> PolicyResource:
        return PolicyResource(f"pkg:mod:T{index % 3}", {}, f"urn:{index}", f"r{index}",
                              cast(Any, None), None, None, [], {})

    stack = [resource(i) for i in range(40)]  # long enough to be indexed
    for type_ in ("pkg:mod:T0", "pkg:mod:T1", "pkg:mod:T2", "pkg:mod:absent"):
        assert of_type(stack, type_) == [r for r in stack if r.resource_type == type_]  # stack order kept
    answer = of_type(stack, "pkg:mod:T0")
    answer.clear()  # a caller's copy: the index is not touched
    assert len(of_type(stack, "pkg:mod:T0")) == 14
    stack.append(resource(42))  # a list that changed is indexed again
    assert of_type(stack, "pkg:mod:T0")[-1].urn == "urn:42"
    assert of_type(stack[:5], "pkg:mod:T1") == [stack[1], stack[4]]  # short lists are scanned
