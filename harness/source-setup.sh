#!/usr/bin/env bash
# Unpack the QEMU source trees vmcompat extracts release models from (Debian 12, as root).
#
# Debian's source packages, with Debian's patches applied (dpkg-source -x), into
# .cache/src/qemu-<upstream version>/:
#   7.2.22  bookworm            (the exact source of the 7.2 binary qemu:setup installs)
#   10.0.2  bookworm-backports  (the exact source of the 10.0 binary)
#   and, with --newer, every newer upstream version the archive carries (trixie, forky, sid).
# Idempotent; a tree is unpacked once. Nothing from these trees is committed.
set -euo pipefail

ROOT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mkdir -p "$ROOT_DIR/.cache/src"
CACHE="$(cd "$ROOT_DIR/.cache/src" && pwd -P)"   # the real folder: a worktree's .cache may be a link to another checkout's
LIST=/etc/apt/sources.list.d/vmcompat-src.sources
log() { printf '[source-setup] %s\n' "$*"; }
die() { printf '[source-setup] ERROR: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (sources.list.d, apt-get)"
export DEBIAN_FRONTEND=noninteractive
newer=0
[ "${1:-}" = "--newer" ] && newer=1

if [ ! -f "$LIST" ]; then
  log "adding deb-src entries ($LIST)"
  cat >"$LIST" <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates bookworm-backports trixie forky sid
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  apt-get update -qq
elif ! apt-cache showsrc qemu >/dev/null 2>&1 || [ -z "$(apt-cache showsrc qemu 2>/dev/null)" ]; then
  apt-get update -qq
fi
command -v dpkg-source >/dev/null 2>&1 || { log "installing dpkg-dev"; apt-get install -y -qq --no-install-recommends dpkg-dev >/dev/null; }

# The Debian version whose source built the 7.2 binary (the binary's own version, less a +bN rebuild suffix).
v72="$(dpkg-query -W -f='${Version}' qemu-system-x86 2>/dev/null | sed -E 's/\+b[0-9]+$//')"
[ -n "$v72" ] || v72="$(apt-cache madison qemu | awk -F'|' '$3 ~ / bookworm\/main Sources/ {gsub(/ /,"",$2); print $2; exit}')"
v10="$(apt-cache madison qemu | awk -F'|' '$3 ~ /bookworm-backports\/main Sources/ {gsub(/ /,"",$2); print $2; exit}')"
versions=("$v72" "$v10")
required=2   # the first two are the trees the tests read; the newer ones are optional
if [ "$newer" = 1 ]; then
  while read -r v; do versions+=("$v"); done < <(apt-cache madison qemu | awk -F'|' '$3 ~ /(trixie|forky|sid)\/main Sources/ {gsub(/ /,"",$2); print $2}' | sort -u)
fi
skipped=()

mkdir -p "$CACHE/debs"

n=0
for deb in "${versions[@]}"; do
  n=$((n + 1))
  [ -n "$deb" ] || continue
  noepoch="$(printf '%s' "$deb" | sed -E 's/^[0-9]+://')"
  stamp="$CACHE/stamps/$noepoch"
  if [ -f "$stamp" ] && [ -f "$(cat "$stamp")/VERSION" ]; then
    log "qemu $deb already unpacked in $(cat "$stamp")"; continue
  fi
  dir="$CACHE/unpack-$$"
  log "fetching source qemu=$deb"
  dsc="$CACHE/debs/qemu_$noepoch.dsc"
  rm -rf "$dir.tmp"
  if (cd "$CACHE/debs" && apt-get source -qq --download-only -o APT::Sandbox::User=root "qemu=$deb" >/dev/null 2>&1) && [ -f "$dsc" ]; then
    log "unpacking $(basename "$dsc") (Debian patches applied)"
    dpkg-source -q --no-check -x "$dsc" "$dir.tmp" >/dev/null
    echo "$deb" >"$dir.tmp/.vmcompat-debian-version"
  else
    # Some mirrors serve a backport's upstream tarball but not its .dsc / .debian.tar:
    # fall back to the upstream tree and say so (validation against the binary shows
    # whatever Debian's patches would have changed).
    orig="$( (ls "$CACHE/debs"/qemu_"$(printf '%s' "$noepoch" | sed -E 's/-[^-]*$//')".orig.tar.* 2>/dev/null || true) | head -1)"
    if [ -z "$orig" ]; then
      [ "$n" -le "$required" ] && die "could not fetch the source of qemu=$deb"
      # the index lists a newer version the mirror's pool does not serve (yet): say so, go on
      log "WARNING: could not fetch the source of qemu=$deb (the archive index lists it, the pool did not serve it): skipped"
      skipped+=("$deb"); continue
    fi
    log "the archive did not serve qemu_$noepoch.dsc: unpacking the upstream tarball $(basename "$orig") without Debian's patches"
    mkdir -p "$dir.tmp"
    tar -xf "$orig" -C "$dir.tmp" --strip-components=1
    echo "$deb (upstream tarball only, Debian patches not applied)" >"$dir.tmp/.vmcompat-debian-version"
  fi
  # The tree is named for its VERSION file (7.2.22, 10.0.2), as vmcompat names the release.
  final="$CACHE/qemu-$(tr -d '[:space:]' <"$dir.tmp/VERSION")"
  rm -rf "$final"; mv "$dir.tmp" "$final"
  mkdir -p "$CACHE/stamps"; echo "$final" >"$stamp"
  log "ok: $final (VERSION $(cat "$final/VERSION"))"
done
rm -f "$CACHE"/qemu_*.orig.tar.*   # dpkg-source leaves a copy of the tarball beside the tree
if [ "${#skipped[@]}" -gt 0 ]; then log "not fetched: ${skipped[*]}"; exit 3; fi
