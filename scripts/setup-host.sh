#!/usr/bin/env bash
# Prepares a fresh Debian machine (as root) for feather-tenant's demo and tests:
# the packages, the podman settings this kind of machine needs (docs/platform.md),
# and the stand-in work image. Safe to run again: every step checks before it changes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

need=()
# chromium: the waiting-page test drives Debian's Chromium with playwright-core (no browser download).
for bin in podman runc caddy redis-server busybox chromium curl; do
  command -v "$bin" >/dev/null 2>&1 || need+=("$bin")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing podman runc caddy redis-server busybox-static chromium curl" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq podman runc caddy redis-server busybox-static chromium curl >/dev/null
fi

# The swarm harness (npm run test:swarm, scripts/swarm-harness.sh) needs ip, iptables and pgrep on
# the host; Docker itself it fetches with apt-get download and unpacks, never installed.
harness=()
command -v ip >/dev/null 2>&1 || harness+=(iproute2)
command -v iptables >/dev/null 2>&1 || harness+=(iptables)
command -v pgrep >/dev/null 2>&1 || harness+=(procps)
if [ ${#harness[@]} -gt 0 ]; then
  echo "setup: installing ${harness[*]} (for the swarm harness)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${harness[@]}" >/dev/null
fi

# crun fails on this kernel's hybrid cgroups and podman's default nofile ulimit exceeds
# the hard limit here; runc with explicit ulimits works (docs/platform.md, "Podman 4.3 on Debian 12").
conf=/etc/containers/containers.conf
if ! grep -q 'feather-tenant setup' "$conf" 2>/dev/null; then
  mkdir -p /etc/containers
  [ -f "$conf" ] && cp "$conf" "$conf.before-feather-tenant"
  cat > "$conf" <<'CONF'
# written by feather-tenant setup (scripts/setup-host.sh)
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]

[engine]
runtime = "runc"
CONF
fi

# The stand-in work images used by the demo and the tests.
bash "$here/build-test-image.sh"

