"""The real `python -m bot slack` process in HTTP mode, with the real index, against a fake Slack.

One bot process serves the module (its start-up loads the model); each test uses channels,
users and response URLs of its own and looks only at its own traffic, so the tests pass
in any order. The test that stops a bot starts its own.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.core.wording import ABSTENTION
from bot.slack.buttons import MORE
from bot.slack.threads import MAX_CALLS
from tests import databases
from tests.fake_slack import (
    BOT_TOKEN,
    BOT_USER,
    FORM,
    FakeSlack,
    click_body,
    command_body,
    event_body,
    mention_event,
    signed_post,
)
from tests.prebuilt import Prebuilt

ROOT = Path(__file__).resolve().parents[2]
ARTICLE = ROOT / "seeds" / "000_a7265f2ac828b9b1.txt"
SECRET = "e2e-signing-secret"
QUESTION = "Why did IBM quit facial recognition?"
CITATION = re.compile(r"\[1\] [^,]+, ¶\d+")
START_TIMEOUT = 120.0

pytestmark = [pytest.mark.model, pytest.mark.process]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Running:
    url: str
    slack: FakeSlack
    process: subprocess.Popen[bytes]
    log: Path
    env: dict[str, str]
    health_file: Path

    def post(self, body: str, **kwargs: Any) -> tuple[int, str, float]:
        kwargs.setdefault("secret", SECRET)
        return signed_post(self.url, body, **kwargs)

    def stop(self) -> int:
        """SIGTERM, then the exit status (killing the process if it does not stop in 20 s)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise


def _wait_listening(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"python -m bot slack exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    process.kill()
    process.wait()
    pytest.fail(f"python -m bot slack did not listen within {START_TIMEOUT:.0f} s:\n{log.read_text()[-3000:]}")


@contextlib.contextmanager
def slack_bot(home: Path, *, database: Path | None = None, **env: str) -> Iterator[Running]:
    """``python -m bot slack`` over the IBM article, against a fake Slack of its own; stopped on exit.

    Args:
        home: A temporary folder for the seeds, index, health file and log.
        database: A migrated SQLite database to start on (a copy, in ``home/data``), as at a restart;
            None: the bot makes and migrates a new one.
        env: Settings to add or override, e.g. another process's ``INDEX_DIR`` to reuse its index.
    """
    seeds = home / "seeds"
    seeds.mkdir()
    shutil.copy(ARTICLE, seeds / ARTICLE.name)
    if database is not None:
        databases.sqlite_copy(database, home / "data")  # DATA_DIR's default, under the bot's working folder
    port = _free_port()
    log = home / "bot.log"
    health_file = home / "health"
    with FakeSlack() as slack:
        settings = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
        settings |= {
            "PYTHONPATH": str(ROOT),
            "SEEDS_DIR": str(seeds),
            "INDEX_DIR": str(home / "index"),
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_BASE": slack.api_base,
            "SLACK_PORT": str(port),
            "HEALTH_FILE": str(health_file),
            "RATE_LIMIT_COUNT": "100",
            "LOG_LEVEL": "INFO",
            **env,
        }
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "bot", "slack"], cwd=home, env=settings, stdout=out, stderr=out
            )
        running = Running(f"http://127.0.0.1:{port}/slack/events", slack, process, log, settings, health_file)
        try:
            _wait_listening(process, port, log)
            yield running
        finally:
            running.stop()


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory, prebuilt: Prebuilt) -> Iterator[Running]:
    """One bot process for the module (the model loads once); tests tell their traffic apart by channel and user.
    It starts on the new database it makes and migrates; the bots of single tests start on a migrated copy."""
    home = tmp_path_factory.mktemp("slack-e2e")
    index = prebuilt.copy(home / "built", ARTICLE)[1]  # the run's article index: the bot starts without building
    with slack_bot(home, INDEX_DIR=str(index)) as bot:
        yield bot


def marker(running: Running, channel: str, user: str) -> None:
    """Ask one more question in ``channel`` and wait for its answer.

    Slack events reach the bot in order, so once this answer is in, an answer to anything
    sent before it (that should not have been answered) would have been posted already.
    """
    running.post(event_body(mention_event(QUESTION, channel=channel, user=user, ts="999.9"), event_id=f"Ev{channel}"))
    running.slack.wait_for("chat.postMessage", channel=channel, thread_ts="999.9")


def test_index_is_loaded_before_serving(running: Running) -> None:
    """The bot checks its token with auth.test and is already answering, on uvloop, when its port opens."""
    assert running.slack.of("auth.test")
    assert running.process.poll() is None
    assert "Event loop: uvloop" in running.log.read_text()  # EVENT_LOOP's default; these tests run on it


