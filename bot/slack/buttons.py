"""The buttons under a Slack answer and the "what was wrong" modal, as Block Kit, with no client.

A button keeps all its state in itself: its ``action_id`` says what it does and its
``value`` is the answer's id in the question log, so a click is understood by any
process, after any restart. The modal carries the answer's id (and where to confirm)
in its ``private_metadata``, for the same reason.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.core import wording
from bot.core.reply import Reply

__all__ = [
    "ACTIONS_BLOCK",
    "MORE",
    "REASON_BLOCK",
    "REASON_INPUT",
    "SHARE",
    "VOTE_DOWN",
    "VOTE_UP",
    "WRONG_VIEW",
    "ModalOrigin",
    "answer_buttons",
    "origin_of",
    "reason_of",
    "wrong_modal",
]

ACTIONS_BLOCK = "citebot_actions"
MORE = "citebot_more"
VOTE_UP = "citebot_vote_up"
VOTE_DOWN = "citebot_vote_down"
SHARE = "citebot_share"
WRONG_VIEW = "citebot_wrong"
REASON_BLOCK = "citebot_reason"
REASON_INPUT = "reason"
REASON_CHARS = 200  # what the question log keeps of a reason (bot.db.schema.REASON_LEN)

Block = dict[str, Any]


def _button(label: str, action_id: str, answer_id: str, *, hint: str | None = None) -> Block:
    button: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": label, "emoji": True},
        "action_id": action_id,
        "value": answer_id,
    }
    if hint:
        button["accessibility_label"] = hint
    return button


def answer_buttons(reply: Reply, *, share: bool = False) -> list[Block]:
    """The actions block under an answer: More sources, 👍, 👎 and (on a private answer) Share.

    Args:
        reply: The answer; without an ``answer_id`` (nothing logged) it gets no buttons.
        share: Offer "Share in channel" (a private ``/ask`` answer that is not an abstention).

    Returns:
        One ``actions`` block, or none.
    """
    answer_id = reply.answer_id
    if answer_id is None:
        return []
    elements = []
    if reply.more:
        elements.append(_button(wording.MORE_SOURCES, MORE, answer_id))
    elements.append(_button("👍", VOTE_UP, answer_id, hint=wording.HELPFUL))
    elements.append(_button("👎", VOTE_DOWN, answer_id, hint=wording.NOT_HELPFUL))
    if share and not reply.abstained:
        elements.append(_button(wording.SHARE, SHARE, answer_id))
    return [{"type": "actions", "block_id": ACTIONS_BLOCK, "elements": elements}]


@dataclass(frozen=True)
class ModalOrigin:
    """Where a button was clicked (kept in the 👎's modal), so the clicker can be told there.

    ``response_url`` is the click's (Slack takes it for 30 minutes); it never leaves the app
    (``private_metadata``). Under a private answer (``private``) the bot can reach the clicker only
    through it; under a public one it is the way left where Slack refuses the bot
    ``chat.postEphemeral`` (a channel it is not in, where an answer was shared or a public ``/ask``).
    """

    answer_id: str
    channel: str | None = None
    thread_ts: str | None = None
    response_url: str | None = None
    private: bool = True


def wrong_modal(origin: ModalOrigin) -> dict[str, Any]:
    """The modal a 👎 opens: one optional line on what was wrong."""
    return {
        "type": "modal",
        "callback_id": WRONG_VIEW,
        "private_metadata": json.dumps(
            {
                "a": origin.answer_id,
                "c": origin.channel,
                "t": origin.thread_ts,
                "r": origin.response_url,
                "p": origin.private,
            }
        ),
        "title": {"type": "plain_text", "text": wording.WRONG_TITLE},
        "submit": {"type": "plain_text", "text": wording.WRONG_SUBMIT},
        "close": {"type": "plain_text", "text": wording.WRONG_CLOSE},
        "blocks": [
            {
                "type": "input",
                "block_id": REASON_BLOCK,
                "optional": True,
                "label": {"type": "plain_text", "text": wording.WRONG_LABEL},
                "element": {
                    "type": "plain_text_input",
                    "action_id": REASON_INPUT,
                    "multiline": False,
                    "max_length": REASON_CHARS,
                },
            }
        ],
    }


def origin_of(view: dict[str, Any]) -> ModalOrigin | None:
    """The answer (and place) a submitted modal is about; None when its metadata is not ours."""
    try:
        meta = json.loads(view.get("private_metadata") or "")
        answer_id = meta["a"]
    except (ValueError, TypeError, KeyError):
        return None
    if not isinstance(answer_id, str) or not answer_id:
        return None

    def text(key: str) -> str | None:
        value = meta.get(key)
        return value if isinstance(value, str) and value else None

    private = meta.get("p")  # a modal opened before "p" was kept: its url was kept under a private answer only
    return ModalOrigin(answer_id, text("c"), text("t"), text("r"), private if isinstance(private, bool) else True)


def reason_of(view: dict[str, Any]) -> str:
    """The line typed in the modal, or ``""`` when it was left blank."""
    values = ((view.get("state") or {}).get("values") or {}).get(REASON_BLOCK) or {}
    value = (values.get(REASON_INPUT) or {}).get("value")
    return value if isinstance(value, str) else ""
