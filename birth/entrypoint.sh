#!/bin/bash
# The birth container's main process (run it with --init: catatonit is PID 1, reaps, forwards
# signals here). Starts Redis and Caddy, loads the work image, converges state with
# `feather-tenant reconcile`, then supervises the watchdog (the wake server and the sweeps).
# SIGTERM stops everything in order: the watchdog (finishing wakes in flight), the tenants'
# containers, Caddy, Redis. If any of the daemons dies, the others are stopped and the container
# exits non-zero, so podman's restart policy can bring the whole birth back.
set -euo pipefail

DATA=/var/lib/feather-birth
BIRTH=/opt/feather-birth
RENDERER=/opt/feather-tenant/dist/birth/render-caddy-config.js
WORK_TAR=${FEATHER_BIRTH_WORK_TAR:-/opt/feather-work.tar}
STOP_TENANTS_SECONDS=${FEATHER_BIRTH_STOP_TIMEOUT:-10}

log() { printf '%s feather-birth: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }

caddy_pid='' redis_pid='' watchdog_pid='' podman_service_pid='' stopping=''

# host and port of a URL like redis://127.0.0.1:6379/0 or http://127.0.0.1:2020
url_host() { local u=${1#*://}; u=${u#*@}; u=${u%%/*}; printf '%s' "${u%:*}"; }
url_port() { local u=${1#*://}; u=${u#*@}; u=${u%%/*}; [[ $u == *:* ]] && printf '%s' "${u##*:}" || printf '%s' "$2"; }

wait_tcp() { # host port seconds pid: until the port accepts, the process is gone, or time is up
  local deadline=$((SECONDS + $3))
  until (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; do
    kill -0 "$4" 2>/dev/null || return 1
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}

stop_pid() { # pid name: TERM, then wait for it
  [ -n "$1" ] && kill -0 "$1" 2>/dev/null || return 0
  log "stopping $2"
  kill -TERM "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

shutdown() {
  local code=${1:-0}
  [ -n "$stopping" ] && return 0
  stopping=1
  trap '' TERM INT
  trap - ERR
  stop_pid "$watchdog_pid" watchdog
  # The tenants' containers live in this container's namespaces: stop them cleanly (they run
  # with --init, so this takes moments) rather than leave them to be killed with it.
  if [ -n "$(podman ps -q 2>/dev/null)" ]; then
    log "stopping the tenants' containers"
    podman stop --all --time "$STOP_TENANTS_SECONDS" >/dev/null 2>&1 || log "some containers did not stop cleanly"
  fi
  stop_pid "$podman_service_pid" "podman's API service"
  stop_pid "$caddy_pid" caddy
  stop_pid "$redis_pid" redis
  log "stopped"
  exit "$code"
}
trap 'shutdown 0' TERM INT
# A step that fails stops what was started before it (set -e alone would leave that to the kill).
trap 'log "failed at line $LINENO"; shutdown 1' ERR

# --- state left by the previous run of this container ---
# /run is not a tmpfs here, so podman's runtime state from before a restart is still on disk,
# describing processes that are gone. Removing it makes podman see a fresh boot (it refreshes
# every container's state), as after a reboot.
# Its lock table in shared memory (/dev/shm/libpod_lock) goes too, or the refresh finds every
# container's lock already taken ("acquiring lock N: file exists").
rm -rf /run/containers /run/libpod /run/crun /run/runc /run/netns /run/podman /run/feather-birth /dev/shm/libpod_lock
mkdir -p /run/feather-birth "$DATA"/state "$DATA"/config "$DATA"/data "$DATA"/redis

if ! mountpoint -q /var/lib/containers; then
  log "WARNING: /var/lib/containers is not a volume: tenants' data volumes live in this container's own layer and are lost when it is removed; run with -v feather-birth-storage:/var/lib/containers"
  # overlay cannot stack on the container's own overlay; fuse-overlayfs can.
  if ! grep -q '^mount_program' /etc/containers/storage.conf; then
    sed -i 's|^\[storage.options.overlay\]|&\nmount_program = "/usr/bin/fuse-overlayfs"|' /etc/containers/storage.conf
  fi
fi
# podman's default network, which containers made without --network join (tenant.sh's did), with
# a bridge name of its own: the built-in one is podman0, the same as the host podman's.
mkdir -p /var/lib/containers/networks
cp "$BIRTH"/podman-network.json /var/lib/containers/networks/podman.json
mountpoint -q "$DATA" || log "WARNING: $DATA is not a volume: feather-tenant's state, Caddy's routes and Redis are lost when this container is removed; run with -v feather-birth-data:$DATA"

# feather-tenant's effective settings (its config file and FEATHER_TENANT_*), read once.
settings=$(feather-tenant config)
setting() { node -e 'const v = JSON.parse(process.argv[1])[process.argv[2]]; process.stdout.write(String(v ?? ""))' "$settings" "$1"; }
image=$(setting image)
access_log=$(setting accessLog)
[ -n "$access_log" ] && mkdir -p "$(dirname "$access_log")"

# Caddy's config is rendered first: it checks the FEATHER_BIRTH_* settings before anything starts.
# (The routes added at run time before this restart are carried over from Caddy's autosave.)
admin_url=${FEATHER_TENANT_CADDY_ADMIN:-http://127.0.0.1:2020}
node "$RENDERER" "$BIRTH"/caddy.json /run/feather-birth/caddy.json

# --- Redis (sessions and revocations), on loopback only, data on the volume ---
redis_url=${FEATHER_TENANT_REDIS_URL:-redis://127.0.0.1:6379}
redis_port=$(url_port "$redis_url" 6379)
chown -R redis:redis "$DATA"/redis
# Every process on the host reaches 127.0.0.1 (host network), so Redis asks for a password: made
# once, kept on the data volume (root's, 0600), read by the CLI and the watchdog from that file
# (FEATHER_TENANT_REDIS_PASSWORD_FILE) and handed to redis-server as config on its stdin, never
# in an argv, which `ps` shows to every process on the host.
redis_config=''
redis_password_file=$(setting redisPasswordFile)
if [ -n "$redis_password_file" ]; then
  if [ ! -e "$redis_password_file" ]; then
    log "generating Redis's password into $redis_password_file"
    (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$redis_password_file.new" && mv "$redis_password_file.new" "$redis_password_file")
  fi
  redis_password=''
  IFS= read -r redis_password <"$redis_password_file" || true
  [ -n "$redis_password" ] || { log "$redis_password_file is empty"; shutdown 1; }
  redis_password=${redis_password//\\/\\\\}
  redis_config="requirepass \"${redis_password//\"/\\\"}\""
  unset redis_password
else
  log "WARNING: FEATHER_TENANT_REDIS_PASSWORD_FILE is empty: Redis takes commands from any process on the host"
fi
log "starting redis on 127.0.0.1:$redis_port"
setpriv --reuid redis --regid redis --init-groups -- \
  redis-server - --bind 127.0.0.1 --port "$redis_port" --protected-mode yes \
    --dir "$DATA"/redis --appendonly yes --daemonize no --logfile '' <<<"$redis_config" &
redis_pid=$!
unset redis_config

# --- Caddy ---
log "starting caddy (admin $(url_host "$admin_url"):$(url_port "$admin_url" 80))"
caddy run --config /run/feather-birth/caddy.json &
caddy_pid=$!

wait_tcp 127.0.0.1 "$redis_port" 20 "$redis_pid" || { log "redis did not start"; shutdown 1; }
wait_tcp "$(url_host "$admin_url")" "$(url_port "$admin_url" 80)" 20 "$caddy_pid" || { log "caddy did not start"; shutdown 1; }

# --- the work image ---
if [ -f "$WORK_TAR" ]; then
  # Loading a large image takes a while: skip it when this very file was loaded before.
  stamp=$(stat -c '%s %Y %i' "$WORK_TAR")
  if [ "$(cat "$DATA"/work-image.loaded 2>/dev/null)" = "$stamp" ] && podman image exists "$image"; then
    log "work image $image already loaded from $WORK_TAR"
  else
    log "loading the work image from $WORK_TAR"
    podman load --quiet --input "$WORK_TAR" >&2
    printf '%s\n' "$stamp" > "$DATA"/work-image.loaded
    podman image exists "$image" || log "WARNING: $WORK_TAR does not hold $image (FEATHER_TENANT_IMAGE): add will fail until it is loaded"
  fi
fi

# --- podman's API service, for reads ---
# list, reconcile and the sweeps read containers and networks through it (FEATHER_TENANT_PODMAN_SOCKET,
# set in the image) instead of starting a podman process for each (~80 ms each). The socket is
# root's alone (0600 in a 0700 directory): whoever can use it is root here. If the service dies,
# the CLI reads through podman processes again, so it is not supervised like the daemons below.
podman_socket=$(setting podmanSocket)
if [ -n "$podman_socket" ]; then
  mkdir -p -m 0700 "$(dirname "$podman_socket")"
  log "starting podman's API service on $podman_socket"
  (umask 077 && exec podman system service --time=0 "unix://$podman_socket") &
  podman_service_pid=$!
  for _ in $(seq 50); do [ -S "$podman_socket" ] && break; sleep 0.1; done
  [ -S "$podman_socket" ] || log "WARNING: podman's API service did not start: feather-tenant reads through podman processes"
fi

# --- converge, then run the watchdog ---
# reconcile brings podman, Caddy and the state store back in line after whatever happened while
# the birth was down (a crash half-way through a command, a lost route, a stopped tenant). A
# failure is not fatal: the tenants it did reach are served, and it can be run again by hand.
log "reconciling state, podman and caddy"
feather-tenant reconcile >&2 || log "WARNING: reconcile failed (status $?); run: podman exec <this container> feather-tenant reconcile"

wake_listen=${FEATHER_TENANT_WAKE_LISTEN:-127.0.0.1:9098}
log "starting the watchdog (wake server on $wake_listen)"
feather-tenant watchdog &
watchdog_pid=$!
wait_tcp "${wake_listen%:*}" "${wake_listen##*:}" 30 "$watchdog_pid" || { log "the watchdog did not start"; shutdown 1; }

log "ready"
# Wait for the first daemon to end; on SIGTERM the trap runs shutdown instead.
code=0
wait -n "$caddy_pid" "$redis_pid" ${watchdog_pid:+"$watchdog_pid"} || code=$?
[ -n "$stopping" ] && exit 0
for p in caddy redis watchdog; do
  pid_var="${p}_pid"
  pid=${!pid_var}
  [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null && log "$p exited (status $code): stopping the birth container"
done
shutdown 1
