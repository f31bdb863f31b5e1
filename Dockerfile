# syntax=docker/dockerfile:1
# citebot in a container: the bot, its embedding model (on ONNX Runtime) and the index of
# seeds/, ready offline. No torch in the image: torch is only needed to export the model to
# ONNX, which the builder stage does in a separate environment that is not copied on.
#
#   docker build -t citebot .
#   docker run --rm citebot ask "Why did IBM quit facial recognition?"
#
# torch (builder stage only) is always the CPU build. By default it comes from PyTorch's CPU
# wheel index (TORCH_INDEX_URL); to install it from wheels you already have instead, put them
# in wheels/ and build with --build-arg TORCH_FIND_LINKS=/wheels. See docs/deploy.md.

############################ builder: the runtime venv, the ONNX export, the index
FROM python:3.11-slim AS builder

ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
ARG TORCH_FIND_LINKS=

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HF_HUB_OFFLINE=1

SHELL ["/bin/bash", "-o", "pipefail", "-c"]
WORKDIR /app
COPY requirements.txt requirements-build.txt ./

# /opt/venv: what serving needs, and all the runtime stage gets. pip, and hf-xet (only
# huggingface_hub's downloads use it; the image never downloads) are dropped; so are
# onnxruntime's Python tools (quantisation, the transformer optimiser: export-time only), its
# C API library (the Python binding does not load it), the packages' own test suites, and
# Babel's locale data (trafilatura reaches Babel only through courlan's URL language filter,
# which runs when a target language is given; the bot never gives one). Extension modules lose
# their symbol tables (strip); the vendored libraries in *.libs are left alone, as auditwheel
# patched them. Together about 70 MB: docs/deploy.md, "Image size".
# DL3008: binutils (strip) is the builder's only and is the Debian release's own.
# hadolint ignore=DL3008
RUN --mount=type=cache,target=/root/.cache/pip \
    set -eu; \
    apt-get update -qq; \
    apt-get install -y -qq --no-install-recommends binutils >/dev/null; \
    python -m venv /opt/venv; \
    /opt/venv/bin/pip install -r requirements.txt; \
    /opt/venv/bin/pip uninstall -y -q hf-xet setuptools; \
    site=/opt/venv/lib/python3.11/site-packages; \
    ort="$site/onnxruntime"; \
    rm -rf "$ort/transformers" "$ort/quantization" "$ort/tools" "$ort"/capi/libonnxruntime.so*; \
    find "$site" -depth -type d -name tests -path "*/site-packages/*/tests" -exec rm -rf {} +; \
    find "$site/babel/locale-data" -name "*.dat" ! -name "root.dat" ! -name "en.dat" ! -name "en_US.dat" -delete; \
    find "$site" -name "*.so" ! -path "*.libs/*" -exec strip --strip-unneeded {} +; \
    /opt/venv/bin/python -m pip uninstall -y -q pip

# /opt/build: torch (CPU) and sentence-transformers, only to export the model; never copied on.
# torch first, on its own and without dependencies, from the CPU index or the local wheels;
# then everything else from the package index (torch is then already satisfied).
# DL3013: torch's version is the pin read from requirements-build.txt.
# hadolint ignore=DL3013
RUN --mount=type=bind,source=wheels,target=/wheels \
    --mount=type=cache,target=/root/.cache/pip \
    set -eu; \
    python -m venv /opt/build; \
    torch="$(sed -n 's/^\(torch[=<>!~][^ ;#]*\).*/\1/p' requirements-build.txt)"; \
    if [ -n "$TORCH_FIND_LINKS" ]; then \
        /opt/build/bin/pip install --no-deps --no-index --find-links "$TORCH_FIND_LINKS" "${torch:-torch}"; \
    else \
        /opt/build/bin/pip install --no-deps --index-url "$TORCH_INDEX_URL" "${torch:-torch}"; \
    fi; \
    /opt/build/bin/pip install -r requirements-build.txt; \
    /opt/build/bin/python -c "import torch, sys; sys.exit(f'torch {torch.__version__} is not a CPU build' if torch.version.cuda else 0)"; \
    if /opt/build/bin/pip list 2>/dev/null | grep -i '^nvidia-'; then echo "CUDA packages were installed" >&2; exit 1; fi

# The bundled model, exported to ONNX where the runtime venv looks for it (checked against
# sentence-transformers before it is written).
COPY index/ index/
RUN /opt/build/bin/python -m index.export --out /opt/venv/share/citebot/onnx/all-MiniLM-L6-v2

# The index, built by the runtime venv (so on ONNX Runtime, without torch). Byte code is kept
# only for the library modules the bot loads: building the index and WARM_UP import them.
ARG WARM_UP="import uvloop, bot.discord.client, bot.slack.serve, bot.slack.app, aiohttp.web, slack_bolt.async_app, slack_bolt.response, slack_bolt.adapter.aiohttp, slack_bolt.adapter.socket_mode.async_handler, slack_sdk.errors, slack_sdk.web.async_client"
COPY bot/ bot/
COPY seeds/ seeds/
RUN set -eu; \
    if /opt/venv/bin/python -c "import torch" 2>/dev/null; then echo "torch is in the runtime venv" >&2; exit 1; fi; \
    find /opt/venv -name __pycache__ -prune -exec rm -rf {} +; \
    mkdir -p /var/lib/citebot/data; \
    SEEDS_DIR=/app/seeds INDEX_DIR=/var/lib/citebot/index env -u PYTHONDONTWRITEBYTECODE /opt/venv/bin/python -m bot index; \
    env -u PYTHONDONTWRITEBYTECODE /opt/venv/bin/python -c "$WARM_UP"; \
    /opt/venv/bin/python -m compileall -q bot index

############################ runtime: only what runs
FROM python:3.11-slim

# tini as PID 1 passes SIGTERM on to the bot and reaps child processes.
# DL3008: tini's version is the one of the base image's Debian release.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 citebot \
 && useradd --system --uid 10001 --gid citebot --home-dir /tmp --no-create-home --shell /usr/sbin/nologin citebot

COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /app /app
COPY --from=builder --chown=citebot:citebot /var/lib/citebot /var/lib/citebot

# Secrets (DISCORD_TOKEN, SLACK_BOT_TOKEN, ...) come from the environment at run time only.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    HOME=/tmp \
    SEEDS_DIR=/app/seeds \
    INDEX_DIR=/var/lib/citebot/index \
    DATA_DIR=/var/lib/citebot/data \
    HEALTH_FILE=/tmp/citebot.health

WORKDIR /app
USER 10001:10001

# Healthy: the index is whole and the Discord/Slack connection touched HEALTH_FILE < 90 s ago.
HEALTHCHECK --interval=30s --timeout=10s --start-period=2m --retries=3 \
    CMD ["python", "-m", "bot", "health"]

ENTRYPOINT ["tini", "--", "python", "-m", "bot"]
CMD ["discord"]
