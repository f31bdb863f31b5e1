"""The real `python -m bot slack` process in HTTP mode, with the real index, against a fake Slack."""

from __future__ import annotations

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
from tests.fake_slack import BOT_TOKEN, FORM, FakeSlack, command_body, event_body, mention_event, signed_post

ROOT = Path(__file__).resolve().parents[2]
ARTICLE = ROOT / "seeds" / "000_a7265f2ac828b9b1.txt"
SECRET = "e2e-signing-secret"
QUESTION = "Why did IBM quit facial recognition?"
CITATION = re.compile(r"\[1\] [^,]+, ¶\d+")
START_TIMEOUT = 120.0


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


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """One bot process for the module (the model loads once); stopped with SIGTERM, which must exit 0."""
    home = tmp_path_factory.mktemp("slack-e2e")
    seeds = home / "seeds"
    seeds.mkdir()
    shutil.copy(ARTICLE, seeds / ARTICLE.name)
    port = _free_port()
    log = home / "bot.log"
    health_file = home / "health"
    with FakeSlack() as slack:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
        env |= {
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
        }
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "bot", "slack"], cwd=home, env=env, stdout=out, stderr=out
            )
        try:
            _wait_listening(process, port, log)
            yield Running(f"http://127.0.0.1:{port}/slack/events", slack, process, log, env, health_file)
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
            try:
                status = process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                raise
        assert status == 0, log.read_text()[-3000:]
        assert not health_file.exists(), "the health file outlived the bot"


def test_index_is_loaded_before_serving(running: Running) -> None:
    """The bot checks its token with auth.test and is already answering when its port opens."""
    assert running.slack.of("auth.test")
    assert running.process.poll() is None


def test_mention_gets_one_threaded_answer_with_a_citation(running: Running) -> None:
    """A mention is answered once, in its thread, with the answering sentence in bold and a citation."""
    status, _, _ = running.post(event_body(mention_event(QUESTION, channel="CM1", ts="100.1"), event_id="EvM1"))
    assert status == 200
    [post] = running.slack.wait_for("chat.postMessage", channel="CM1")
    assert post.payload["thread_ts"] == "100.1"
    blocks = post.payload["blocks"]
    assert re.search(r"\*[^*]*facial recognition[^*]*\*", blocks[0]["text"]["text"])
    assert CITATION.search(json.dumps(blocks, ensure_ascii=False))
    assert post.payload["text"] != ABSTENTION


def test_ask_acks_within_three_seconds_and_responds(running: Running) -> None:
    """/ask gets an empty 200 at once, then an ephemeral answer with a citation at response_url."""
    status, body, seconds = running.post(
        command_body("/ask", QUESTION, running.slack.response_url("ask1")), content_type=FORM
    )
    assert (status, body) == (200, "")
    assert seconds < 3
    [reply] = running.slack.wait_for("respond", key="ask1")
    assert reply.payload["response_type"] == "ephemeral"
    assert CITATION.search(json.dumps(reply.payload["blocks"], ensure_ascii=False))


def test_question_the_article_cannot_answer_abstains(running: Running) -> None:
    """/ask about sourdough gets the abstention wording, not a passage."""
    running.post(
        command_body("/ask", "How do I bake sourdough bread?", running.slack.response_url("ask2")), content_type=FORM
    )
    [reply] = running.slack.wait_for("respond", key="ask2")
    assert ABSTENTION in reply.payload["text"]
    assert not CITATION.search(json.dumps(reply.payload, ensure_ascii=False))


def test_quote_responds_with_a_quotation_and_its_speaker(running: Running) -> None:
    """/quote facial recognition answers with a verbatim quotation, its speaker and citation."""
    running.post(command_body("/quote", "facial recognition", running.slack.response_url("quote1")), content_type=FORM)
    [reply] = running.slack.wait_for("respond", key="quote1")
    shown = json.dumps(reply.payload["blocks"], ensure_ascii=False)
    assert "Arvind Krishna" in shown
    assert CITATION.search(shown)


def test_bad_signature_gets_401_and_no_answer(running: Running) -> None:
    """A wrongly signed mention is refused with 401 and never answered."""
    status, _, _ = running.post(
        event_body(mention_event(QUESTION, channel="CBAD"), event_id="EvBad"), secret="not-the-secret"
    )
    assert status == 401
    time.sleep(1.0)
    assert running.slack.of("chat.postMessage", channel="CBAD") == []


def test_retried_event_is_answered_once(running: Running) -> None:
    """Slack's redelivery of an event (same event_id, X-Slack-Retry-Num) gets one answer in all."""
    body = event_body(mention_event(QUESTION, channel="CR1"), event_id="EvRetry")
    assert running.post(body)[0] == 200
    assert running.post(body, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})[0] == 200
    running.slack.wait_for("chat.postMessage", channel="CR1")
    time.sleep(1.0)
    assert len(running.slack.of("chat.postMessage", channel="CR1")) == 1


def test_channel_broadcast_is_never_sent(running: Running) -> None:
    """`<!channel>` in a question is not in the reply, neither as markup nor as a live @channel."""
    running.post(event_body(mention_event(f"<!channel> {QUESTION}", channel="CE1"), event_id="EvEsc"))
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


def test_log_has_one_line_per_question_without_text_or_token(running: Running) -> None:
    """Each question logs channel, latency and abstention; the question and the tokens never appear."""
    running.post(event_body(mention_event("Why did IBM write to Congress zebra?", channel="CL1"), event_id="EvLog"))
    running.slack.wait_for("chat.postMessage", channel="CL1")
    line = re.compile(r"question platform=slack via=event guild=T0001 channel=CL1 outcome=\w+ latency_ms=\d+")
    log = wait_for_log(running.log, line)
    assert len(line.findall(log)) == 1
    assert "zebra" not in log
    assert BOT_TOKEN not in log
    assert SECRET not in log


def test_health_command_sees_the_running_bot(running: Running) -> None:
    """While the bot runs its health file is fresh, so `python -m bot health` exits 0."""
    assert time.time() - running.health_file.stat().st_mtime < 90
    done = subprocess.run(
        [sys.executable, "-m", "bot", "health"],
        cwd=running.log.parent,
        env=running.env,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
