"""The fake Discord refuses what Discord refuses, for threads, history, clicks and dialogs (no bot needed)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from tests.fake_discord import (
    BOT_ID,
    CREATE_PUBLIC_THREADS,
    GENERAL_ID,
    PUBLIC_THREAD,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
    SEND_MESSAGES_IN_THREADS,
    THREAD_STARTER_MESSAGE,
    TOKEN,
    FakeDiscord,
    check_components,
    check_modal,
)


def call(fake: FakeDiscord, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    """One REST call as the bot makes it; the status and the decoded body."""
    request = urllib.request.Request(
        fake.api_base + path,
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers={"Authorization": f"Bot {TOKEN}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_a_thread_on_a_message_has_its_id_and_starts_with_a_pointer_to_it(fake: FakeDiscord) -> None:
    """The thread takes the message's id, the bot as owner, the channel as parent; its first message (type 21)
    refers to the message, which reading the history returns with it."""
    mid = fake.add_history(GENERAL_ID, [("Who is IBM's CEO?", 7)])[0]
    status, thread = call(fake, "POST", f"/channels/{GENERAL_ID}/messages/{mid}/threads", {"name": "Who is IBM's CEO?"})
    assert status == 200
    assert (thread["id"], thread["type"], thread["owner_id"]) == (str(mid), PUBLIC_THREAD, str(BOT_ID))
    assert thread["parent_id"] == str(GENERAL_ID)
    status, page = call(fake, "GET", f"/channels/{mid}/messages?limit=50")
    assert status == 200 and [m["type"] for m in page] == [THREAD_STARTER_MESSAGE]
    assert page[0]["referenced_message"]["content"] == "Who is IBM's CEO?"
    assert call(fake, "GET", f"/channels/{GENERAL_ID}/messages/{mid}")[1]["id"] == str(mid)


def test_threads_are_refused_as_discord_refuses_them(fake: FakeDiscord) -> None:
    """A name over 100 characters, a second thread on one message, a thread on a thread: each refused."""
    mid = fake.add_history(GENERAL_ID, [("Why?", 7)])[0]
    path = f"/channels/{GENERAL_ID}/messages/{mid}/threads"
    assert call(fake, "POST", path, {"name": "x" * 101})[0] == 400
    assert call(fake, "POST", path, {"name": "Why?"})[0] == 200
    status, error = call(fake, "POST", path, {"name": "Why?"})
    assert (status, error["code"]) == (400, 160004)
    inner = fake.add_history(mid, [("And?", 7)])[0]
    status, error = call(fake, "POST", f"/channels/{mid}/messages/{inner}/threads", {"name": "And?"})
    assert (status, error["code"]) == (400, 50024)


def test_permissions_taken_away_in_a_channel_are_refused_there_alone(fake: FakeDiscord) -> None:
    """Without Create Public Threads a thread on a message in the channel is refused; without Send Messages in
    Threads a post in one of its threads is, but not one in the channel itself; other channels are untouched."""
    denied = fake.add_channel("no-threads")
    fake.deny(denied, CREATE_PUBLIC_THREADS)
    mid = fake.add_history(denied, [("Why?", 7)])[0]
    status, error = call(fake, "POST", f"/channels/{denied}/messages/{mid}/threads", {"name": "Why?"})
    assert (status, error["code"]) == (403, 50013)
    mute = fake.add_channel("mute-in-threads")
    fake.deny(mute, SEND_MESSAGES_IN_THREADS)
    mid = fake.add_history(mute, [("Why?", 7)])[0]
    assert call(fake, "POST", f"/channels/{mute}/messages/{mid}/threads", {"name": "Why?"})[0] == 200
    status, error = call(fake, "POST", f"/channels/{mid}/messages", {"content": "Because."})
    assert (status, error["code"]) == (403, 50013)
    assert call(fake, "POST", f"/channels/{mute}/messages", {"content": "Because."})[0] == 200
    other = fake.add_history(GENERAL_ID, [("Why?", 7)])[0]
    assert call(fake, "POST", f"/channels/{GENERAL_ID}/messages/{other}/threads", {"name": "Why?"})[0] == 200
    assert call(fake, "POST", f"/channels/{other}/messages", {"content": "Because."})[0] == 200


def test_without_send_messages_a_post_in_the_channel_is_refused_but_not_in_its_threads(fake: FakeDiscord) -> None:
    """Without Send Messages a message in the channel is refused (403, 50013); a thread on a message there and
    a post in it are not (that is Send Messages in Threads), nor is a post in another channel."""
    mute = fake.add_channel("no-send")
    fake.deny(mute, SEND_MESSAGES)
    status, error = call(fake, "POST", f"/channels/{mute}/messages", {"content": "Because."})
    assert (status, error["code"]) == (403, 50013)
    mid = fake.add_history(mute, [("Why?", 7)])[0]
    assert call(fake, "POST", f"/channels/{mute}/messages/{mid}/threads", {"name": "Why?"})[0] == 200
    assert call(fake, "POST", f"/channels/{mid}/messages", {"content": "Because."})[0] == 200
    assert call(fake, "POST", f"/channels/{GENERAL_ID}/messages", {"content": "Because."})[0] == 200


def test_without_read_message_history_replies_are_refused_and_no_message_is_given(fake: FakeDiscord) -> None:
    """Without Read Message History a reply in the channel or its threads is refused (400, 160002), a message
    is not given (403) and a page of history is empty; a plain message is posted; other channels are untouched."""
    blind = fake.add_channel("no-history")
    fake.deny(blind, READ_MESSAGE_HISTORY)
    mid = fake.add_history(blind, [("Why?", 7)])[0]
    reply = {"content": "Because.", "message_reference": {"message_id": str(mid)}}
    status, error = call(fake, "POST", f"/channels/{blind}/messages", reply)
    assert (status, error["code"]) == (400, 160002)
    assert call(fake, "POST", f"/channels/{blind}/messages", {"content": "Because."})[0] == 200
    assert call(fake, "GET", f"/channels/{blind}/messages/{mid}")[0] == 403
    assert call(fake, "GET", f"/channels/{blind}/messages?limit=10") == (200, [])
    assert call(fake, "POST", f"/channels/{blind}/messages/{mid}/threads", {"name": "Why?"})[0] == 200
    status, error = call(
        fake, "POST", f"/channels/{mid}/messages", {**reply, "message_reference": {"message_id": str(mid)}}
    )
    assert (status, error["code"]) == (400, 160002)
    other = fake.add_history(GENERAL_ID, [("Why?", 7)])[0]
    assert (
        call(
            fake, "POST", f"/channels/{GENERAL_ID}/messages", {**reply, "message_reference": {"message_id": str(other)}}
        )[0]
        == 200
    )


def test_history_pages_newest_first_before_a_message_within_1_to_100(fake: FakeDiscord) -> None:
    """GET messages returns at most ``limit``, newest first, older than ``before``; a limit over 100 is refused;
    each page read is recorded."""
    ids = fake.add_history(GENERAL_ID, [(f"m{i}", 7) for i in range(10)])
    status, page = call(fake, "GET", f"/channels/{GENERAL_ID}/messages?limit=3&before={ids[8]}")
    assert status == 200 and [m["content"] for m in page] == ["m7", "m6", "m5"]
    assert call(fake, "GET", f"/channels/{GENERAL_ID}/messages?limit=101")[0] == 400
    assert [(r.limit, r.returned) for r in fake.history_reads] == [(3, 3)]


def test_components_and_dialogs_are_checked_against_discords_limits() -> None:
    """A custom_id over 100 characters or repeated, six buttons in a row; a dialog title over 45 characters."""
    button = {"type": 2, "style": 2, "label": "x", "custom_id": "a"}
    assert check_components([{"type": 1, "components": [button]}]) is None
    assert check_components([{"type": 1, "components": [{**button, "custom_id": "a" * 101}]}]) is not None
    assert check_components([{"type": 1, "components": [button, button]}]) is not None
    assert check_components([{"type": 1, "components": [{**button, "custom_id": str(i)} for i in range(6)]}])
    field = {"type": 4, "custom_id": "reason", "style": 1}
    modal = {"title": "t", "custom_id": "wrong:x", "components": [{"type": 18, "label": "l", "component": field}]}
    assert check_modal(modal) is None
    assert check_modal({**modal, "title": "t" * 46}) is not None
    assert check_modal({**modal, "components": []}) is not None


def test_a_click_may_update_its_message_but_a_command_may_not_and_one_answer_only(fake: FakeDiscord) -> None:
    """Response type 7 edits the clicked message; a second response is refused (40060); type 7 or 9 answering
    something they cannot (a slash command's 7, a dialog's 9) is refused too."""
    rows = [{"type": 1, "components": [{"type": 2, "style": 2, "label": "More", "custom_id": "more:a"}]}]
    mid = fake.add_history(GENERAL_ID, [("answer", None)], components=rows)[0]
    click = fake.click(mid, "more:a")
    token = fake.interactions[click].token
    update = {"type": 7, "data": {"components": []}}
    assert call(fake, "POST", f"/interactions/{click}/{token}/callback", update)[0] == 200
    assert fake.messages[mid]["components"] == []
    status, error = call(fake, "POST", f"/interactions/{click}/{token}/callback", update)
    assert (status, error["code"]) == (400, 40060)

    fake.commands = [{"name": "ask", "id": "1", "options": []}]
    command = fake.send_command("ask")
    assert call(fake, "POST", f"/interactions/{command}/itoken-{command}/callback", update)[0] == 400


def test_a_dialog_submission_echoes_the_fields_with_what_was_typed(fake: FakeDiscord) -> None:
    """A click answered with a dialog (type 9) can be submitted: type 5, the dialog's custom_id, each field's
    value, and the clicked message; it may then close with a deferred update (type 6) but not open another."""
    rows = [{"type": 1, "components": [{"type": 2, "style": 2, "label": "No", "custom_id": "vote:a:down"}]}]
    mid = fake.add_history(GENERAL_ID, [("answer", None)], components=rows)[0]
    click = fake.click(mid, "vote:a:down")
    field = {"type": 4, "custom_id": "reason", "style": 1, "required": False}
    modal = {"title": "Why?", "custom_id": "wrong:a", "components": [{"type": 18, "label": "Why", "component": field}]}
    token = fake.interactions[click].token
    assert call(fake, "POST", f"/interactions/{click}/{token}/callback", {"type": 9, "data": modal})[0] == 200
    submitted = fake.submit_modal(click, {"reason": "wrong paragraph"})
    record = fake.interactions[submitted]
    assert (record.kind, record.name, record.original_id) == (5, "wrong:a", mid)
    assert record.data["components"] == [
        {"type": 18, "component": {"type": 4, "custom_id": "reason", "value": "wrong paragraph"}}
    ]
    again = {"type": 9, "data": modal}
    assert call(fake, "POST", f"/interactions/{submitted}/{record.token}/callback", again)[0] == 400
    assert call(fake, "POST", f"/interactions/{submitted}/{record.token}/callback", {"type": 6})[0] == 200