def test_mention_gets_one_threaded_answer_with_a_citation(running: Running) -> None:
    """A mention is answered once, in its thread, with the answering sentence in bold and a citation."""
    status, _, _ = running.post(
        event_body(mention_event(QUESTION, channel="CM1", user="UM1", ts="100.1"), event_id="EvM1")
    )
    assert status == 200
    [post] = running.slack.wait_for("chat.postMessage", channel="CM1")
    assert post.payload["thread_ts"] == "100.1"
    blocks = post.payload["blocks"]
    assert re.search(r"\*[^*]*facial recognition[^*]*\*", blocks[0]["text"]["text"])
    assert CITATION.search(json.dumps(blocks, ensure_ascii=False))
    assert post.payload["text"] != ABSTENTION
    marker(running, "CM1", "UM1")
    assert len(running.slack.of("chat.postMessage", channel="CM1", thread_ts="100.1")) == 1


def test_ask_acks_within_three_seconds_and_responds(running: Running) -> None:
    """/ask gets an empty 200 in Slack's 3 s (or the fake gives up), then an ephemeral answer with a citation."""
    status, body, _ = running.post(
        command_body("/ask", QUESTION, running.slack.response_url("ask1"), user="UA1"), content_type=FORM
    )
    assert (status, body) == (200, "")
    [reply] = running.slack.wait_for("respond", key="ask1")
    assert reply.payload["response_type"] == "ephemeral"
    assert CITATION.search(json.dumps(reply.payload["blocks"], ensure_ascii=False))


def test_question_the_article_cannot_answer_abstains(running: Running) -> None:
    """/ask about sourdough gets the abstention wording, not a passage."""
    running.post(
        command_body("/ask", "How do I bake sourdough bread?", running.slack.response_url("ask2"), user="UA2"),
        content_type=FORM,
    )
    [reply] = running.slack.wait_for("respond", key="ask2")
    assert ABSTENTION in reply.payload["text"]
    assert not CITATION.search(json.dumps(reply.payload, ensure_ascii=False))


def test_quote_responds_with_a_quotation_and_its_speaker(running: Running) -> None:
    """/quote facial recognition answers with a verbatim quotation, its speaker and citation."""
    running.post(
        command_body("/quote", "facial recognition", running.slack.response_url("quote1"), user="UQ1"),
        content_type=FORM,
    )
    [reply] = running.slack.wait_for("respond", key="quote1")
    shown = json.dumps(reply.payload["blocks"], ensure_ascii=False)
    assert "Arvind Krishna" in shown
    assert CITATION.search(shown)


def test_bad_signature_gets_401_and_no_answer(running: Running) -> None:
    """A wrongly signed mention is refused with 401 and never answered."""
    status, _, _ = running.post(
        event_body(mention_event(QUESTION, channel="CBAD", user="UB1", ts="200.1"), event_id="EvBad"),
        secret="not-the-secret",
    )
    assert status == 401
    marker(running, "CBAD", "UB1")
    assert running.slack.of("chat.postMessage", channel="CBAD", thread_ts="200.1") == []


