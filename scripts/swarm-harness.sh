#!/bin/bash
# A two-node Docker Swarm on this one machine, for the swarm backend's tests (issue 14).
#
#   bash scripts/swarm-harness.sh up     # fetch (once), namespaces, daemons, swarm, labels, images
#   bash scripts/swarm-harness.sh down   # everything away again; safe to run any number of times
#   bash scripts/swarm-harness.sh env    # DOCKER_HOST, FEATHER_TENANT_DOCKER, FEATHER_TENANT_CADDY_ADMIN lines for a shell
#   bash scripts/swarm-harness.sh exec CMD...   # CMD in the manager's network namespace (Caddy's HTTP port)
#
# Debian 12's docker.io 20.10 (swarm mode built in), containerd, runc and tini are unpacked with
# `apt-get download` + `dpkg-deb -x` into a cache directory and NEVER installed as services:
# a dockerd on the host's own network sets iptables FORWARD DROP and breaks podman's bridges.
# Each dockerd runs in its own network + mount + UTS namespace, so every iptables rule it writes
# stays inside that namespace; `up` checks the host FORWARD chain gained no policy or DOCKER rule.
#
# Pitfalls met on this machine (kernel without IPVS, no module loading):
# - `ip netns exec` remounts /sys and leaves /sys/fs/cgroup empty (runc fails): enter with
#   nsenter --net + unshare --mount, mount a fresh sysfs and move the host's cgroup mount back.
# - libnetwork writes /var/lib/docker/network/files whatever --data-root says, and shims put
#   sockets under /run: each node gets a private /run and /var/lib.
# - every task start tries a registry pull first unless DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1.
# - service VIPs and the ingress mesh need IPVS: services use --endpoint-mode dnsrr, no ports.
set -euo pipefail

CACHE=${FEATHER_SWARM_CACHE:-/var/cache/feather-tenant-swarm}   # the unpacked packages (kept)
BASE=${FEATHER_SWARM_BASE:-/tmp/feather-swarm}                  # one run's state (removed by down)
NS=${FEATHER_SWARM_NS:-fts}                                     # namespace names: fts-br, fts-n1, ...
NET=${FEATHER_SWARM_SUBNET:-172.31.251}                         # the nodes' link; not a host route
NODES="1 2"
IMAGES=${FEATHER_SWARM_IMAGES:-"localhost/feather-work-test:latest localhost/feather-work-node:latest"}
ROOT=$CACHE/root
SELF=$(readlink -f "$0")
export PATH=$ROOT/usr/bin:$ROOT/usr/sbin:$PATH

d()   { local n=$1; shift; "$ROOT/usr/bin/docker" -H "unix://$BASE/n$n/docker.sock" "$@"; }
log() { echo "swarm-harness: $*" >&2; }

