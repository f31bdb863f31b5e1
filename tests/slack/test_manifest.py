"""slack-manifest.yml holds what the bot needs: scopes, events, slash commands, Socket Mode."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "slack-manifest.yml").read_text(encoding="utf-8"))


MESSAGE_EVENTS = {"message.channels", "message.groups", "message.im", "message.mpim"}


def test_manifest_has_the_bot_scopes(manifest: dict[str, Any]) -> None:
    """The bot token can read mentions and messages, write replies and receive commands."""
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"app_mentions:read", "channels:history", "chat:write", "commands"} <= scopes


def test_manifest_subscribes_to_the_events_the_listeners_handle(manifest: dict[str, Any]) -> None:
    """app_mention and every kind of message event are subscribed: follow-ups come in threads anywhere."""
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == {"app_mention", *MESSAGE_EVENTS}


def test_the_admin_check_has_its_scopes(manifest: dict[str, Any]) -> None:
    """/citebot asks users.info (users:read) and usergroups.users.list (usergroups:read) who may use it."""
    assert {"users:read", "usergroups:read"} <= set(manifest["oauth_config"]["scopes"]["bot"])


def test_a_late_outcome_can_open_a_direct_message(manifest: dict[str, Any]) -> None:
    """A queued source change's outcome, told after its response_url expired, is a direct message:
    conversations.open needs im:write."""
    assert "im:write" in manifest["oauth_config"]["scopes"]["bot"]


def test_every_message_event_has_its_history_scope(manifest: dict[str, Any]) -> None:
    """message.X needs X:history, which also lets the bot read a thread back (conversations.replies)."""
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {f"{event.removeprefix('message.')}:history" for event in MESSAGE_EVENTS} <= scopes


def test_manifest_enables_the_buttons_and_direct_messages(manifest: dict[str, Any]) -> None:
    """Interactivity is on (the buttons and the modal), and people can write to the bot directly."""
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True
    assert manifest["features"]["app_home"]["messages_tab_read_only_enabled"] is False


def test_manifest_declares_ask_quote_and_citebot_with_descriptions(manifest: dict[str, Any]) -> None:
    """The three slash commands are declared, each with a description and a usage hint."""
    commands = {c["command"]: c for c in manifest["features"]["slash_commands"]}
    assert set(commands) == {"/ask", "/quote", "/citebot"}
    assert all(c["description"] and c["usage_hint"] for c in commands.values())


def test_manifest_enables_socket_mode_and_a_bot_user(manifest: dict[str, Any]) -> None:
    """As pasted, the app runs in Socket Mode with a bot user named citebot."""
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["features"]["bot_user"]["display_name"] == "citebot"


def test_docs_point_at_the_manifest_and_every_setting() -> None:
    """docs/slack.md links the manifest and names every Slack setting."""
    docs = (ROOT / "docs" / "slack.md").read_text(encoding="utf-8")
    assert "slack-manifest.yml" in docs
    for name in (
        "SLACK_BOT_TOKEN",
        "SLACK_APP_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_PORT",
        "SLACK_CHANNELS",
        "SLACK_ASK_EPHEMERAL",
        "ADMIN_USER_GROUP",
    ):
        assert f"`{name}`" in docs


def test_citebot_help_names_every_slash_command_and_how_to_ask(manifest: dict[str, Any]) -> None:
    """`/citebot help`, Slack's only help, names each slash command of the manifest, mentions and follow-ups, as
    docs/slack.md does; it named /citebot's subcommands alone, not how to ask at all."""
    from bot.core import wording

    for command in manifest["features"]["slash_commands"]:
        assert f"`{command['command']}" in wording.SLACK_HELP, command["command"]
    assert "Mention me" in wording.SLACK_HELP and "follow-up questions need no mention" in wording.SLACK_HELP
