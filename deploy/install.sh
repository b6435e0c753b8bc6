#!/usr/bin/env bash
# Install treadwatch on a Raspberry Pi (Raspberry Pi OS Bookworm, 64-bit) as a service that
# starts on boot and restarts after a crash. Safe to run again (to update or repair).
#
#   sudo deploy/install.sh                 # live page (treadwatch.service)
#   sudo deploy/install.sh --headless      # session logging only (treadwatch-headless.service)
#   deploy/install.sh --dry-run --prefix /tmp/x   # print every command, change nothing
#
# Run `deploy/install.sh --help` for all options.
set -euo pipefail

# ---- paths (keep in sync with deploy/treadwatch.service and deploy/treadwatch-headless.service)
SERVICE_USER=treadwatch
APP_DIR=/opt/treadwatch
VENV_DIR=$APP_DIR/.venv
DATA_DIR=/var/lib/treadwatch
MODELS_DIR=$DATA_DIR/models
CONF_DIR=/etc/treadwatch
CONF_FILE=$CONF_DIR/config.toml
UNIT_DIR=/etc/systemd/system
JOURNALD_DROPIN=/etc/systemd/journald.conf.d/treadwatch.conf
APT_PACKAGES=(python3-venv python3-pip python3-picamera2 openssl avahi-daemon)
TLS_DIR=$CONF_DIR/tls
AVAHI_SERVICE=/etc/avahi/services/treadwatch.service
# picamera2 comes from apt and is built against Debian's numpy 1.x: numpy 2 in the venv breaks
# its JPEG module (simplejpeg: "numpy.dtype size changed"), so the venv keeps numpy 1.x.
CONSTRAINTS=deploy/constraints-pi.txt

DRY_RUN=0
PREFIX=""
HEADLESS=0
SOURCE=picamera
SKIP_APT=0
SKIP_MODELS=0
FORCE=0
PRINT_CONFIG=0
HTTPS=0
NAME=""
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(dirname "$SCRIPT_DIR")

usage() {
    cat <<EOF
Usage: sudo $0 [options]

Installs treadwatch into $APP_DIR (venv $VENV_DIR), data in $DATA_DIR,
config in $CONF_FILE, and a systemd service running as user '$SERVICE_USER'.

Options:
  --headless        enable treadwatch-headless.service (session logging, no web page)
                    instead of treadwatch.service (the live page)
  --source SPEC     capture source written into a NEW config: picamera (default),
                    camera (first USB webcam), camera:N, or an rtsp:// URL
  --repo DIR        the treadwatch source tree to install (default: $REPO_DIR)
  --https           serve the page over HTTPS in a NEW config, with the self-signed
                    certificate made here (see deploy/README.md: trusting it on the tablet)
  --name NAME       call this Pi treadwatch-NAME on the network (hostname; the tablet
                    opens http://treadwatch-NAME.local:8000/), e.g. --name belt3
  --skip-apt        do not run apt-get (packages already installed)
  --skip-models     do not fetch the pose models (fetch later with the command printed)
  --force           continue on an OS/architecture this script was not written for
  --print-config    print the config.toml a new install would write, and exit
                    (uses the installed venv's treadwatch, else the one on PATH)
  --dry-run         print the commands that would run; change nothing
  --prefix DIR      with --dry-run: show every path under DIR (for tests)
  -h, --help        this text
EOF
}

die() {
    echo "install.sh: error: $*" >&2
    exit 1
}
note() { echo "==> $*"; }

# Quote a command for display, one line.
show() {
    local out="" arg
    for arg in "$@"; do
        out+=" $(printf '%q' "$arg")"
    done
    echo "+${out}"
}

# Run a command, or only print it under --dry-run.
run() {
    show "$@"
    if [[ $DRY_RUN -eq 0 ]]; then
        "$@"
    fi
}

# Write stdin to a file (mode, owner:group), atomically; print only under --dry-run.
write_file() {
    local dest=$1 mode=$2 owner=$3
    if [[ $DRY_RUN -eq 1 ]]; then
        show write "$dest" "mode=$mode" "owner=$owner"
        cat >/dev/null
        return
    fi
    local tmp
    tmp=$(mktemp "$dest.XXXXXX")
    cat >"$tmp"
    chmod "$mode" "$tmp"
    chown "$owner" "$tmp"
    mv -f "$tmp" "$dest"
}

while [[ $# -gt 0 ]]; do
    case $1 in
        --headless) HEADLESS=1 ;;
        --source)
            [[ $# -ge 2 ]] || die "--source needs a value (picamera, camera, camera:N or a URL)"
            SOURCE=$2
            shift
            ;;
        --repo)
            [[ $# -ge 2 ]] || die "--repo needs a directory"
            REPO_DIR=$2
            shift
            ;;
        --https) HTTPS=1 ;;
        --name)
            [[ $# -ge 2 ]] || die "--name needs a value (letters, digits, '-'), e.g. --name belt3"
            NAME=$2
            shift
            ;;
        --skip-apt) SKIP_APT=1 ;;
        --skip-models) SKIP_MODELS=1 ;;
        --force) FORCE=1 ;;
        --dry-run) DRY_RUN=1 ;;
        --print-config) PRINT_CONFIG=1 ;;
        --prefix)
            [[ $# -ge 2 ]] || die "--prefix needs a directory"
            PREFIX=${2%/}
            shift
            ;;
        -h | --help)
            usage
            exit 0
            ;;
        *) die "unknown option '$1' (see --help)" ;;
    esac
    shift
