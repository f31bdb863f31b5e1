"""The fakes keep to what they stand for.

The one fake retriever keeps the real one's shape: both match the ``Retrieving`` Protocol,
signature for signature. The fake Discord tells one test's traffic from another's.

``isinstance`` against a runtime-checkable Protocol only checks that the names exist, so a
fake that dropped a keyword or changed a default would still pass it; these tests compare
each member's parameters (names, kinds, defaults and annotations as written).
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from aiohttp.test_utils import make_mocked_request

from bot.core.service import Retrieving
from index.query import Retriever
from tests.fake_discord import FakeDiscord, Interaction, Sent
from tests.fakes import FakeRetriever

IMPLEMENTATIONS = (FakeRetriever, Retriever)


def protocol_members() -> list[str]:
    """The public names the Protocol declares (methods and properties)."""
    return sorted(
        name
        for name, value in vars(Retrieving).items()
        if not name.startswith("_") and (inspect.isfunction(value) or isinstance(value, property))
    )


def shape(cls: type, name: str) -> tuple[str, list[tuple[str, Any, Any, Any]], Any]:
    """What a member looks like to a caller: property or method, its parameters, its return annotation."""
    member = inspect.getattr_static(cls, name)
    kind = "property" if isinstance(member, property) else type(member).__name__
    function = member.fget if isinstance(member, property) else member
    signature = inspect.signature(function)
    parameters = [(p.name, p.kind, p.default, p.annotation) for p in signature.parameters.values()]
    return kind, parameters, signature.return_annotation


def test_the_protocol_declares_what_the_service_calls() -> None:
    """The members compared below are the ones AnswerService uses (so the comparison is not vacuous)."""
    assert protocol_members() == ["ask_many", "hits_at", "info", "quote_topics", "quotes"]


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS, ids=lambda cls: cls.__name__)
@pytest.mark.parametrize("name", protocol_members())
def test_member_matches_the_protocol(implementation: type, name: str) -> None:
    """Each Protocol member exists on the implementation with the same kind, parameters, defaults and annotations."""
    assert shape(implementation, name) == shape(Retrieving, name)


def test_the_fake_passes_the_runtime_check() -> None:
    """The runtime check agrees on a fake (the real Retriever needs a built index for an instance)."""
    assert isinstance(FakeRetriever(), Retrieving)


def test_the_fakes_extra_methods_match_the_real_ones() -> None:
    """A public method the fake shares with the real Retriever beyond the Protocol (``ask``, and ``encode``, which
    the report's grouping calls) has its signature too."""
    shared = sorted(
        name
        for name in dir(FakeRetriever)
        if not name.startswith("_") and name not in protocol_members() and hasattr(Retriever, name)
    )
    assert shared == ["ask", "encode"]
    for name in shared:
        assert shape(FakeRetriever, name) == shape(Retriever, name), name


def test_fake_discord_traffic_is_only_the_watching_tests_own() -> None:
    """A watch sees replies and refusals for the messages and interactions pushed after it began, nothing older."""
    fake = FakeDiscord()
    try:
        fake.dispatched_messages[1] = 0.0  # an earlier test's message
        traffic = fake.watch()
        fake.dispatched_messages[2] = 0.0
        fake.interactions[3] = Interaction(3, "itoken-3", "ask", 0.0)
        fake.sent += [Sent("message", 0.0, {}, reply_to=n) for n in (1, 2)]
        fake.sent.append(Sent("followup", 0.0, {}, interaction_id=3))
        for path, payload in [
            ("/api/v10/channels/9/messages", {"message_reference": {"message_id": "1"}}),  # late, for test 1
            ("/api/v10/channels/9/messages", {"message_reference": {"message_id": "2"}}),
            ("/api/v10/interactions/3/itoken-3/callback", {}),
            ("/api/v10/webhooks/1/itoken-3", {}),
            ("/api/v10/users/@me", {}),  # names no message: counts for whoever is watching
        ]:
            fake._reject(make_mocked_request("POST", path), 400, {"code": 0}, payload)
        assert (traffic.messages, traffic.interactions) == ({2}, {3})
        assert [(s.reply_to, s.interaction_id) for s in traffic.sent()] == [(2, None), (None, 3)]
        assert [(r.reply_to, r.interaction_id, r.path) for r in traffic.rejected()] == [
            (2, None, "/api/v10/channels/9/messages"),
            (None, 3, "/api/v10/interactions/3/itoken-3/callback"),
            (None, 3, "/api/v10/webhooks/1/itoken-3"),
            (None, None, "/api/v10/users/@me"),
        ]
    finally:
        fake.stop()
