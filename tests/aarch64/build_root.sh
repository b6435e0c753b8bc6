#!/usr/bin/env bash
# Builds what `make test-aarch64` runs on: Debian bookworm's arm64 python3.11 (the base of
# Raspberry Pi OS) unpacked from .debs into a root directory, and the aarch64 wheels
# (ai-edge-litert, numpy, opencv-python-headless, pydantic, and the pure-Python tomli-w and
# paho-mqtt that the command line imports) unpacked into a target dir.
# Run under qemu-aarch64-static -L ROOT ROOT/usr/bin/python3.11 (no binfmt needed).
# Idempotent: a stamp file skips the work once done. Nothing is written into the repository.
set -euo pipefail
CACHE="${TREADWATCH_AARCH64_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/treadwatch/aarch64}"
ROOT="$CACHE/root"
SITE="$CACHE/site"
# The same versions as the x86 venv, so both runs use the same numerics.
PY="${PYTHON:-.venv/bin/python}"
pin() { "$PY" -c "import importlib.metadata as m; print('$1==' + m.version('$1'))"; }
# ai-edge-litert 2.2.0 and later stop with SIGSEGV at the first invoke() under bookworm's
# qemu-user 7.2 (even without XNNPACK); 2.1.2 runs, so the emulated test pins it.
LITERT="${AARCH64_LITERT:-ai-edge-litert==2.1.2}"
WHEELS="$LITERT $(pin numpy) $(pin opencv-python-headless) $(pin pydantic) $(pin tomli-w)"
WHEELS="$WHEELS $(pin paho-mqtt)"
STAMP="$CACHE/.stamp-$(echo "$WHEELS" | sha256sum | cut -c1-12)"
[ -f "$STAMP" ] && { echo "aarch64 root ready: $CACHE"; exit 0; }

if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
command -v qemu-aarch64-static >/dev/null || {
  echo "installing qemu-user-static (Debian package) for the aarch64 test"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-user-static >/dev/null; }
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  $SUDO dpkg --add-architecture arm64
  $SUDO apt-get update -qq
fi
apt-cache policy python3.11:arm64 | grep -q 'Candidate: [0-9]' || $SUDO apt-get update -qq

mkdir -p "$CACHE/debs" "$ROOT" "$SITE.new"
# python3.11 and everything it (and the wheels' C++ code) needs, arm64 only.
pkgs=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
         --no-replaces --no-enhances --no-pre-depends python3.11:arm64 libstdc++6:arm64 \
         libgcc-s1:arm64 | grep -E '^[a-z0-9].*:arm64$' | sort -u)
pkgs="$pkgs $(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
         --no-breaks --no-replaces --no-enhances python3.11-minimal:arm64 \
         | grep -E '^[a-z0-9].*:arm64$' | sort -u)"
pkgs=$(echo $pkgs | tr ' ' '\n' | sort -u | grep -vE '^(debconf|dpkg|perl-base|install-info|tzdata|media-types|readline-common|debianutils|sensible-utils|mime-support)')
(cd "$CACHE/debs" && apt-get download $pkgs >/dev/null)
for deb in "$CACHE"/debs/*_arm64.deb "$CACHE"/debs/*_all.deb; do
  [ -f "$deb" ] && dpkg-deb -x "$deb" "$ROOT"
done
test -x "$ROOT/usr/bin/python3.11"

rm -rf "$CACHE/wheels" && mkdir -p "$CACHE/wheels"
# Any manylinux tag that bookworm's glibc (2.36) can run.
platforms="--platform manylinux2014_aarch64"
for minor in $(seq 17 36); do platforms="$platforms --platform manylinux_2_${minor}_aarch64"; done
"$PY" -m pip download --disable-pip-version-check -q -d "$CACHE/wheels" $platforms \
  --python-version 3.11 --implementation cp --only-binary=:all: $WHEELS
for whl in "$CACHE"/wheels/*.whl; do
  "$PY" -m zipfile -e "$whl" "$SITE.new"
done
rm -rf "$SITE" && mv "$SITE.new" "$SITE"
rm -f "$CACHE"/.stamp-* && touch "$STAMP"
echo "aarch64 root ready: $CACHE ($(du -sh "$CACHE" | cut -f1))"
