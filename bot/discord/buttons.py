"""The buttons under an answer: More sources, 👍 / 👎 (with a one-line note), Share in channel.

A button keeps its state in its ``custom_id`` (``more:<answer id>``, ``vote:<answer id>:up``,
``share:<answer id>``), not in memory: each kind is a :class:`discord.ui.DynamicItem`,
registered once in ``CiteBot.setup_hook``, so a click is understood from its id alone, in
any process and after any restart. What a click does is :class:`bot.core.actions.Actions`'
work, read back from the question log; an answer the log no longer holds, or one from an
index rebuilt since, gets the polite notice Actions returns.

The 👎 dialog is not kept in memory either: its ``custom_id`` is ``wrong:<answer id>``, and
:func:`on_modal_submit` (called by the client for every modal submission) reads it back.

Nothing a button posts pings anyone: ``allowed_mentions`` is none on the client.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import discord

from bot.core import wording
from bot.core.reply import MoreReply, Notice, NoticeKind, Reply
from bot.discord.cogs import asker_of, tell_privately
from bot.discord.format import format_answer_discord, format_more_discord, format_notice_discord

if TYPE_CHECKING:
    from bot.core.actions import Actions

log = logging.getLogger(__name__)

MAX_CUSTOM_ID = 100  # Discord's limit on a component's custom_id
REASON_CHARS = 200  # the question log keeps a note of 200 characters (bot.db.schema.REASON_LEN)
ANSWER_ID = r"(?P<answer>[A-Za-z0-9_-]{1,64})"  # the log's ids are 11 URL-safe characters
WRONG = re.compile(rf"wrong:{ANSWER_ID}")
REASON_FIELD = "reason"
UP, DOWN = "\N{THUMBS UP SIGN}", "\N{THUMBS DOWN SIGN}"


@dataclass(frozen=True)
class ButtonSpec:
    """One button as shown: its label or emoji, and its custom_id."""

    label: str
    custom_id: str
    emoji: bool = False


def _custom_id(*parts: str) -> str:
    custom_id = ":".join(parts)
    if len(custom_id) > MAX_CUSTOM_ID:
        raise ValueError(f"a custom_id is at most {MAX_CUSTOM_ID} characters: {custom_id[:40]}...")
    return custom_id


def buttons_for(reply: Reply, *, share: bool = False) -> list[ButtonSpec]:
    """The buttons an answer gets: none unless the question log holds it (``answer_id``).

    Args:
        reply: The answer.
        share: Whether it is a private ``/ask`` answer, which can be shared in the channel.
    """
    answer_id = reply.answer_id
    if answer_id is None:
        return []
    specs = [ButtonSpec(wording.MORE_SOURCES, _custom_id("more", answer_id))] if reply.more else []
    specs += [ButtonSpec(UP, _custom_id("vote", answer_id, "up"), True)]
    specs += [ButtonSpec(DOWN, _custom_id("vote", answer_id, "down"), True)]
    if share and not reply.abstained:
        specs.append(ButtonSpec(wording.SHARE, _custom_id("share", answer_id)))
    return specs


def _button(spec: ButtonSpec) -> discord.ui.Button[Any]:
    if spec.emoji:
        return discord.ui.Button(emoji=spec.label, style=discord.ButtonStyle.secondary, custom_id=spec.custom_id)
    return discord.ui.Button(label=spec.label, style=discord.ButtonStyle.secondary, custom_id=spec.custom_id)


def view_of(specs: Iterable[ButtonSpec]) -> discord.ui.View | None:
    """A view that never times out, holding the buttons; None for none."""
    items = [_dynamic(spec) for spec in specs]
    if not items:
        return None
    view = discord.ui.View(timeout=None)
    for item in items:
        view.add_item(item)
    return view


def answer_view(reply: Reply, *, share: bool = False) -> discord.ui.View | None:
    """The buttons under an answer, as a view (see :func:`buttons_for`); None when it gets none."""
    return view_of(buttons_for(reply, share=share))


class MoreSources(discord.ui.DynamicItem[discord.ui.Button[Any]], template=rf"more:{ANSWER_ID}"):
    """Shows the clicker, alone, the passages after those the answer cited."""

    def __init__(self, spec: ButtonSpec) -> None:
        super().__init__(_button(spec))
        self.answer_id = spec.custom_id.split(":")[1]

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> MoreSources:
        return cls(ButtonSpec(wording.MORE_SOURCES, _custom_id("more", match["answer"])))

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        await _guarded(interaction, show_more(interaction, self.answer_id))


class Vote(discord.ui.DynamicItem[discord.ui.Button[Any]], template=rf"vote:{ANSWER_ID}:(?P<way>up|down)"):
    """Counts the clicker's vote on the answer (a second click changes it); 👎 then asks what was wrong."""

    def __init__(self, spec: ButtonSpec) -> None:
        super().__init__(_button(spec))
        _, self.answer_id, way = spec.custom_id.split(":")
        self.up = way == "up"

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> Vote:
        up = match["way"] == "up"
        return cls(ButtonSpec(UP if up else DOWN, _custom_id("vote", match["answer"], match["way"]), True))

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        await _guarded(interaction, vote(interaction, self.answer_id, up=self.up))


class Share(discord.ui.DynamicItem[discord.ui.Button[Any]], template=rf"share:{ANSWER_ID}"):
    """Posts a private answer in the channel, with who asked it."""

    def __init__(self, spec: ButtonSpec) -> None:
        super().__init__(_button(spec))
        self.answer_id = spec.custom_id.split(":")[1]

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> Share:
        return cls(ButtonSpec(wording.SHARE, _custom_id("share", match["answer"])))

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        await _guarded(interaction, share(interaction, self.answer_id))