done

if [[ -n $PREFIX && $DRY_RUN -eq 0 ]]; then
    die "--prefix is only for --dry-run (a real install always goes to / so systemd finds it)"
fi
if [[ -n $NAME && ! $NAME =~ ^[a-z0-9]([a-z0-9-]{0,40}[a-z0-9])?$ ]]; then
    die "--name must be lower-case letters, digits and '-' (not at the ends), e.g. belt3"
fi
case $SOURCE in
    *'"'* | *\\* | *'|'* | *$'\n'*) die "--source must not contain quotes, backslashes, '|' or newlines" ;;
esac

# Every system path, under the prefix in a dry run.
P_APP=$PREFIX$APP_DIR
P_VENV=$PREFIX$VENV_DIR
P_DATA=$PREFIX$DATA_DIR
P_MODELS=$PREFIX$MODELS_DIR
P_CONF_DIR=$PREFIX$CONF_DIR
P_CONF=$PREFIX$CONF_FILE
P_UNIT_DIR=$PREFIX$UNIT_DIR
P_JOURNALD=$PREFIX$JOURNALD_DROPIN
P_TLS=$PREFIX$TLS_DIR
P_AVAHI=$PREFIX$AVAHI_SERVICE

if [[ $HEADLESS -eq 1 ]]; then
    UNIT=treadwatch-headless.service
    OTHER_UNIT=treadwatch.service
else
    UNIT=treadwatch.service
    OTHER_UNIT=treadwatch-headless.service
fi

