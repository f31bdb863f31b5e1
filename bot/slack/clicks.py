"""The listeners of the buttons under an answer, and of the "what was wrong" modal.

Every listener acks first, then does the work through :class:`bot.core.actions.Actions`
(which reads the question log), then tells the person who clicked, privately: in the
thread with ``chat.postEphemeral`` under a public answer; through the click's
``response_url`` under a private ``/ask`` answer (Slack only lets the bot post in
channels it was invited to, and ``/ask`` works anywhere). What a button posts for all
to see (Share) names the asker in plain text, so nobody is pinged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.core import wording
from bot.core.asker import Asker
from bot.core.reply import MoreReply, Notice, NoticeKind
from bot.slack.buttons import (
    MORE,
    SHARE,
    VOTE_DOWN,
    VOTE_UP,
    WRONG_VIEW,
    ModalOrigin,
    origin_of,
    reason_of,
    wrong_modal,
)
from bot.slack.format import format_answer_slack, format_more_slack, format_notice_slack
from bot.slack.guard import guarded
from bot.slack.respond import checked, post_to

if TYPE_CHECKING:
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    from bot.core.actions import Actions

log = logging.getLogger(__name__)

__all__ = ["Click", "listen_to_buttons", "slack_asker"]

_GONE = Notice(NoticeKind.GONE, wording.ANSWER_GONE)


def slack_asker(team: str | None, user: str | None, channel: str | None) -> Asker:
    """Who asks or clicks. Slack user ids are unique within a workspace only: the team is part of who."""
    return Asker("slack", f"{team}:{user}", team, channel)


@dataclass(frozen=True)
class Click:
    """A click on a button under an answer, and where that answer is."""

    answer_id: str
    user: str
    team: str | None
    name: str
    channel: str | None
    thread_ts: str | None
    private: bool  # under an ephemeral message: reachable through response_url only
    response_url: str | None

    @classmethod
    def of(cls, body: dict[str, Any], action: dict[str, Any]) -> Click:
        person = body.get("user") or {}
        container = body.get("container") or {}
        message = body.get("message") or {}
        return cls(
            answer_id=str(action.get("value") or ""),
            user=str(person.get("id") or ""),
            team=person.get("team_id") or (body.get("team") or {}).get("id"),
            name=str(person.get("name") or person.get("username") or person.get("id") or ""),
            channel=container.get("channel_id") or (body.get("channel") or {}).get("id"),
            thread_ts=container.get("thread_ts") or message.get("thread_ts"),
            private=bool(container.get("is_ephemeral")),
            response_url=body.get("response_url"),
        )

    @property
    def asker(self) -> Asker:
        return slack_asker(self.team, self.user, self.channel)

    def origin(self) -> ModalOrigin:
        return ModalOrigin(self.answer_id, self.channel, self.thread_ts, self.response_url, self.private)


# What Slack answers chat.postEphemeral where the bot is not a member (a public channel; a private one or a DM).
_NOT_THERE = frozenset({"not_in_channel", "channel_not_found"})


async def tell(client: AsyncWebClient, where: ModalOrigin, user: str, text: str, blocks: list[Any]) -> None:
    """Say something to ``user`` alone, next to the answer ``where`` points at: in its thread, or through the
    click's ``response_url`` under a private answer or where the bot is not a member."""
    from slack_sdk.errors import SlackApiError

    privately = {"text": text, "blocks": blocks, "response_type": "ephemeral", "replace_original": False}
    if where.channel and not (where.private and where.response_url):
        try:
            await client.chat_postEphemeral(
                channel=where.channel, user=user, thread_ts=where.thread_ts, text=text, blocks=blocks
            )
            return
        except SlackApiError as error:
            if not (where.response_url and error.response.get("error") in _NOT_THERE):
                raise
    if where.response_url:
        await post_to(where.response_url, **privately)


async def _notify(client: AsyncWebClient, click: Click, notice: Notice) -> None:
    text, blocks = format_notice_slack(notice.text)
    await tell(client, click.origin(), click.user, text, blocks)


def listen_to_buttons(app: AsyncApp, actions: Actions | None) -> None:
    """Register the buttons' and the modal's listeners; without ``actions`` (no database) every click is told the answer is gone."""
    _listen_to_more_and_share(app, actions)
    _listen_to_votes(app, actions)


def _listen_to_more_and_share(app: AsyncApp, actions: Actions | None) -> None:
    @app.action(MORE)
    @guarded
    async def on_more(ack: Any, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        """More sources: the next passages, to the clicker alone."""
        await ack()
        click = Click.of(body, action)
        result = await actions.more(click.answer_id) if actions else _GONE
        if isinstance(result, MoreReply):
            text, blocks = format_more_slack(result)
            await tell(client, click.origin(), click.user, text, blocks)
        else:
            await _notify(client, click, result)

    @app.action(SHARE)
    @guarded
    async def on_share(
        ack: Any, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient, respond: Any
    ) -> None:
        """Share in channel: the private answer again, for everyone, with who asked it (by name, no ping)."""
        await ack()
        click = Click.of(body, action)
        result = await actions.share(click.answer_id, click.name) if actions else _GONE
        if isinstance(result, Notice):
            await _notify(client, click, result)
            return
        question = result.answer.question if result.answer is not None else None
        text, blocks = format_answer_slack(result, question=question)
        try:
            await checked(respond)(text=text, blocks=blocks, response_type="in_channel", replace_original=False)
        except Exception:  # not posted: a later click may share it (the guard apologises for this one)
            if actions is not None:
                await actions.unshare(click.answer_id)
            raise


def _listen_to_votes(app: AsyncApp, actions: Actions | None) -> None:
    @app.action(VOTE_UP)
    @guarded
    async def on_vote_up(ack: Any, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        """👍: one vote per person per answer; a second click changes it."""
        await ack()
        click = Click.of(body, action)
        await _notify(client, click, await actions.vote(click.answer_id, click.asker, up=True) if actions else _GONE)

    @app.action(VOTE_DOWN)
    @guarded
    async def on_vote_down(ack: Any, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        """👎: the vote, and a modal asking (optionally) what was wrong."""
        await ack()
        click = Click.of(body, action)
        if actions is not None and body.get("trigger_id"):
            try:  # first: the trigger expires 3 s after the click
                await client.views_open(trigger_id=body["trigger_id"], view=wrong_modal(click.origin()))
            except Exception as error:  # the vote counts without its note
                log.warning("Could not open the Slack feedback form: %s", type(error).__name__)
        await _notify(client, click, await actions.vote(click.answer_id, click.asker, up=False) if actions else _GONE)

    @app.view(WRONG_VIEW)
    @guarded
    async def on_wrong(ack: Any, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient) -> None:
        """The modal's line on what was wrong, kept with the 👎."""
        await ack()
        origin = origin_of(view)
        person = body.get("user") or {}
        if origin is None or actions is None:
            return
        voter = slack_asker(
            person.get("team_id") or (body.get("team") or {}).get("id"), person.get("id"), origin.channel
        )
        reason = reason_of(view)
        notice = await actions.explain(origin.answer_id, voter, reason)
        if reason.strip() or notice.kind is not NoticeKind.DONE:
            text, blocks = format_notice_slack(notice.text)
            try:
                await tell(client, origin, str(person.get("id")), text, blocks)
            except Exception as error:  # the modal has closed already: the confirmation is a courtesy
                log.warning("Could not confirm a Slack feedback note: %s", type(error).__name__)
