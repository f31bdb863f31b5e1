"""The Slack bot's listeners: mentions, channel messages, follow-ups in threads, ``/ask`` and ``/quote``.

Answers ``app_mention`` events, messages in ``SLACK_CHANNELS`` and direct messages in a
thread; a reply in a thread the bot answered is a follow-up, asked with the thread's
earlier questions (:mod:`bot.slack.threads`). The ``/ask`` and ``/quote`` slash commands
are answered through their ``response_url`` (ephemeral unless ``SLACK_ASK_EPHEMERAL=false``).
The buttons under an answer are :mod:`bot.slack.clicks`. Every listener acks first,
then answers through the shared pipeline (:class:`bot.core.pipeline.Pipeline`);
:mod:`bot.slack.format` draws the Block Kit; each request is acted on once
(:mod:`bot.slack.once`). Connecting, serving and checking signatures is
:mod:`bot.slack.serve`'s job.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from bot.core.channels import ChannelRule, ChannelRules, default_rule
from bot.core.reply import Notice, NoticeKind, QuoteReply, Reply
from bot.slack.admin import SlackAdmins, listen_to_admin
from bot.slack.clicks import listen_to_buttons, slack_asker
from bot.slack.format import clean_slack_text, format_answer_slack, format_notice_slack, format_quotes_slack
from bot.slack.guard import apologise, guarded
from bot.slack.once import OnceOnly, answer_each_request_once, or_unmatched
from bot.slack.respond import checked
from bot.slack.threads import (
    SPOKEN,
    Me,
    has_words,
    in_a_thread,
    is_direct,
    is_follow_up,
    is_new_mention,
    mentions,
    read_thread,
)

if TYPE_CHECKING:
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    from bot.core.admin import Admin
    from bot.core.pipeline import Pipeline
    from bot.core.settings import Settings
    from bot.db import Database

log = logging.getLogger(__name__)

__all__ = ["build_app", "is_channel_question"]


def is_channel_question(event: dict[str, Any], channels: frozenset[str], bot_user_id: str | None) -> bool:
    """True for a person's new top-level message in one of ``channels`` that does not mention the
    bot, or any in a direct message with the bot.

    Mentions are answered by the ``app_mention`` listener (but Slack sends none in a direct
    message); a message with a file attached is a question like any other (its words; the file
    is not read), one with no words is not; edits, joins, bot posts and thread replies are not
    questions (a thread reply may be a follow-up: :func:`bot.slack.threads.is_follow_up`).
    """
    direct = is_direct(event)
    return (
        (event.get("channel") in channels or direct)
        and event.get("subtype") in SPOKEN
        and has_words(event)
        and not event.get("bot_id")
        and not in_a_thread(event)
        and bool(event.get("user"))
        and (direct or not mentions(event, bot_user_id))
    )


class _Answers:
    """Adapts Slack's transport to the pipeline: a thread for events, ``respond`` for commands."""

    def __init__(self, pipeline: Pipeline, *, ephemeral: bool = True, rules: ChannelRules | None = None) -> None:
        self.pipeline = pipeline
        self.ephemeral = ephemeral
        self.rules = rules or ChannelRules(None, "slack")

    async def rule(self, team: str | None, channel: str | None, channels: frozenset[str]) -> ChannelRule:
        """The channel's ``/citebot config``, else the settings' behaviour there."""
        default = default_rule(every_message=channel in channels, private=False)
        return default if not channel else await self.rules.rule(team, channel, default)

    async def in_thread(
        self,
        event: dict[str, Any],
        context: Any,
        client: AsyncWebClient,
        *,
        follow_up: bool = False,
        private: bool = False,
    ) -> None:
        """Answer ``event`` in its thread, with the thread's earlier questions when it is a reply.

        A follow-up (a reply without a mention) is answered only in a thread the bot answered.
        ``private`` (the channel's config): the answer is ephemeral, for the asker alone.
        """
        me = Me(context.bot_user_id, context.bot_id)
        channel, ts, user = event["channel"], event.get("thread_ts") or event["ts"], event.get("user")
        history: Sequence[str] = ()
        if in_a_thread(event):
            try:
                thread = await read_thread(client, channel, ts, event["ts"], me)
            except Exception as error:  # a mention is still answered alone; a follow-up cannot be told apart
                log.warning("Could not read a Slack thread back: %s", _describe(error))
                if follow_up:
                    return
            else:
                if follow_up and not thread.answered:
                    return  # people talking among themselves
                history = thread.history

        async def deliver(result: Reply | Notice) -> None:
            if isinstance(result, Notice):
                if result.kind is NoticeKind.RATE_LIMITED and result.repeated:
                    return  # told once this window, privately: no more
                text, blocks = format_notice_slack(result.text)
                await client.chat_postEphemeral(channel=channel, user=user, thread_ts=ts, text=text, blocks=blocks)
                return
            text, blocks = format_answer_slack(result)
            if private:
                await client.chat_postEphemeral(channel=channel, user=user, thread_ts=ts, text=text, blocks=blocks)
                return
            await client.chat_postMessage(
                channel=channel, thread_ts=ts, text=text, blocks=blocks, unfurl_links=False, unfurl_media=False
            )

        question = clean_slack_text(event.get("text") or "", drop_user=me.user_id)
        asker = slack_asker(context.team_id, user, channel)
        await self.pipeline.handle(asker, question, history, via="thread" if follow_up else "event", deliver=deliver)

    async def by_command(self, kind: str, command: dict[str, Any], respond: Any) -> None:
        """Answer a slash command at its ``response_url``; a notice is always ephemeral."""
        respond = checked(respond)  # a refused (expired, invalid) response is undelivered, not answered
        text = clean_slack_text(command.get("text") or "")
        asker = slack_asker(command.get("team_id"), command.get("user_id"), command.get("channel_id"))
        rule = await self.rule(command.get("team_id"), command.get("channel_id"), frozenset())
        ephemeral = rule.private if rule.configured else self.ephemeral
        response_type = "ephemeral" if ephemeral else "in_channel"

        async def deliver(result: Reply | QuoteReply | Notice) -> None:
            if isinstance(result, Notice):
                shown, blocks = format_notice_slack(result.text)
                await respond(text=shown, blocks=blocks, response_type="ephemeral")
                return
            if isinstance(result, QuoteReply):
                shown, blocks = format_quotes_slack(result, topic=text)
            else:
                shown, blocks = format_answer_slack(result, question=text, share=ephemeral)
            await respond(text=shown, blocks=blocks, response_type=response_type)

        if kind == "quote":
            await self.pipeline.quote(asker, text, via="/quote", deliver=deliver)
        else:
            await self.pipeline.handle(asker, text, via="/ask", deliver=deliver)