fetch() {
  [ -x "$ROOT/usr/sbin/dockerd" ] && [ -x "$ROOT/usr/bin/containerd" ] && return 0
  log "fetching docker.io containerd runc tini into $CACHE (unpacked, not installed)"
  mkdir -p "$CACHE/debs" "$ROOT"
  ls /var/lib/apt/lists/*Packages* >/dev/null 2>&1 || apt-get update -qq
  # lists older than the mirror name versions it no longer has: update once and try again
  (cd "$CACHE/debs" && { apt-get download -qq docker.io containerd runc tini || { apt-get update -qq && apt-get download -qq docker.io containerd runc tini; }; })
  for f in "$CACHE"/debs/*.deb; do dpkg-deb -x "$f" "$ROOT"; done
}

net_up() {   # a bridge in its own namespace, one veth to each node's namespace
  ip netns add "$NS-br"
  ip -n "$NS-br" link set lo up
  ip -n "$NS-br" link add br0 type bridge
  ip -n "$NS-br" addr add "$NET.254/24" dev br0
  ip -n "$NS-br" link set br0 up
  for n in $NODES; do
    ip netns add "$NS-n$n"
    ip -n "$NS-br" link add "vn$n" type veth peer name eth0 netns "$NS-n$n"
    ip -n "$NS-br" link set "vn$n" master br0 up
    ip -n "$NS-n$n" link set lo up
    ip -n "$NS-n$n" addr add "$NET.$n/24" dev eth0
    ip -n "$NS-n$n" link set eth0 up
  done
}

# Runs inside the node's namespaces (see start): private /run and /var/lib, then the daemons.
node_inner() {
  local n=$1 D=$BASE/n$1
  hostname "$NS-n$n"
  mount -t tmpfs -o mode=755 tmpfs /run
  mkdir -p "$D/cg" && mount --rbind /sys/fs/cgroup "$D/cg"
  mount -t sysfs sysfs /sys
  mount --move "$D/cg" /sys/fs/cgroup
  mkdir -p "$D/varlib" && mount --bind "$D/varlib" /var/lib
  containerd --config "$D/containerd.toml" >"$D/containerd.log" 2>&1 &
  echo $! >"$D/containerd.pid"
  for _ in $(seq 50); do [ -S "$D/containerd.sock" ] && break; sleep 0.2; done
  echo $$ >"$D/dockerd.pid"
  export DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1
  exec dockerd -H "unix://$D/docker.sock" --containerd "$D/containerd.sock" \
    --data-root "$D/data" --exec-root /run/docker --pidfile /run/docker.pid \
    --config-file "$D/daemon.json" --cgroup-parent "/$NS-n$n" >"$D/dockerd.log" 2>&1
}

start() {
  for n in $NODES; do
    local D=$BASE/n$n
    mkdir -p "$D/data" "$D/containerd-root" "$D/opt"
    # key.json would otherwise land in the host's /etc/docker; this key is daemon.json-only
    echo "{\"deprecated-key-path\": \"$D/key.json\"}" >"$D/daemon.json"
    cat >"$D/containerd.toml" <<EOF
version = 2
root = "$D/containerd-root"
state = "/run/containerd"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$D/containerd.sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "$D/opt"
EOF
    setsid nsenter --net="/run/netns/$NS-n$n" -- unshare --mount --uts --propagation private -- \
      env FEATHER_SWARM_CACHE="$CACHE" FEATHER_SWARM_BASE="$BASE" FEATHER_SWARM_NS="$NS" \
      bash "$SELF" _inner "$n" >"$D/launcher.log" 2>&1 </dev/null &
  done
  for n in $NODES; do
    # up to 30 s; a dockerd that has exited is not waited for (failed() shows its log)
    for _ in $(seq 150); do
      d "$n" version >/dev/null 2>&1 && break
      [ -f "$BASE/n$n/dockerd.pid" ] && ! kill -0 "$(cat "$BASE/n$n/dockerd.pid")" 2>/dev/null && break
      sleep 0.2
    done
    d "$n" version --format 'node '"$n"' dockerd {{.Server.Version}}' >&2
  done
}

swarm_up() {
  d 1 swarm init --advertise-addr "$NET.1" --listen-addr "$NET.1:2377" >/dev/null
  local token; token=$(d 1 swarm join-token -q worker)
  for n in $NODES; do
    [ "$n" = 1 ] || d "$n" swarm join --advertise-addr "$NET.$n" --listen-addr "$NET.$n:2377" --token "$token" "$NET.1:2377" >/dev/null
  done
  # placement for tenants: node.labels.feather.host (the CLI's --node and "fewest tenants")
  for n in $NODES; do
    d 1 node update --label-add "feather.host=$n" "$(d "$n" info --format '{{.Swarm.NodeID}}')" >/dev/null
  done
}

images() {   # no registry: podman save on the host, docker load on every node
  for img in $IMAGES; do
    local tar="$BASE/image.tar"
    podman save -o "$tar" "$img" >/dev/null 2>&1
    for n in $NODES; do d "$n" load -q -i "$tar" >/dev/null; done
    rm -f "$tar"
  done
}

# Caddy for the tenants, as the operator runs it on a manager: a container (so it can join every
# tenant's overlay network and resolve <prefix><name> by Swarm DNS) with its HTTP port published on
# the manager's loopback (8080). $SHARED is bind-mounted at the same path (0700, root's: Caddy's
# container runs as root, like the watchdog and the CLI; docs/many-servers.md): the admin API's
# socket, the watchdog's wake socket, the direct server's socket and the access log live there.
# The admin API is on that unix socket and on NO TCP port: Caddy's container is on every tenant's
# network, and with it on 0.0.0.0:2019 a tenant's container got 200 on /config/ (a wildcard admin
# listener skips Caddy's Host check). On the socket, `origins` unset, Caddy 2.6.2 takes only an
# empty Host header (what its own CLI sends; src/caddy/http-transport.ts). The image is the host's
# Debian caddy binary and the libraries ldd names, imported with podman and loaded like the work images.
CADDY_IMAGE=localhost/feather-caddy:harness
CADDY=feather-caddy
SHARED=$BASE/caddy
ADMIN_SOCK=$SHARED/admin.sock
caddy_up() {
  local R=$BASE/caddy-rootfs
  mkdir -p "$R/usr/bin" "$R/etc" "$R/tmp" && chmod 1777 "$R/tmp"
  cp /usr/bin/caddy "$R/usr/bin/caddy"
  for lib in $(ldd /usr/bin/caddy | grep -o '/[^ ]*'); do mkdir -p "$R$(dirname "$lib")"; cp -L "$lib" "$R$lib"; done
  cat >"$R/etc/caddy.json" <<EOF2
{"admin": {"listen": "unix/$ADMIN_SOCK"},
 "apps": {"http": {"servers": {"tenants": {"listen": [":80"]}}}}}
EOF2
  tar -C "$R" --numeric-owner -c . | podman import -q --change 'CMD ["/usr/bin/caddy","run","--config","/etc/caddy.json"]' - "$CADDY_IMAGE" >/dev/null
  podman save -o "$BASE/caddy.tar" "$CADDY_IMAGE" >/dev/null 2>&1
  podman rmi "$CADDY_IMAGE" >/dev/null
  d 1 load -q -i "$BASE/caddy.tar" >/dev/null && rm -f "$BASE/caddy.tar" && rm -rf "$R"
  mkdir -p "$SHARED" && chmod 0700 "$SHARED"
  # A resolver for Caddy's container that answers NXDOMAIN at once, as a manager's does for a
  # sleeping tenant's single-label name (scripts/lib/nxdomain-dns.mjs says why); on docker0's
  # address in the manager's namespace, where Docker's embedded DNS forwards what it does not know.
  local gw; gw=$(in_manager ip -4 -o addr show docker0 | awk '{print $4}' | cut -d/ -f1)
  setsid nsenter --net="/run/netns/$NS-n1" -- node "$(dirname "$SELF")/lib/nxdomain-dns.mjs" "$gw" >"$BASE/dns.log" 2>&1 </dev/null &
  echo $! >"$BASE/dns.pid"
  d 1 run -d --name "$CADDY" --dns "$gw" -p 127.0.0.1:8080:80 -v "$SHARED:$SHARED" "$CADDY_IMAGE" >/dev/null
  # `-H 'Host;'`: an empty Host header, the only one Caddy's unix admin listener accepts
  for _ in $(seq 50); do curl -sf -o /dev/null --unix-socket "$ADMIN_SOCK" -H 'Host;' http://localhost/config/ && return 0; sleep 0.2; done
  log "caddy's admin API did not answer on $ADMIN_SOCK"; return 1
}

# A command in the manager's network namespace: where the CLI runs, next to Caddy's ports.
in_manager() { nsenter --net="/run/netns/$NS-n1" -- "$@"; }

# What a dockerd on the host's own network would do there: FORWARD's policy to DROP, DOCKER-*
# jumps. Only these are compared: other tests on this machine change their own FORWARD rules.
docker_marks() { iptables -S FORWARD 2>/dev/null | grep -E '^-P FORWARD|DOCKER'; }

up() {
  [ -S "$BASE/n1/docker.sock" ] && d 1 info >/dev/null 2>&1 && { log "already up"; return 0; }
  local t0 fw; t0=$(date +%s%N); fw=$(docker_marks)
  down >/dev/null 2>&1
  set -E   # the ERR trap inside the steps too: it names the command that failed, not just the step
  trap 'failed $LINENO "$BASH_COMMAND"' ERR
  fetch
  net_up; start; swarm_up; images; caddy_up
  trap - ERR
  [ "$(docker_marks)" = "$fw" ] || { log "the host's FORWARD policy or DOCKER rules changed"; down; exit 1; }
  log "up in $(( ($(date +%s%N) - t0) / 1000000 )) ms; manager: unix://$BASE/n1/docker.sock"
}

# A failed bring-up says why before `down` removes the logs: the failing command, then the end of
# each node's daemon logs (a dockerd that never answered says why there, not on our stderr).
failed() {
  log "bring-up failed at line $1: $2"
  for f in "$BASE"/n*/launcher.log "$BASE"/n*/containerd.log "$BASE"/n*/dockerd.log; do
    [ -s "$f" ] && { log "last lines of $f:"; tail -n 8 "$f" >&2; }
  done
  log "taking it down"; trap - ERR; down; exit 1
}