def test_retried_event_is_answered_once(running: Running) -> None:
    """Slack's redelivery of an event (same event_id, X-Slack-Retry-Num) gets one answer in all: a
    503 while the first delivery's answer is under way (Slack tries again later), a 200 once it is
    done (tests/slack/test_once.py tells the two apart)."""
    body = event_body(mention_event(QUESTION, channel="CR1", user="UR1", ts="300.1"), event_id="EvRetry")
    assert running.post(body)[0] == 200
    retried = running.post(body, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert retried[0] in (200, 503)
    # The answer itself is awaited (questions answered in one batch may be posted in any order); the
    # marker then stands for a second answer, which would have come with it.
    running.slack.wait_for("chat.postMessage", channel="CR1", thread_ts="300.1")
    marker(running, "CR1", "UR1")
    assert len(running.slack.of("chat.postMessage", channel="CR1", thread_ts="300.1")) == 1


def test_channel_broadcast_is_never_sent(running: Running) -> None:
    """`<!channel>` in a question is not in the reply, neither as markup nor as a live @channel."""
    running.post(event_body(mention_event(f"<!channel> {QUESTION}", channel="CE1", user="UE1"), event_id="EvEsc"))
    [post] = running.slack.wait_for("chat.postMessage", channel="CE1")
    dumped = json.dumps(post.payload, ensure_ascii=False)
    assert "<!channel>" not in dumped
    assert not re.search(r"@(channel|here|everyone)\b", dumped)


def wait_for_log(path: Path, line: re.Pattern[str], timeout: float = 10.0) -> str:
    """The log once ``line`` is in it (the line is written after the answer is delivered)."""
    deadline = time.monotonic() + timeout
    while not line.search(text := path.read_text()):
        if time.monotonic() > deadline:
            raise AssertionError(f"no line {line.pattern!r} in the log:\n{text}")
        time.sleep(0.02)
    return text


def question_line(channel: str) -> re.Pattern[str]:
    return re.compile(rf"question platform=slack via=event guild=T0001 channel={channel} outcome=\w+ latency_ms=\d+")


def test_log_has_one_line_per_question_without_text_or_token(running: Running) -> None:
    """Each question logs channel, latency and abstention; the question and the tokens never appear."""
    running.post(
        event_body(mention_event("Why did IBM write to Congress zebra?", channel="CL1", user="UL1"), event_id="EvLog")
    )
    running.slack.wait_for("chat.postMessage", channel="CL1")
    marker(running, "CL2", "UL1")  # its line comes after any second line for CL1
    log = wait_for_log(running.log, question_line("CL2"))
    assert len(question_line("CL1").findall(log)) == 1
    assert "zebra" not in log
    assert BOT_TOKEN not in log
    assert SECRET not in log


def test_health_command_sees_the_running_bot(running: Running) -> None:
    """While the bot runs, `python -m bot health` finds its health file fresh and exits 0."""
    done = subprocess.run(
        [sys.executable, "-m", "bot", "health"],
        cwd=running.log.parent,
        env=running.env,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_sigterm_stops_cleanly_and_removes_the_health_file(
    running: Running, tmp_path: Path, sqlite_template: Path
) -> None:
    """A bot of its own (on the module's index) answers, then exits 0 on SIGTERM, its health file gone, its log clean."""
    index = {"INDEX_DIR": running.env["INDEX_DIR"]}  # built by the module's bot: no second build
    with slack_bot(tmp_path, database=sqlite_template, **index) as bot:
        bot.post(event_body(mention_event("Why did IBM quit zebra?", channel="CS1", user="US1"), event_id="EvS1"))
        bot.slack.wait_for("chat.postMessage", channel="CS1")
        assert bot.health_file.exists()
        status = bot.stop()
    log = bot.log.read_text()
    assert status == 0, log[-3000:]
    assert not bot.health_file.exists()
    assert len(question_line("CS1").findall(log)) == 1
    assert "zebra" not in log and BOT_TOKEN not in log and SECRET not in log
    assert "Traceback" not in log


def test_a_follow_up_in_the_thread_is_answered_with_the_real_model(running: Running) -> None:
    """A reply in the bot's thread, without a mention, is answered there from the article (read back, logged as a follow-up)."""
    root = running.slack.said(f"<@{BOT_USER}> Who is Arvind Krishna?", channel="CF1")
    running.post(event_body({**root, "type": "app_mention"}, event_id="EvF1"))
    running.slack.wait_for("chat.postMessage", channel="CF1", thread_ts=root["ts"])
    follow_up = running.slack.said("Why did his company quit facial recognition?", channel="CF1", thread_ts=root["ts"])
    assert running.post(event_body(follow_up, event_id="EvF2"))[0] == 200
    [_, answer] = running.slack.wait_for("chat.postMessage", 2, channel="CF1", thread_ts=root["ts"])
    blocks = json.dumps(answer.payload["blocks"], ensure_ascii=False)
    assert CITATION.search(blocks)
    assert re.search(r"\*[^*]*facial recognition[^*]*\*", blocks)
    [read] = running.slack.of("conversations.replies", channel="CF1")
    assert read.payload["ts"] == root["ts"]
    wait_for_log(
        running.log, re.compile(r"question platform=slack via=thread guild=T0001 channel=CF1 outcome=answered")
    )


def test_more_sources_works_with_the_real_index_and_database(running: Running) -> None:
    """Under a threaded answer, More sources shows passages [4] to [6] to the clicker alone."""
    running.post(event_body(mention_event(QUESTION, channel="CB1", ts="200.1"), event_id="EvB1"))
    [answer] = running.slack.wait_for("chat.postMessage", channel="CB1")
    assert running.post(click_body(answer, MORE, channel="CB1"), content_type=FORM)[0] == 200
    [more] = running.slack.wait_for("chat.postEphemeral", channel="CB1")
    shown = json.dumps(more.payload["blocks"], ensure_ascii=False)
    assert re.search(r"\[4\] [^,]+, ¶\d+", shown)
    assert "[1]" not in shown
    assert more.payload["thread_ts"] == "200.1"


def test_a_follow_up_in_a_thread_of_1500_messages_is_answered_with_its_tail(running: Running) -> None:
    """A reply in a thread of 1,500 messages the bot answered at its start is a follow-up, its thread read
    (first page and tail) within the calls' budget, and not asked without history."""
    root = running.slack.said(f"<@{BOT_USER}> Who is Arvind Krishna?", channel="CF2", user="UF2")
    running.post(event_body({**root, "type": "app_mention"}, event_id="EvF21"))
    running.slack.wait_for("chat.postMessage", channel="CF2", thread_ts=root["ts"])
    for n in range(1500):
        running.slack.pass_time(60)
        running.slack.said(f"remark {n}", channel="CF2", thread_ts=root["ts"], user="UF2")
    follow_up = running.slack.said("Why did his company quit facial recognition?", channel="CF2", thread_ts=root["ts"])
    assert running.post(event_body(follow_up, event_id="EvF22"))[0] == 200
    running.slack.wait_for("chat.postMessage", 2, channel="CF2", thread_ts=root["ts"])
    log = wait_for_log(
        running.log, re.compile(r"question platform=slack via=thread guild=T0001 channel=CF2 outcome=\w+")
    )
    assert "asked without history" not in log  # logged, when it is, before the question's line
    reads = running.slack.of("conversations.replies", channel="CF2")
    assert 2 <= len(reads) <= MAX_CALLS