def _describe(error: BaseException) -> str:
    data = getattr(getattr(error, "response", None), "data", None)  # a SlackApiError's answer
    reason = data.get("error") if isinstance(data, dict) else None
    return f"{type(error).__name__} ({reason})" if reason else type(error).__name__


class _TokenFromClient(logging.Filter):
    """Drops bolt's warning that SLACK_BOT_TOKEN in the environment is unused: the client carries it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def _bolt_logger() -> logging.Logger:
    logger = logging.getLogger("slack_bolt.citebot")
    if not any(isinstance(f, _TokenFromClient) for f in logger.filters):
        logger.addFilter(_TokenFromClient())
    return logger


def build_app(
    settings: Settings,
    pipeline: Pipeline,
    *,
    client: AsyncWebClient,
    db: Database | None = None,
    admin: Admin | None = None,
    once: OnceOnly | None = None,
    reload: Callable[[], Awaitable[object]] | None = None,
) -> AsyncApp:
    """The bolt app with every listener registered; serving it (and checking signatures) is
    :mod:`bot.slack.serve`'s job.

    Args:
        settings: Uses ``SLACK_CHANNELS`` and ``SLACK_ASK_EPHEMERAL``.
        pipeline: Answers the questions (rate limit, service, log line, question log).
        client: The Web API client, with the bot token (and ``base_url`` in tests).
        db: The project's database: the buttons' work, each request acted on once across
            processes, the channels' config. None has no buttons and remembers requests in memory.
        admin: What ``/citebot`` does (tests pass one over a fake library); None: over :mod:`bot.core.library`.
        once: Claims each request (a caller that closes the database afterwards waits on its
            :meth:`OnceOnly.settled` first); None: one over ``db``'s event store.
        reload: Swaps a new index in after ``/citebot sources add`` or ``remove`` (the reloader's ``check``).
    """
    from slack_bolt.async_app import AsyncApp

    from bot.core.actions import Actions
    from bot.core.admin import Admin

    app = AsyncApp(
        name="citebot",
        client=client,
        signing_secret="",
        # Signatures are checked before bolt sees a request (bot.slack.verify): bolt's own check
        # logs every refused body.
        request_verification_enabled=False,
        logger=_bolt_logger(),
        # A request no listener takes reaches the error handler, which ends its claim (OnceOnly.unmatched).
        raise_error_for_unhandled_request=True,
    )
    rules = ChannelRules(db.channels if db is not None else None, "slack")
    answers = _Answers(pipeline, ephemeral=settings.slack_ask_ephemeral, rules=rules)
    once = once or OnceOnly(db.events if db is not None else None)
    answer_each_request_once(app, once)
    _listen_to_events(app, answers, settings.slack_channels)
    _listen_to_commands(app, answers)
    # The retriever is read at each call: a reloaded index swaps it.
    admin = admin or Admin(settings, db, embed=lambda texts: pipeline.service.retriever.encode(texts), reload=reload)  # noqa: PLW0108
    listen_to_admin(app, admin, SlackAdmins(client, settings.admin_user_group), settings.slack_channels)
    listen_to_buttons(app, Actions(pipeline.service, db) if db is not None else None)
    app.error(or_unmatched(once, apologise))
    return app


def _listen_to_events(app: AsyncApp, answers: _Answers, channels: frozenset[str]) -> None:
    @app.event("app_mention")
    @guarded
    async def on_mention(event: dict[str, Any], context: Any, client: AsyncWebClient) -> None:
        """A person's new mention of the bot: the answer in a thread under the question (with the thread's
        questions), unless the channel is off. Other apps' mentions and edited messages are not answered."""
        if is_direct(event):  # in a direct message, on_message answers every message
            return
        if not is_new_mention(event, Me(context.bot_user_id, context.bot_id)):
            return
        rule = await answers.rule(context.team_id, event.get("channel"), channels)
        if not rule.off:
            await answers.in_thread(event, context, client, private=rule.private)

    @app.event("message")
    @guarded
    async def on_message(event: dict[str, Any], context: Any, client: AsyncWebClient) -> None:
        """A question in SLACK_CHANNELS (or a channel configured to answer every message) or a direct
        message, or a reply in a thread the bot answered; other messages (and those mentioning the bot,
        which on_mention answers) are ignored, and every message of a channel that is off."""
        if event.get("bot_id"):  # a bot's message (this one's answers among them) is never a question
            return
        channel = event.get("channel")
        rule = await answers.rule(context.team_id, channel, channels)
        if rule.off and not is_direct(event):
            return
        here = (channels | {channel}) if rule.every_message else (channels - {channel})
        if is_channel_question(event, here, context.bot_user_id):
            await answers.in_thread(event, context, client, private=rule.private)
        elif is_follow_up(event, Me(context.bot_user_id, context.bot_id)):
            await answers.in_thread(event, context, client, follow_up=True, private=rule.private)


def _listen_to_commands(app: AsyncApp, answers: _Answers) -> None:
    @app.command("/ask")
    @guarded
    async def on_ask(ack: Any, command: dict[str, Any], respond: Any) -> None:
        """/ask QUESTION: the answer with its citations."""
        await ack()
        await answers.by_command("ask", command, respond)

    @app.command("/quote")
    @guarded
    async def on_quote(ack: Any, command: dict[str, Any], respond: Any) -> None:
        """/quote TOPIC: verbatim quotations on the topic, with their speakers."""
        await ack()
        await answers.by_command("quote", command, respond)