DYNAMIC_ITEMS = (MoreSources, Vote, Share)


def _dynamic(spec: ButtonSpec) -> discord.ui.Item[Any]:
    kind = spec.custom_id.split(":")[0]
    return {"more": MoreSources, "vote": Vote, "share": Share}[kind](spec)


def _actions(interaction: discord.Interaction) -> Actions | None:
    return getattr(interaction.client, "actions", None)


_GONE = Notice(NoticeKind.GONE, wording.ANSWER_GONE)  # without a database, no answer is held


async def show_more(interaction: discord.Interaction, answer_id: str) -> None:
    """More sources: the next passages, numbered on, to the clicker alone."""
    actions = _actions(interaction)
    await interaction.response.defer(ephemeral=True, thinking=True)  # reading the log and the index takes a moment
    result = await actions.more(answer_id) if actions is not None else _GONE
    content = format_more_discord(result) if isinstance(result, MoreReply) else format_notice_discord(result)
    await interaction.followup.send(content, ephemeral=True)


async def vote(interaction: discord.Interaction, answer_id: str, *, up: bool) -> None:
    """👍 / 👎: the vote is counted at once; 👎 then opens the one-line "what was wrong" dialog."""
    actions = _actions(interaction)
    notice = await actions.vote(answer_id, asker_of(interaction), up=up) if actions is not None else _GONE
    if not up and notice.kind is NoticeKind.DONE:
        await interaction.response.send_modal(wrong_dialog(answer_id))
    else:
        await interaction.response.send_message(format_notice_discord(notice), ephemeral=True)


async def share(interaction: discord.Interaction, answer_id: str) -> None:
    """Share in channel: the Share button leaves the private answer, which is posted for everyone."""
    actions = _actions(interaction)
    shown = _specs_on(interaction.message)
    kept = [s for s in shown if not s.custom_id.startswith("share:")]
    await interaction.response.edit_message(view=view_of(kept))  # acknowledges, and no second share
    result = await actions.share(answer_id, interaction.user.mention) if actions is not None else _GONE
    if isinstance(result, Reply):
        try:
            await interaction.followup.send(format_answer_discord(result), **_with_view(answer_view(result)))
        except Exception:  # not posted: Share comes back for a later click (the guard apologises for this one)
            if actions is not None:
                await actions.unshare(answer_id)
            with contextlib.suppress(discord.HTTPException):
                await interaction.edit_original_response(view=view_of(shown))
            raise
    else:
        await interaction.followup.send(format_notice_discord(result), ephemeral=True)


def _with_view(view: discord.ui.View | None) -> dict[str, Any]:
    return {"view": view} if view is not None else {}


def _specs_on(message: discord.Message | None) -> list[ButtonSpec]:
    """The buttons of ours on a message, read back from its components."""
    specs = []
    for row in message.components if message is not None else []:
        for child in getattr(row, "children", []):
            custom_id = getattr(child, "custom_id", None) or ""
            if any(kind.__discord_ui_compiled_template__.fullmatch(custom_id) for kind in DYNAMIC_ITEMS):
                emoji = getattr(child, "emoji", None)
                specs.append(ButtonSpec(str(emoji) if emoji else child.label or "", custom_id, emoji is not None))
    return specs


def wrong_dialog(answer_id: str) -> discord.ui.Modal:
    """The 👎 dialog: one optional line, at most :data:`REASON_CHARS` characters.

    It is stopped before it is sent, so discord.py keeps nothing of it in memory: the
    submission is handled from its custom_id by :func:`on_modal_submit`.
    """
    dialog = discord.ui.Modal(title=wording.VOTE_DOWN_TITLE, custom_id=_custom_id("wrong", answer_id), timeout=None)
    field = discord.ui.TextInput(
        custom_id=REASON_FIELD, style=discord.TextStyle.short, required=False, max_length=REASON_CHARS
    )
    dialog.add_item(discord.ui.Label(text=wording.WRONG_LABEL, description=wording.WRONG_HINT, component=field))
    dialog.stop()
    return dialog


def submitted_value(components: Iterable[dict[str, Any]], custom_id: str) -> str:
    """The value of the field ``custom_id`` in a modal submission, in a label (type 18) or an action row (type 1)."""
    for component in components:
        inner = [component["component"]] if "component" in component else component.get("components", [])
        for field in inner:
            if field.get("custom_id") == custom_id:
                return str(field.get("value") or "")
    return ""


async def on_modal_submit(interaction: discord.Interaction) -> None:
    """Keep the note of a 👎 dialog with the vote; a blank note just closes the dialog (the vote stands)."""
    data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
    match = WRONG.fullmatch(str(data.get("custom_id", "")))
    if match is None:
        return
    answer_id = match["answer"]
    reason = " ".join(submitted_value(data.get("components", []), REASON_FIELD).split())

    async def keep() -> None:
        if not reason:
            await interaction.response.defer()
            return
        actions = _actions(interaction)
        notice = await actions.explain(answer_id, asker_of(interaction), reason) if actions else _GONE
        await interaction.response.send_message(format_notice_discord(notice), ephemeral=True)

    await _guarded(interaction, keep())


async def _guarded(interaction: discord.Interaction, work: Awaitable[None]) -> None:
    """Run a click's work; a failure is logged, and apologised for to the clicker when still possible."""
    try:
        await work
    except discord.NotFound as error:  # the 3 seconds ran out, or the message is gone
        log.warning("A button's answer was refused: %s %s", error.status, error.code)
    except Exception:
        log.exception("A button failed")
        try:
            await tell_privately(interaction, wording.APOLOGY)
        except discord.HTTPException as error:
            log.warning("Could not apologise for a button: %s", error.status)
