#!/usr/bin/env bash
# Makes the Debian trixie base image the birth Containerfile builds FROM, since no container
# registry is reachable here: debootstrap a minimal trixie and import it into podman.
# Cached: does nothing when the image exists (pass --force to rebuild it).
#   FEATHER_BASE_IMAGE   the image to make (localhost/debian-trixie-base:latest)
#   FEATHER_DEBIAN_MIRROR  the Debian mirror (http://deb.debian.org/debian)
set -euo pipefail
image=${FEATHER_BASE_IMAGE:-localhost/debian-trixie-base:latest}
mirror=${FEATHER_DEBIAN_MIRROR:-http://deb.debian.org/debian}

if [ "${1:-}" != --force ] && podman image exists "$image"; then
  echo "base image $image exists (cached; --force rebuilds it)" >&2
  exit 0
fi

if ! command -v debootstrap >/dev/null 2>&1; then
  echo "base image: installing debootstrap" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq debootstrap >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null; }
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "base image: debootstrap --variant=minbase trixie (about half a minute)" >&2
if ! debootstrap --variant=minbase trixie "$tmp/root" "$mirror" >"$tmp/debootstrap.log" 2>&1; then
  tail -n 30 "$tmp/debootstrap.log" >&2
  [ -f "$tmp/root/debootstrap/debootstrap.log" ] && tail -n 30 "$tmp/root/debootstrap/debootstrap.log" >&2
  echo "base image: debootstrap failed" >&2
  exit 1
fi
# Nothing of the build host's identity or apt caches goes into the image.
rm -rf "$tmp/root/var/cache/apt/archives/"*.deb "$tmp/root/var/lib/apt/lists/"* "$tmp/root/debootstrap"
: > "$tmp/root/etc/hostname"
tar -C "$tmp/root" --numeric-owner -c . | podman import --quiet \
  --change 'CMD=["/bin/bash"]' --change 'ENV=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  - "$image" >/dev/null
echo "base image: made $image" >&2