down() {
  set +e
  for n in $NODES; do
    local D=$BASE/n$n
    if [ -f "$D/dockerd.pid" ] && kill -0 "$(cat "$D/dockerd.pid")" 2>/dev/null; then
      d "$n" swarm leave --force >/dev/null 2>&1
      kill "$(cat "$D/dockerd.pid")"
      for _ in $(seq 60); do kill -0 "$(cat "$D/dockerd.pid")" 2>/dev/null || break; sleep 0.25; done
    fi
    [ -f "$D/containerd.pid" ] && kill "$(cat "$D/containerd.pid")" 2>/dev/null
  done
  [ -f "$BASE/dns.pid" ] && kill "$(cat "$BASE/dns.pid")" 2>/dev/null
  # shims of OUR containerds only (their -address is under $BASE), each by its PID
  for p in $(pgrep -f "containerd-shim-runc-v2 .*-address $BASE/"); do kill "$p"; done
  for n in $NODES; do ip netns del "$NS-n$n" 2>/dev/null; rmdir /sys/fs/cgroup/"$NS-n$n" 2>/dev/null; done
  ip netns del "$NS-br" 2>/dev/null
  # overlay2 mounts of the nodes lived in their private mount namespaces: gone with them
  rm -rf "$BASE" 2>/dev/null || { sleep 1; rm -rf "$BASE"; }
  set -e
  return 0
}

case ${1:-} in
  _inner) node_inner "$2" ;;
  up) up ;;
  down) t0=$(date +%s%N); down; log "down in $(( ($(date +%s%N) - t0) / 1000000 )) ms" ;;
  fetch) fetch ;;
  env) echo "DOCKER_HOST=unix://$BASE/n1/docker.sock"; echo "FEATHER_TENANT_DOCKER=$ROOT/usr/bin/docker"; echo "FEATHER_SWARM_SHARED=$BASE/caddy"; echo "FEATHER_TENANT_CADDY_ADMIN=unix:$BASE/caddy/admin.sock" ;;
  exec) shift; in_manager "$@" ;;
  *) echo "usage: $0 up|down|env|fetch|exec CMD..." >&2; exit 2 ;;
esac