# The config of a new install: the generated example, with the camera as its source.
new_config() {
    local src=${SOURCE//&/\\&} # '&' means "the match" in a sed replacement
    local tls=()
    if [[ $HTTPS -eq 1 ]]; then
        tls=(-e "s|^# tls_certfile =   (unset)\$|tls_certfile = \"$TLS_DIR/cert.pem\"|"
            -e "s|^# tls_keyfile =   (unset)\$|tls_keyfile = \"$TLS_DIR/key.pem\"|")
    fi
    "$1" config-example | sed -e "s|^source = \"demo\"\$|source = \"$src\"|" "${tls[@]}"
}

if [[ $PRINT_CONFIG -eq 1 ]]; then
    tw=$P_VENV/bin/treadwatch
    [[ -x $tw ]] || tw=$(command -v treadwatch) || die "no treadwatch command found"
    new_config "$tw"
    exit 0
fi

# ---- checks ---------------------------------------------------------------------------------
[[ $DRY_RUN -eq 1 ]] && note "dry run: nothing will be changed"

[[ -f $REPO_DIR/pyproject.toml && -f $REPO_DIR/deploy/$UNIT ]] ||
    die "$REPO_DIR is not the treadwatch source tree (no pyproject.toml / deploy/$UNIT); pass --repo DIR"

if [[ $(id -u) -ne 0 ]]; then
    if [[ $DRY_RUN -eq 1 ]]; then
        note "not root: fine for a dry run (a real install needs: sudo $0)"
    else
        die "run as root: sudo $0 (it installs packages, a user and a systemd service)"
    fi
fi

os_id="" os_like="" os_codename=""
if [[ -r /etc/os-release ]]; then
    # shellcheck disable=SC1091
    os_id=$(. /etc/os-release && echo "${ID:-}")
    # shellcheck disable=SC1091
    os_like=$(. /etc/os-release && echo "${ID_LIKE:-}")
    # shellcheck disable=SC1091
    os_codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
fi
arch=$(uname -m)
problems=()
if [[ $os_id != raspbian && $os_id != debian && $os_like != *debian* ]]; then
    problems+=("this is '${os_id:-unknown}', not Raspberry Pi OS / Debian: apt package names may differ")
fi
if [[ -n $os_codename && $os_codename != bookworm ]]; then
    problems+=("this is '$os_codename', not Bookworm (Debian 12, Python 3.11), which this installer and the numpy<2 pin for apt's picamera2 are written for")
fi
if [[ $arch != aarch64 ]]; then
    problems+=("the CPU architecture is '$arch', not aarch64: install the 64-bit Raspberry Pi OS (the pose runtime ai-edge-litert has no 32-bit ARM wheels)")
fi
if ((${#problems[@]})); then
    for p in "${problems[@]}"; do
        echo "install.sh: warning: $p" >&2
    done
    if [[ $FORCE -eq 0 && $DRY_RUN -eq 0 ]]; then
        die "this installer is for Raspberry Pi OS Bookworm 64-bit (aarch64). Re-flash the SD card with it (Raspberry Pi Imager: 'Raspberry Pi OS Lite (64-bit)'), or pass --force to try anyway (add --skip-apt and install python3-venv yourself if apt names differ; without picamera2 use --source camera)"
    fi
fi

# ---- 1. system packages ---------------------------------------------------------------------
if [[ $SKIP_APT -eq 0 ]]; then
    note "apt packages: ${APT_PACKAGES[*]}"
    run apt-get update
    # --no-install-recommends: picamera2's recommends pull in a desktop preview stack.
    run env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${APT_PACKAGES[@]}"
fi

# ---- 2. user and directories ----------------------------------------------------------------
note "user '$SERVICE_USER' (groups: video) and directories"
if getent passwd "$SERVICE_USER" >/dev/null; then
    run usermod --append --groups video "$SERVICE_USER"
else
    run useradd --system --user-group --groups video --home-dir "$DATA_DIR" --no-create-home \
        --shell /usr/sbin/nologin --comment "treadwatch service" "$SERVICE_USER"
fi
run install -d -m 0755 -o root -g root "$P_APP"
run install -d -m 0750 -o "$SERVICE_USER" -g "$SERVICE_USER" "$P_DATA" "$P_MODELS"
run install -d -m 0750 -o root -g "$SERVICE_USER" "$P_CONF_DIR"

# ---- 3. virtual environment and the package --------------------------------------------------
note "virtual environment $P_VENV (with system site packages, for apt's picamera2)"
if [[ ! -x $P_VENV/bin/python ]]; then
    run python3 -m venv --system-site-packages "$P_VENV"
fi
run "$P_VENV/bin/python" -m pip install --disable-pip-version-check --quiet --upgrade pip
# Build from a copy: pip builds in the source tree, and as root it would leave root-owned
# build/ and *.egg-info/ in the user's clone.
if [[ $DRY_RUN -eq 1 ]]; then
    src_copy="<temporary directory>"
else
    src_copy=$(mktemp -d /tmp/treadwatch-src.XXXXXX)
    trap 'rm -rf "$src_copy"' EXIT
fi
excludes=(--exclude=./.git --exclude=./.venv --exclude=./build --exclude=./artifacts
    --exclude='*.egg-info')
show tar -C "$REPO_DIR" "${excludes[@]}" -cf - . "|" tar -C "$src_copy" -xf -
if [[ $DRY_RUN -eq 0 ]]; then
    tar -C "$REPO_DIR" "${excludes[@]}" -cf - . | tar -C "$src_copy" -xf -
fi
run "$P_VENV/bin/python" -m pip install --disable-pip-version-check --quiet --upgrade \
    --constraint "$REPO_DIR/$CONSTRAINTS" "$src_copy"
# Keep a copy of the deploy files beside the venv (README, units) for reference.
run install -d -m 0755 "$P_APP/deploy"
run install -m 0644 "$REPO_DIR/deploy/README.md" "$REPO_DIR/$CONSTRAINTS" \
    "$REPO_DIR/deploy/treadwatch.service" "$REPO_DIR/deploy/treadwatch-headless.service" \
    "$P_APP/deploy/"

TW=$P_VENV/bin/treadwatch

# ---- 4. configuration (kept if present: it holds the gym's belt zone, view and PIN) ------------
if [[ -e $P_CONF ]]; then
    note "keeping the existing $P_CONF"
else
    note "new $P_CONF from \`treadwatch config-example\` (capture.source = \"$SOURCE\")"
    if [[ $DRY_RUN -eq 1 ]]; then
        echo "+ $TW config-example | sed 's|^source = \"demo\"\$|source = \"$SOURCE\"|' > $P_CONF"
    else
        new_config "$TW" | write_file "$P_CONF" 0640 "root:$SERVICE_USER"
    fi
fi
run "$TW" check-config "$P_CONF"

# ---- 5. pose models (verified by SHA-256; needs PyPI once) -------------------------------------
if [[ $SKIP_MODELS -eq 0 ]]; then
    note "pose models into $P_MODELS"
    run env TREADWATCH_MODELS_DIR="$P_MODELS" PIP_NO_CACHE_DIR=1 "$TW" models fetch
    run chown -R "$SERVICE_USER:$SERVICE_USER" "$P_MODELS"
else
    note "skipped the models: run  sudo env TREADWATCH_MODELS_DIR=$MODELS_DIR $VENV_DIR/bin/treadwatch models fetch && sudo chown -R $SERVICE_USER: $MODELS_DIR"
fi

# ---- 5b. name on the network and HTTPS certificate ---------------------------------------------
host=$(hostname)
if [[ -n $NAME ]]; then
    host=treadwatch-$NAME
    note "hostname $host (the page: $host.local)"
    run hostnamectl set-hostname "$host"
    run sed -i "s/^127\.0\.1\.1\s.*/127.0.1.1\t$host/" "$PREFIX/etc/hosts"
fi
ip=$(hostname -I 2>/dev/null | awk '{print $1}') || true
ip=${ip:-127.0.0.1}
make_tls_cert() {
    # Self-signed, for this Pi's names and address; valid 10 years. The tablet is told to
    # trust it once (deploy/README.md); re-run the installer after renaming the Pi.
    run install -d -m 0750 -o root -g "$SERVICE_USER" "$P_TLS"
    run openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
        -subj "/CN=${host}.local" \
        -addext "subjectAltName=DNS:${host}.local,DNS:${host},IP:${ip}" \
        -keyout "$P_TLS/key.pem" -out "$P_TLS/cert.pem"
    run chown "root:$SERVICE_USER" "$P_TLS/key.pem" "$P_TLS/cert.pem"
    run chmod 0640 "$P_TLS/key.pem"
    run chmod 0644 "$P_TLS/cert.pem"
}
if [[ -e $P_TLS/cert.pem ]] && openssl x509 -in "$P_TLS/cert.pem" -noout -ext subjectAltName 2>/dev/null |
    grep -q "DNS:${host}.local"; then
    note "keeping the HTTPS certificate in $P_TLS"
else
    note "HTTPS certificate for ${host}.local and $ip in $P_TLS"
    make_tls_cert
fi

# ---- 6. journald: keep logs across power cuts, bounded -------------------------------------------
note "journald: persistent, at most 200 MB"
run install -d -m 0755 "$(dirname "$P_JOURNALD")"
write_file "$P_JOURNALD" 0644 root:root <<'EOF'
# Installed by treadwatch deploy/install.sh: keep logs across reboots and power cuts.
[Journal]
Storage=persistent
SystemMaxUse=200M
EOF

# ---- 7. systemd units -------------------------------------------------------------------------
note "systemd: $UNIT (enabled, started); $OTHER_UNIT disabled"
run install -d -m 0755 "$P_UNIT_DIR"
run install -m 0644 -o root -g root "$REPO_DIR/deploy/treadwatch.service" \
    "$REPO_DIR/deploy/treadwatch-headless.service" "$P_UNIT_DIR/"
run systemctl daemon-reload
run systemctl restart systemd-journald
run systemctl disable --now "$OTHER_UNIT"
run systemctl enable "$UNIT"
run systemctl restart "$UNIT"

# ---- 8. announce the page on the network (mDNS: <hostname>.local, and as a service) ----------
port=8000
if [[ -r $P_CONF ]]; then
    p=$(sed -n '/^\[server\]/,/^\[/{s/^port = \([0-9][0-9]*\).*/\1/p}' "$P_CONF" | head -n1)
    [[ -n $p ]] && port=$p
fi
scheme=http
if [[ -r $P_CONF ]] && grep -q '^tls_certfile = ' "$P_CONF"; then
    scheme=https
fi
note "avahi: ${host}.local announces treadwatch ($scheme, port $port)"
run install -d -m 0755 "$(dirname "$P_AVAHI")"
sed -e "s|@PORT@|$port|" -e "s|@TYPE@|_${scheme}._tcp|" "$REPO_DIR/deploy/avahi-treadwatch.service" |
    write_file "$P_AVAHI" 0644 root:root
run systemctl enable --now avahi-daemon

# ---- done -----------------------------------------------------------------------------------
addr=$(hostname -I 2>/dev/null | awk '{print $1}') || true
echo
note "installed. Logs: journalctl -u $UNIT -f"
if [[ $HEADLESS -eq 0 ]]; then
    note "the page: $scheme://${addr:-<address-of-this-Pi>}:$port/  (also $scheme://${host}.local:$port/)"
else
    note "headless: sessions are recorded in $DATA_DIR; open them with the live page later"
fi
note "settings: $CONF_FILE (then: sudo systemctl restart $UNIT)"
