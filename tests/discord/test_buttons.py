"""The buttons under an answer, without a client: which an answer gets, their ids, the 👎 dialog."""

from __future__ import annotations

import dataclasses
import re

import discord
import pytest

from bot.core import wording
from bot.core.reply import Reply, reply_for_answer
from bot.db.schema import REASON_LEN
from bot.discord.buttons import (
    DYNAMIC_ITEMS,
    MAX_CUSTOM_ID,
    REASON_CHARS,
    ButtonSpec,
    answer_view,
    buttons_for,
    submitted_value,
    wrong_dialog,
)
from tests.fake_discord import check_components, check_modal
from tests.fakes import FakeRetriever

ANSWER_ID = "Ab3_-xYz09Q"  # as the question log makes them: 11 URL-safe characters


def answer(question: str = "Why did IBM quit?", *, answer_id: str | None = ANSWER_ID) -> Reply:
    reply = reply_for_answer(FakeRetriever().ask(question, 6), 3)
    return dataclasses.replace(reply, answer_id=answer_id)


def test_an_answer_the_log_does_not_hold_gets_no_buttons() -> None:
    """Without an answer id (no database, or the log failed) there is nothing for a button to carry."""
    assert buttons_for(answer(answer_id=None), share=True) == []


def test_buttons_carry_the_answer_id_in_their_custom_id() -> None:
    """More sources (when there are more), 👍 and 👎, and Share only on a private answer, in that order."""
    ids = [spec.custom_id for spec in buttons_for(answer(), share=True)]
    assert ids == [f"more:{ANSWER_ID}", f"vote:{ANSWER_ID}:up", f"vote:{ANSWER_ID}:down", f"share:{ANSWER_ID}"]
    assert [s.custom_id for s in buttons_for(answer())] == ids[:3]
    no_more = dataclasses.replace(answer(), more=False)
    assert [s.custom_id for s in buttons_for(no_more)] == ids[1:3]


def test_an_abstention_can_be_voted_on_but_not_shared() -> None:
    """An abstention keeps 👍/👎 (a useful signal) but neither More sources nor Share."""
    ids = [s.custom_id for s in buttons_for(answer("sourdough?"), share=True)]
    assert ids == [f"vote:{ANSWER_ID}:up", f"vote:{ANSWER_ID}:down"]


def test_a_custom_id_over_100_characters_is_refused() -> None:
    """Discord's limit is checked when the button is made, not when Discord refuses the message."""
    with pytest.raises(ValueError, match="at most 100"):
        buttons_for(answer(answer_id="x" * 95))


async def test_the_view_is_persistent_and_each_button_is_understood_from_its_id_alone() -> None:
    """The view never times out; every button is a dynamic item whose template matches its own custom_id, and
    rebuilding it from that id gives the same button (what a restarted bot does on a click)."""
    view = answer_view(answer(), share=True)
    assert view is not None and view.timeout is None and view.is_persistent()
    assert check_components(view.to_components()) is None
    for item in view.children:
        assert isinstance(item, DYNAMIC_ITEMS)
        custom_id = item.custom_id
        assert len(custom_id) <= MAX_CUSTOM_ID
        match = item.__discord_ui_compiled_template__.fullmatch(custom_id)
        assert match is not None
        again = await type(item).from_custom_id(None, item.item, match)  # type: ignore[arg-type]
        assert again.item.to_component_dict() == item.item.to_component_dict()


def test_only_our_ids_match_the_templates() -> None:
    """Another bot's or a malformed id is not taken for ours."""
    for custom_id in ("more:", "vote:abc:sideways", "share:a b", "more:abc:extra", "wrong:abc", "x" * 100):
        assert not any(kind.__discord_ui_compiled_template__.fullmatch(custom_id) for kind in DYNAMIC_ITEMS)


async def test_the_thumbs_down_dialog_asks_one_optional_line_and_is_not_kept_in_memory() -> None:
    """Title and label within Discord's 45 characters, one optional short field of the log's 200 characters;
    stopped before it is sent, so nothing of it stays in memory (its submission is read from its custom_id)."""
    dialog = wrong_dialog(ANSWER_ID)
    payload = dialog.to_dict()
    assert check_modal(payload) is None
    assert payload["custom_id"] == f"wrong:{ANSWER_ID}" and payload["title"] == wording.VOTE_DOWN_TITLE
    (label,) = payload["components"]
    assert label["type"] == 18 and label["label"] == wording.WRONG_LABEL
    field = label["component"]
    assert (field["style"], field["required"], field["max_length"]) == (1, False, REASON_CHARS)
    assert REASON_CHARS == REASON_LEN
    assert dialog.is_finished()


def test_a_submitted_note_is_read_from_a_label_or_an_action_row() -> None:
    """Discord sends a field back inside its label (type 18) or, for older dialogs, its action row (type 1)."""
    in_label = [{"type": 18, "component": {"type": 4, "custom_id": "reason", "value": "wrong paragraph"}}]
    in_row = [{"type": 1, "components": [{"type": 4, "custom_id": "reason", "value": "old style"}]}]
    assert submitted_value(in_label, "reason") == "wrong paragraph"
    assert submitted_value(in_row, "reason") == "old style"
    assert submitted_value(in_row, "other") == ""


def test_emoji_buttons_have_no_label_and_text_buttons_say_what_they_do() -> None:
    """👍 and 👎 are emoji; More sources and Share in channel are words from bot.core.wording."""
    by_id = {s.custom_id: s for s in buttons_for(answer(), share=True)}
    assert by_id[f"vote:{ANSWER_ID}:up"] == ButtonSpec("\N{THUMBS UP SIGN}", f"vote:{ANSWER_ID}:up", emoji=True)
    assert by_id[f"vote:{ANSWER_ID}:down"] == ButtonSpec("\N{THUMBS DOWN SIGN}", f"vote:{ANSWER_ID}:down", emoji=True)
    assert by_id[f"more:{ANSWER_ID}"].label == wording.MORE_SOURCES
    assert by_id[f"share:{ANSWER_ID}"].label == wording.SHARE


async def test_a_button_of_ours_is_dispatched_by_the_client_from_its_id_alone() -> None:
    """A client with the dynamic items registered (as setup_hook does) finds a handler for each of our ids."""
    client = discord.Client(intents=discord.Intents.none())
    client.add_dynamic_items(*DYNAMIC_ITEMS)
    store = client._connection._view_store
    for spec in buttons_for(answer(), share=True):
        assert any(re.fullmatch(pattern, spec.custom_id) for pattern in store._dynamic_items)
    await client.close()
