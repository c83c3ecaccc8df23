#!/usr/bin/env bash
# Provision the two QEMU binaries vmcompat drives (Debian 12, run as root; CI runs it too).
#
#   7.2  : Debian's qemu-system-x86 package           -> /usr/bin/qemu-system-x86_64
#   10.0 : bookworm-backports' debs, unpacked locally -> .cache/qemu/10.0/root
#
# 10.0 is unpacked (dpkg -x) rather than installed so that both versions live side
# by side. Idempotent: every step checks whether it is already done. Fails (non-zero)
# if anything is still missing at the end.
set -euo pipefail

ROOT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$ROOT_DIR/.cache/qemu/10.0"
DEBS="$CACHE/debs"
PREFIX="$CACHE/root"
BPO_LIST=/etc/apt/sources.list.d/bookworm-backports.sources
PKGS_10=(qemu-system-x86 qemu-system-common qemu-system-data)
# Firmware folders both binaries must share (spec Appendix D): ROM blobs are RAM
# blocks in the stream, so their sizes must match between source and destination.
FW_DIRS=(/usr/share/qemu /usr/share/seabios /usr/lib/ipxe/qemu)

log() { printf '[qemu-setup] %s\n' "$*"; }
die() { printf '[qemu-setup] ERROR: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (apt-get install / sources.list.d)"
export DEBIAN_FRONTEND=noninteractive

apt_updated=0
apt_update() {
  if [ "$apt_updated" = 0 ]; then log "apt-get update"; apt-get update -qq; apt_updated=1; fi
}

# --- 1. QEMU 7.2 from bookworm (also brings seabios and ipxe-qemu firmware) ----------
if [ -x /usr/bin/qemu-system-x86_64 ] && dpkg -s qemu-system-x86 >/dev/null 2>&1; then
  log "qemu-system-x86 (7.2) already installed"
else
  apt_update
  log "installing qemu-system-x86 (7.2)"
  apt-get install -y -qq --no-install-recommends qemu-system-x86 seabios ipxe-qemu
fi
for p in seabios ipxe-qemu; do
  if ! dpkg -s "$p" >/dev/null 2>&1; then apt_update; log "installing $p"; apt-get install -y -qq --no-install-recommends "$p"; fi
done

# --- 2. bookworm-backports source ----------------------------------------------------
if grep -qsE '^[^#]*bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; then
  log "bookworm-backports source already configured"
else
  log "adding $BPO_LIST"
  cat >"$BPO_LIST" <<'EOF'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  apt_updated=0
fi

# --- 3. download + unpack the 10.0 debs ----------------------------------------------
bin10="$PREFIX/usr/bin/qemu-system-x86_64"
if [ -x "$bin10" ] && [ -f "$CACHE/.unpacked" ]; then
  log "QEMU 10.0 already unpacked in $PREFIX"
else
  apt_update
  mkdir -p "$DEBS" "$PREFIX"
  for p in "${PKGS_10[@]}"; do
    # Pick the bookworm-backports candidate explicitly (10.0.x), not bookworm's 7.2.
    ver="$(apt-cache madison "$p" | awk -F'|' '$3 ~ /bookworm-backports/ {gsub(/ /,"",$2); print $2; exit}')"
    [ -n "$ver" ] || die "no bookworm-backports version of $p in apt-cache madison"
    case "$ver" in *:10.0*|10.0*) ;; *) die "bookworm-backports offers $p $ver, expected 10.0.x" ;; esac
    if ls "$DEBS/${p}_"*.deb >/dev/null 2>&1; then
      log "$p already downloaded"
    else
      log "downloading $p=$ver"
      # Sandbox user root: the _apt user cannot write into the project folder.
      (cd "$DEBS" && apt-get download -qq -o APT::Sandbox::User=root "$p=$ver")
    fi
  done
  for deb in "$DEBS"/*.deb; do
    log "unpacking $(basename "$deb")"
    dpkg -x "$deb" "$PREFIX"
  done
  touch "$CACHE/.unpacked"
fi

# --- 4. shared libraries the 10.0 binary needs that 7.2 does not bring ---------------
# apt-file is not on a fresh machine, so take the library packages from the debs' own
# Depends (bookworm-backports builds against bookworm) and install the missing ones;
# ldd is the final judge.
export QEMU_MODULE_DIR="$PREFIX/usr/lib/x86_64-linux-gnu/qemu"
need=()
for deb in "$DEBS"/*.deb; do
  for dep in $(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed -E 's/\(.*\)//; s/\|.*//; s/ //g'); do
    case "$dep" in ''|qemu-*|seabios|ipxe-qemu) continue ;; esac
    dpkg -s "$dep" >/dev/null 2>&1 || need+=("$dep")
  done
done
if [ "${#need[@]}" -gt 0 ]; then
  apt_update
  log "installing libraries 10.0 needs: ${need[*]}"
  apt-get install -y -qq --no-install-recommends "${need[@]}"
else
  log "all library dependencies of the 10.0 debs are installed"
fi
missing="$( { ldd "$PREFIX/usr/bin/qemu-system-x86_64"; for m in "$QEMU_MODULE_DIR"/*.so; do ldd "$m"; done; } 2>/dev/null | awk '/not found/ {print $1}' | sort -u)"
[ -z "$missing" ] || die "10.0 binary or its modules still miss libraries: $missing (find the package with: apt-cache search <soname stem>)"

# --- 5. final checks -----------------------------------------------------------------
for d in "${FW_DIRS[@]}"; do [ -d "$d" ] || die "firmware folder $d missing"; done
# Shared folders first (first match wins), 10.0's own data folder last as a fallback.
fwargs=()
for d in "${FW_DIRS[@]}"; do fwargs+=(-L "$d"); done
fwargs+=(-L "$PREFIX/usr/share/qemu")

v72="$(/usr/bin/qemu-system-x86_64 -version | head -1)" || die "7.2 binary does not run"
case "$v72" in *"version 7.2"*) log "ok: $v72" ;; *) die "unexpected 7.2 version: $v72" ;; esac
v10="$("$bin10" "${fwargs[@]}" -version | head -1)" || die "10.0 binary does not run"
case "$v10" in *"version 10.0"*) log "ok: $v10" ;; *) die "unexpected 10.0 version: $v10" ;; esac
log "done: 7.2 at /usr/bin/qemu-system-x86_64, 10.0 at $bin10 (QEMU_MODULE_DIR=$QEMU_MODULE_DIR)"
