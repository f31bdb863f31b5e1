"""Serving never imports torch: `ask`, `chat`, `discord` and `slack` run on ONNX Runtime alone.

Each front end runs as a real process under :mod:`tests.import_watch`, answers a question
with the real index (so the model really ran), and is then stopped; the watcher's report
must show no import of torch, transformers or sentence-transformers at any moment.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.discord.harness import QUICK_GUILD_READY, BotProcess
from tests.fake_discord import ASK_ID, FakeDiscord
from tests.fake_slack import BOT_TOKEN, FakeSlack, event_body, mention_event, signed_post
from tests.prebuilt import Prebuilt

REPO = Path(__file__).resolve().parents[1]
ARTICLE = REPO / "seeds" / "000_a7265f2ac828b9b1.txt"
QUESTION = "Why did IBM quit facial recognition?"
SECRET = "no-torch-signing-secret"

# Each test starts a real process of the bot, which loads the model.
pytestmark = [pytest.mark.process, pytest.mark.model]


@pytest.fixture
def home(tmp_path: Path, prebuilt: Prebuilt) -> Path:
    """A folder with the article as the only source and its index already built (on ONNX Runtime)."""
    prebuilt.copy(tmp_path / "home", ARTICLE)
    return tmp_path / "home"


def _env(folder: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "EMBED_", "MODEL_PATH"))}
    return env | {
        "PYTHONPATH": str(REPO),
        "SEEDS_DIR": str(folder / "seeds"),
        "INDEX_DIR": str(folder / "index"),
        "HEALTH_FILE": str(folder / "health"),
        **extra,
    }


def _watched(*args: str, report: Path) -> list[str]:
    return [sys.executable, "-m", "tests.import_watch", str(report), "bot", *args]


def assert_no_torch(report: Path) -> None:
    """The watcher saw the process end normally and no heavy import on the way."""
    lines = report.read_text(encoding="utf-8").splitlines()
    assert lines and lines[-1].startswith("exit:"), f"the process did not exit normally: {lines}"
    assert lines == ["exit: "], f"heavy modules were imported: {lines}"


def test_ask_imports_no_torch(home: Path, tmp_path: Path) -> None:
    """`python -m bot ask` answers with a citation and never imports torch."""
    report = tmp_path / "report"
    done = subprocess.run(
        _watched("ask", "--json", QUESTION, report=report),
        cwd=home,
        env=_env(home),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert '"citation": "[1]' in done.stdout
    assert_no_torch(report)


def test_chat_imports_no_torch(home: Path, tmp_path: Path) -> None:
    """`python -m bot chat` answers a question read from stdin and never imports torch."""
    report = tmp_path / "report"
    done = subprocess.run(
        _watched("chat", report=report),
        cwd=home,
        env=_env(home),
        input=f"{QUESTION}\nquit\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "¶" in done.stdout
    assert_no_torch(report)


def test_discord_imports_no_torch(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Discord bot connects to the fake Discord, answers with a citation (in a thread, with its buttons),
    stops on SIGTERM: no torch."""
    monkeypatch.setattr(BotProcess, "guild_ready_timeout", QUICK_GUILD_READY)  # tests/discord/guild_wait.py
    report = tmp_path / "report"
    with FakeDiscord(heartbeat_interval=5.0) as fake:
        bot = BotProcess(fake, tmp_path, watch_imports=report, INDEX_DIR=str(home / "index"))
        try:
            bot.wait_ready(timeout=120)
            asked = fake.send_message(QUESTION, channel_id=ASK_ID)
            fake.wait_for_thread(asked, timeout=60)  # answered in a thread started on the question
            reply = fake.wait_for_message_in(asked, timeout=60)
            text = " ".join([reply.content or ""] + [str(e.get("description", "")) for e in reply.embeds])
            assert "¶" in text
        finally:
            status = bot.stop()
    assert status == 0, bot.log()
    assert_no_torch(report)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_listening(process: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"python -m bot slack did not listen (exit status {process.poll()})")


def test_slack_imports_no_torch(home: Path, tmp_path: Path) -> None:
    """The Slack bot (HTTP mode) answers a mention through the fake Slack, stops on SIGTERM: no torch."""
    report = tmp_path / "report"
    port = _free_port()
    with FakeSlack() as slack, (tmp_path / "bot.log").open("wb") as log:
        env = _env(
            home,
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_BASE=slack.api_base,
            SLACK_PORT=str(port),
            HEALTH_FILE=str(tmp_path / "health"),
        )
        process = subprocess.Popen(_watched("slack", report=report), cwd=tmp_path, env=env, stdout=log, stderr=log)
        try:
            _wait_listening(process, port)
            url = f"http://127.0.0.1:{port}/slack/events"
            status, _, _ = signed_post(url, event_body(mention_event(QUESTION, channel="CT1", ts="1.1")), secret=SECRET)
            assert status == 200
            [post] = slack.wait_for("chat.postMessage", channel="CT1")
            assert "¶" in str(post.payload["blocks"])
        finally:
            process.send_signal(signal.SIGTERM)
            exit_status = process.wait(30)
    assert exit_status == 0, (tmp_path / "bot.log").read_text()[-3000:]
    assert_no_torch(report)
