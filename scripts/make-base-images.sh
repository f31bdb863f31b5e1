#!/usr/bin/env bash
# Make the two base images the Dockerfile builds on, locally, for machines that
# cannot pull from a container registry:
#   docker.io/library/debian:bookworm-slim  (debootstrap of Debian bookworm)
#   docker.io/library/python:3.11-slim      (that image plus Debian's python3.11, pip and venv,
#                                            with python/python3/pip on PATH like the official image)
# Also installs podman, runc and debootstrap when missing and writes the podman settings
# they need. Idempotent: each step is skipped when its result is already there.
# Run as root. FORCE=1 remakes the images.
set -euo pipefail

DEBIAN_IMAGE=docker.io/library/debian:bookworm-slim
PYTHON_IMAGE=docker.io/library/python:3.11-slim
CONF=/etc/containers/containers.conf

log() { printf '==> %s\n' "$*"; }

if [ "$(id -u)" != 0 ]; then
    echo "make-base-images.sh: run as root (rootful podman and debootstrap need it)" >&2
    exit 2
fi

# 1. Tools.
if ! command -v podman >/dev/null || ! command -v runc >/dev/null || ! command -v debootstrap >/dev/null; then
    log "installing podman, runc, debootstrap"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq podman runc debootstrap >/dev/null
fi

# 2. Podman settings: runc, cgroupfs, and file/process limits for builds.
want_conf='# Written by scripts/make-base-images.sh
[containers]
default_ulimits = [
  "nofile=20000:20000",
  "nproc=32768:32768",
]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
'
if [ "$(cat "$CONF" 2>/dev/null)" != "$(printf '%s' "$want_conf")" ]; then
    log "writing $CONF"
    mkdir -p "$(dirname "$CONF")"
    if [ -s "$CONF" ] && ! grep -q 'scripts/make-base-images.sh' "$CONF"; then
        cp "$CONF" "$CONF.orig"
    fi
    printf '%s' "$want_conf" >"$CONF"
fi

# Debian mirror: the one apt already uses on this machine, else deb.debian.org.
mirror=$(grep -hoE '^URIs: *https?://[^ ]+/debian/?$' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1 | sed 's/^URIs: *//' || true)
if [ -z "$mirror" ]; then
    mirror=$(grep -hoE '^deb +https?://[^ ]+/debian/? +bookworm' /etc/apt/sources.list 2>/dev/null | head -n1 | awk '{print $2}' || true)
fi
mirror=${mirror:-http://deb.debian.org/debian}

# 3. debian:bookworm-slim from debootstrap.
if [ "${FORCE:-0}" = 1 ] || ! podman image exists "$DEBIAN_IMAGE"; then
    log "debootstrap bookworm from $mirror -> $DEBIAN_IMAGE"
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    keyring=()
    [ -f /usr/share/keyrings/debian-archive-keyring.gpg ] && keyring=(--keyring=/usr/share/keyrings/debian-archive-keyring.gpg)
    debootstrap --variant=minbase "${keyring[@]}" bookworm "$work/root" "$mirror" >"$work/debootstrap.log" 2>&1 \
        || { tail -n 20 "$work/debootstrap.log" >&2; exit 1; }
    # Slim it the way the official image is: no docs, no apt lists, no caches.
    cat >"$work/root/etc/apt/sources.list" <<SOURCES
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
SOURCES
    cat >"$work/root/etc/dpkg/dpkg.cfg.d/docker-slim" <<'SLIM'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
SLIM
    cat >"$work/root/etc/apt/apt.conf.d/docker-clean" <<'CLEAN'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
CLEAN
    # debootstrap leaves the packages it installed in apt's cache, and their translations were
    # unpacked before the exclusions above existed: 64 MB the official image does not have.
    rm -rf "$work/root/var/lib/apt/lists/"* "$work/root/var/cache/apt/"*.bin \
        "$work/root/var/cache/apt/archives/"*.deb "$work/root/usr/share/locale/"* \
        "$work/root/usr/share/man/"* "$work/root/usr/share/info/"* "$work/root/var/log/"*.log
    find "$work/root/usr/share/doc" -mindepth 2 ! -name copyright -delete 2>/dev/null || true
    tar -C "$work/root" --numeric-owner -cf "$work/rootfs.tar" .
    podman import --change 'CMD ["bash"]' "$work/rootfs.tar" "$DEBIAN_IMAGE" >/dev/null
    rm -rf "$work"
    trap - EXIT
else
    log "$DEBIAN_IMAGE exists: skipped"
fi

# 4. python:3.11-slim stand-in. It trusts this machine's CA certificates, so pip in a
#    build step reaches the package index the way pip on this machine does.
if [ "${FORCE:-0}" = 1 ] || ! podman image exists "$PYTHON_IMAGE"; then
    log "building $PYTHON_IMAGE from $DEBIAN_IMAGE"
    ctx=$(mktemp -d)
    trap 'rm -rf "$ctx"' EXIT
    mkdir -p "$ctx/ca"
    cp /usr/local/share/ca-certificates/*.crt "$ctx/ca/" 2>/dev/null || true
    # A pip index or proxy configured through the environment is passed on as well.
    cat >"$ctx/Containerfile" <<'CONTAINERFILE'
FROM docker.io/library/debian:bookworm-slim
ENV LANG=C.UTF-8 PYTHONDONTWRITEBYTECODE=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3.11 python3-pip python3-venv ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && rm -f /usr/lib/python3.11/EXTERNALLY-MANAGED \
 && ln -sf /usr/bin/python3.11 /usr/local/bin/python \
 && ln -sf /usr/bin/python3.11 /usr/local/bin/python3 \
 && ln -sf /usr/bin/pip3 /usr/local/bin/pip
COPY ca/ /usr/local/share/ca-certificates/
RUN update-ca-certificates >/dev/null
# pip (and the copy of it that `python -m venv` installs) checks TLS against the system store.
ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
CMD ["python3"]
CONTAINERFILE
    build_args=()
    for var in PIP_INDEX_URL PIP_EXTRA_INDEX_URL HTTP_PROXY HTTPS_PROXY NO_PROXY http_proxy https_proxy no_proxy; do
        [ -n "${!var:-}" ] && build_args+=(--build-arg "$var=${!var}")
    done
    podman build --pull=never -q "${build_args[@]}" -t "$PYTHON_IMAGE" "$ctx" >/dev/null
    rm -rf "$ctx"
    trap - EXIT
else
    log "$PYTHON_IMAGE exists: skipped"
fi

podman images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E 'library/(debian|python)' || true
