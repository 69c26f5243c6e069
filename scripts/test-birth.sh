#!/usr/bin/env bash
# End-to-end check of the birth image (npm run test:birth), on a machine set up by
# scripts/setup-host.sh: makes the Debian base image (cached), builds the birth image, runs it the
# way docs/birth-image.md says, loads a stand-in work image into it, and drives it from outside with
# `podman exec ... feather-tenant` and requests through its Caddy, like an operator and a user:
#   add alice -> her page through Caddy -> data written -> she falls asleep -> a request wakes her
#   -> the birth container restarts -> she is served again with her data -> upgrade to a new
#   work image under load -> the admin instance (swap.sh under load) -> tenant.sh remove.
# Everything it makes (container, volumes, the work archive) is removed at the end; the base and
# birth images stay for the next run unless --clean-images is given.
#
# The birth uses the host's network, so every port it listens on is picked free for this run
# (FEATHER_BIRTH_HTTP_PORT etc.) and the container's name is unique: runs cannot collide.
set -euo pipefail
cd "$(dirname "$0")/.."

clean_images=0
for arg in "$@"; do
  case "$arg" in
    --clean-images) clean_images=1 ;;
    *) echo "usage: $0 [--clean-images]" >&2; exit 2 ;;
  esac
done

BASE_IMAGE=${FEATHER_BASE_IMAGE:-localhost/debian-trixie-base:latest}
BIRTH_IMAGE=${FEATHER_BIRTH_IMAGE:-localhost/feather-birth:latest}
TEST_IMAGE=localhost/feather-work-test:latest
DOMAIN=birth.test
name=feather-birth-test-$$
storage=$name-storage
data=$name-data
tmp=$(mktemp -d)
t0=$SECONDS
step_started=$SECONDS
step_name=''

say() { printf '\n== %s\n' "$*" >&2; }
step() {
  [ -n "$step_name" ] && printf '   (%s: %ss)\n' "$step_name" $((SECONDS - step_started)) >&2
  step_name=$1 step_started=$SECONDS
  say "$1"
}
fail() { printf 'test-birth: FAILED: %s\n' "$*" >&2; exit 1; }

descendants() { # the images built on image $1, deepest first (podman keeps each one's parent)
  local base
  base=$(podman image inspect --format '{{.Id}}' "$1" 2>/dev/null) || return 0
  podman image inspect --format '{{.Id}} {{.Parent}}' $(podman images -a -q --no-trunc) 2>/dev/null | awk -v base="$base" '
    { parent[$1] = $2; ids[NR] = $1 }
    END {
      for (i = 1; i <= NR; i++) {
        d = 0; p = parent[ids[i]]
        while (p != "" && p != base && d < 500) { p = parent[p]; d++ }
        if (p == base && ids[i] != base) print d, ids[i]
      }
    }' | sort -rn | awk '{print $2}' | uniq
}

cleanup() {
  local rc=$?
  set +e
  if [ "$rc" -ne 0 ] && podman container exists "$name"; then
    say "logs of $name (last 150 lines)"
    podman logs --tail 150 "$name" 2>&1
    say "containers inside $name"
    podman exec "$name" podman ps -a 2>&1
    [ -n "${ADMIN_PORT:-}" ] && { say "caddy routes"; curl -s "http://127.0.0.1:$ADMIN_PORT/config/apps/http/servers/feather/routes"; echo; }
  fi
  if podman container exists "$name"; then
    # Removing the tenants first takes their bridges and firewall rules out of the host's
    # network namespace (the birth shares it); the volumes go with the storage volume below.
    podman exec "$name" sh -c 'for t in $(feather-tenant list --json | node -e "let s=\"\";process.stdin.on(\"data\",d=>s+=d).on(\"end\",()=>console.log(JSON.parse(s).map(t=>t.name).join(\" \")))"); do feather-tenant remove "$t" >/dev/null; done' >/dev/null 2>&1
    podman rm -f -t 30 "$name" >/dev/null 2>&1
  fi
  podman volume rm -f "$storage" "$data" >/dev/null 2>&1
  rm -rf "$tmp"
  if [ "$clean_images" = 1 ]; then
    # The birth image, the build's cached stages (every image built on the base, children
    # first), then the base itself. Only the base made by make-base-image.sh is built upon.
    podman image rm "$BIRTH_IMAGE" >/dev/null 2>&1
    for id in $(descendants "$BASE_IMAGE"); do podman image rm "$id" >/dev/null 2>&1; done
    podman image rm "$BASE_IMAGE" >/dev/null 2>&1 || echo "test-birth: could not remove $BASE_IMAGE (in use?)" >&2
  fi
  if [ "$rc" -eq 0 ]; then
    printf '\ntest-birth: PASSED in %ss (image %s: %s)\n' $((SECONDS - t0)) "$BIRTH_IMAGE" "${IMAGE_SIZE:-?}" >&2
  else
    printf '\ntest-birth: FAILED after %ss\n' $((SECONDS - t0)) >&2
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------
step "base image $BASE_IMAGE (made once, then reused)"
bash scripts/make-base-image.sh

step "stand-in work image $TEST_IMAGE (made once, then reused)"
bash scripts/build-test-image.sh

step "build $BIRTH_IMAGE (podman build, layers cached)"
# Machines that reach the npm registry through a TLS-intercepting proxy trust its CA: so must the build.
build_args=(--build-arg BASE="$BASE_IMAGE")
ca=${NODE_EXTRA_CA_CERTS:-$(npm config get cafile 2>/dev/null || true)}
[ -n "$ca" ] && [ "$ca" != null ] && [ -s "$ca" ] && build_args+=(--secret "id=npm-ca,src=$ca")
if ! podman build "${build_args[@]}" -t "$BIRTH_IMAGE" -f Containerfile . >"$tmp/build.log" 2>&1; then
  tail -n 60 "$tmp/build.log" >&2
  fail "podman build"
fi
IMAGE_SIZE=$(podman image inspect --format '{{.Size}}' "$BIRTH_IMAGE" | awk '{printf "%.0f MB", $1/1e6}')
echo "built $BIRTH_IMAGE: $IMAGE_SIZE" >&2

step "the work image archive, named as the birth expects (localhost/feather-work:latest)"
# What an operator has: `podman save -o feather-work.tar localhost/feather-work:latest`. The
# stand-in is renamed in a private, throwaway image store, never tagged in the host's.
podman save --quiet -o "$tmp/stand-in.tar" "$TEST_IMAGE"
private=(podman --root "$tmp/store" --runroot "$tmp/run" --tmpdir "$tmp/libpod" --storage-driver vfs)
"${private[@]}" load --quiet -i "$tmp/stand-in.tar" >/dev/null 2>&1
"${private[@]}" tag "$TEST_IMAGE" localhost/feather-work:latest
"${private[@]}" save --quiet -o "$tmp/feather-work.tar" localhost/feather-work:latest
# (vfs keeps plain files and no mounts: removing the directories removes that store entirely;
# never `podman system reset` it, which also deletes the host's networks)
rm -rf "$tmp/store" "$tmp/run" "$tmp/libpod" "$tmp/stand-in.tar"

step "free ports for this run"
# A block of consecutive free ports: http, https, caddy admin, redis, wake server, 3 tenants.
listening=$(ss -Htln | awk '{print $4}' | sed 's/.*://' | sort -u)
for _ in $(seq 50); do
  p=$((20000 + RANDOM % 40000))
  ok=1
  for i in $(seq 0 7); do grep -qx "$((p + i))" <<<"$listening" && ok=0; done
  [ "$ok" = 1 ] && break
done
[ "$ok" = 1 ] || fail "no free block of ports"
HTTP_PORT=$p HTTPS_PORT=$((p + 1)) ADMIN_PORT=$((p + 2)) REDIS_PORT=$((p + 3)) WAKE_PORT=$((p + 4))
TENANT_PORTS="$((p + 5))-$((p + 7))"
echo "http $HTTP_PORT, https $HTTPS_PORT, admin $ADMIN_PORT, redis $REDIS_PORT, wake $WAKE_PORT, tenants $TENANT_PORTS" >&2

step "run the birth container as docs/birth-image.md says"
export ANTHROPIC_API_KEY=birth-test-not-a-real-key
run_birth() { # docs/birth-image.md's line, with this run's names, ports and short timeouts; "$@": more settings
  podman run -d --name "$name" \
    --privileged --network host --init \
    --ulimit nofile=16384:16384 --ulimit nproc=32768:32768 --pids-limit -1 --stop-timeout 30 \
    -v "$storage":/var/lib/containers \
    -v "$data":/var/lib/feather-birth \
    -v "$tmp/feather-work.tar":/opt/feather-work.tar:ro \
    --env ANTHROPIC_API_KEY \
    -e FEATHER_TENANT_DOMAIN="$DOMAIN" \
    -e FEATHER_BIRTH_TLS=internal \
    -e FEATHER_BIRTH_HTTP_PORT="$HTTP_PORT" \
    -e FEATHER_BIRTH_HTTPS_PORT="$HTTPS_PORT" \
    -e FEATHER_TENANT_CADDY_ADMIN="http://127.0.0.1:$ADMIN_PORT" \
    -e FEATHER_TENANT_REDIS_URL="redis://127.0.0.1:$REDIS_PORT" \
    -e FEATHER_TENANT_WAKE_LISTEN="127.0.0.1:$WAKE_PORT" \
    -e FEATHER_TENANT_PORTS="$TENANT_PORTS" \
    -e FEATHER_TENANT_IDLE_MINUTES=0.1 \
    -e FEATHER_TENANT_SWEEP_INTERVAL=2 \
    "$@" "$BIRTH_IMAGE" >/dev/null
}
run_birth

wait_ready() { # until the entrypoint has said "ready" N times
  local want=$1 deadline=$((SECONDS + 180))
  until [ "$(podman logs "$name" 2>&1 | grep -c 'feather-birth: ready$')" -ge "$want" ]; do
    [ "$(podman inspect --format '{{.State.Running}}' "$name")" = true ] || fail "the birth container exited"
    ((SECONDS < deadline)) || fail "the birth container did not get ready in 180 s"
    sleep 0.5
  done
}
wait_ready 1
# The base config already holds what the watchdog and reconcile want (wake route, access log):
# starting the birth changes nothing in Caddy (every change would reload it).
logs=$(podman logs "$name" 2>&1)
grep -qF 'repaired Caddy config' <<<"$logs" && fail "the watchdog had to repair the birth's Caddy config"
grep -qxF 'nothing to do' <<<"$logs" || fail "reconcile at the first start should have had nothing to do"

in_birth() { podman exec "$name" "$@"; }
# alice's page through the birth's Caddy, over HTTPS with a certificate got on demand.
get() { curl -sS --max-time 60 -k --resolve "$1.$DOMAIN:$HTTPS_PORT:127.0.0.1" "https://$1.$DOMAIN:$HTTPS_PORT$2" "${@:3}"; }
status_of() { curl -s -o /dev/null -w '%{http_code}' --max-time 60 -k --resolve "$1.$DOMAIN:$HTTPS_PORT:127.0.0.1" "https://$1.$DOMAIN:$HTTPS_PORT$2" || true; }
expect_in() { grep -qF -- "$2" <<<"$1" || fail "$3: expected \"$2\" in: $1"; }
state_of() { in_birth feather-tenant list --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const t=JSON.parse(s).find(t=>t.name===process.argv[1]);console.log(t?t.state:"none")})' "$1"; }

step "podman exec $name feather-tenant add alice"
line=$(in_birth feather-tenant add alice 2>"$tmp/add.err")
cat "$tmp/add.err" >&2
echo "$line" >&2
grep -q '^Caddy: ' "$tmp/add.err" && fail "add had to change Caddy's server config: $(cat "$tmp/add.err")"
[[ $line =~ ^https://alice\.$DOMAIN\ \|\ password:\ [A-Za-z0-9]+$ ]] || fail "add printed: $line"
# Her network's bridge sits in the host's namespace: named by her port, never a reusable podmanN.
bridge=$(in_birth podman network inspect --format '{{.NetworkInterface}}' feather-user-alice)
[ "$bridge" = "feather${TENANT_PORTS%-*}" ] || fail "alice's bridge is $bridge, not feather${TENANT_PORTS%-*}"
expect_in "$(ip -br addr show dev "$bridge")" ' 172.29.' "alice's bridge, with a subnet from birth/containers.conf's pools"

step "alice's page through Caddy, with Host: alice.$DOMAIN"
info=$(get alice /cgi-bin/info)
expect_in "$info" "tenant=alice" "alice's page"
expect_in "$info" "password_file=readable" "the password secret"
expect_in "$info" "env:ANTHROPIC_API_KEY=set" "the API key from the birth's environment"
expect_in "$(get alice '/cgi-bin/write?birthmark')" "wrote birthmark" "writing alice's data"
expect_in "$(get alice /cgi-bin/info)" "birthmark" "alice's data"
[ "$(status_of nobody /)" = 000 ] || fail "a name that is no tenant got a certificate (the watchdog's ask must refuse it)"
plain=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' -H "Host: alice.$DOMAIN" "http://127.0.0.1:$HTTP_PORT/")
[[ $plain == 30[18]\ https://alice.$DOMAIN* ]] || fail "plain HTTP should redirect to HTTPS, got: $plain"
listing=$(in_birth tenant.sh list)
echo "$listing" >&2
expect_in "$(head -n1 <<<"$listing")" "USERNAME" "tenant.sh list header"
[[ $(tail -n1 <<<"$listing") =~ ^alice\ +[0-9]+\ +https://alice\.$DOMAIN\ +feather-user-alice$ ]] || fail "tenant.sh list row: $listing"

step "the CLI reads through podman's API socket, which is root's alone"
sock=/run/podman/podman.sock
[ "$(in_birth stat -c '%a %U %F' "$sock")" = "600 root socket" ] || fail "$sock: $(in_birth stat -c '%a %U %F' "$sock")"
[ "$(in_birth stat -c '%a %U' "$(dirname "$sock")")" = "700 root" ] || fail "$(dirname "$sock"): $(in_birth stat -c '%a %U' "$(dirname "$sock")")"
# With no podman program to run, list still answers: its read went through the socket.
through_socket() { podman exec -e FEATHER_TENANT_PODMAN=/nonexistent/podman "$name" feather-tenant list; }
expect_in "$(through_socket)" "alice" "list through podman's API socket"

step "alice falls asleep when idle, and a request wakes her"
config_before=$(curl -s "http://127.0.0.1:$ADMIN_PORT/config/")
deadline=$((SECONDS + 90))
until [ "$(state_of alice)" != running ]; do
  ((SECONDS < deadline)) || fail "alice was not put to sleep within 90 s"
  sleep 1
done
echo "alice is $(state_of alice)" >&2
woke=$(get alice /cgi-bin/info)
expect_in "$woke" "birthmark" "the request that woke alice"
[ "$(state_of alice)" = running ] || fail "alice is not running after the wake"
[ "$(curl -s "http://127.0.0.1:$ADMIN_PORT/config/")" = "$config_before" ] || fail "Caddy's config changed across sleep and wake"

step "restart the birth container"
podman restart -t 30 "$name" >/dev/null
wait_ready 2
# (the logs are read whole before grep: `grep -q` would stop reading and, under pipefail, fail the pipe)
logs=$(podman logs "$name" 2>&1)
grep -qF 'kept 1 route(s) added at run time' <<<"$logs" || fail "the restart did not keep alice's route"
expect_in "$(get alice /cgi-bin/info)" "birthmark" "alice after the restart"
expect_in "$(through_socket)" "alice" "list through podman's API socket after the restart (a stale socket file is replaced)"
[ "$(state_of alice)" = running ] || fail "alice is not running after the restart"

step "a tenant.sh user in the same storage is adopted (docs/birth-image.md: upgrading in place)"
# What the old birth's tenant.sh left in podman's storage: a container publishing a port of the
# range, its volume at /home/user, and its state file.
bob_port=$((${TENANT_PORTS%-*} + 1))
in_birth podman run -d --name feather-user-bob -p "127.0.0.1:$bob_port:8080" \
  -v feather-user-bob:/home/user localhost/feather-work:latest >/dev/null
in_birth sh -c "echo '{\"bob\": {\"port\": $bob_port, \"password\": \"x7k9m2\"}}' > /tmp/tenants.json"
deadline=$((SECONDS + 30))
until curl -s -o /dev/null "http://127.0.0.1:$bob_port/"; do ((SECONDS < deadline)) || fail "bob's old container did not answer"; sleep 0.2; done
expect_in "$(curl -s "http://127.0.0.1:$bob_port/cgi-bin/write?oldbirth")" "wrote oldbirth" "bob's data in the old container"
expect_in "$(in_birth feather-tenant reconcile --dry-run --adopt)" "bob: would adopt" "reconcile --dry-run --adopt"
expect_in "$(in_birth feather-tenant reconcile --adopt)" "bob: adopt" "reconcile --adopt"
expect_in "$(get bob /cgi-bin/info)" "oldbirth" "bob through Caddy after adopt"
# Made without --network, his old container is on podman's default network, which in the birth has
# a bridge of its own name (birth/podman-network.json), not the host podman's podman0.
[ "$(in_birth podman inspect --format '{{range $k, $v := .NetworkSettings.Networks}}{{$k}}{{end}}' feather-user-bob)" = podman ] || fail "bob's old container is not on the default network"
expect_in "$(ip -br addr show dev featherdefault)" ' 172.29.255.1/24' "the birth's default network bridge"
# passwd gives him a container made the new way, on the same volume and port.
pw=$(in_birth feather-tenant passwd bob)
[[ $pw =~ ^https://bob\.$DOMAIN\ \|\ password:\ [A-Za-z0-9]+$ ]] || fail "passwd printed: $pw"
expect_in "$(get bob /cgi-bin/info)" "tenant=bob" "bob's new container"
expect_in "$(get bob /cgi-bin/info)" "oldbirth" "bob's data in his new container"
[ "$(in_birth podman network inspect --format '{{.NetworkInterface}}' feather-user-bob)" = "feather$bob_port" ] || fail "bob's new network bridge"
in_birth rm -f /tmp/tenants.json
# Tenants cannot reach each other, after all those stops and starts (the birth's netavark keeps
# its isolation rules in nftables): alice, kept awake, probes bob's address; bob himself answers.
in_birth feather-tenant pin alice >/dev/null
expect_in "$(get alice /cgi-bin/info)" "tenant=alice" "alice, woken for the isolation check"
bob_ip=$(in_birth podman inspect --format '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' feather-user-bob)
probe() { in_birth podman exec "feather-user-$1" sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 2 $bob_ip 8080" 2>&1 || true; }
expect_in "$(probe bob)" "200 OK" "bob's own address, from bob"
grep -qF "200 OK" <<<"$(probe alice)" && fail "alice reached bob's container at $bob_ip"
expect_in "$(in_birth feather-tenant reconcile)" "nothing to do" "a second reconcile"

step "a new birth container on the same volumes, with the login gate on (FEATHER_TENANT_AUTH=jwt)"
# docs/birth-image.md, "A new birth image": stop, remove, run the same line. Everything is on the two volumes;
# reconcile puts the gate in front of the routes carried over; sessions live in the birth's Redis.
podman stop -t 30 "$name" >/dev/null && podman rm "$name" >/dev/null
run_birth -e FEATHER_TENANT_AUTH=jwt
wait_ready 1
[ "$(status_of alice /cgi-bin/info)" = 401 ] || fail "alice's page without a session should be refused (401)"
jar=$tmp/cookies
curl -sS -o /dev/null --max-time 60 -k --resolve "alice.$DOMAIN:$HTTPS_PORT:127.0.0.1" -c "$jar" \
  --data-urlencode "password=${line##*password: }" "https://alice.$DOMAIN:$HTTPS_PORT/_feather/login"
grep -q '__Host-feather_session' "$jar" || fail "logging in with alice's password set no session cookie"
expect_in "$(get alice /cgi-bin/info -b "$jar")" "birthmark" "alice's page with her session, in a new birth container"
expect_in "$(in_birth feather-tenant sessions list alice --json)" '"sid"' "alice's session in the birth's Redis"

# ---- issue 12: upgrade (one block; `admin swap` has its own) ----------------------------------
step "upgrade: a new work image under the same tag; every request answered meanwhile, data and session kept"
# What an operator does: load the new feather-work.tar (same tag, another image ID). Here: the
# stand-in with one more label, built inside the birth's own storage.
in_birth sh -c 'd=$(mktemp -d) && printf "FROM localhost/feather-work:latest\nLABEL feather-tenant.birth-upgrade=%s\n" "$$" >"$d/Containerfile" && podman build --pull=never -q -t localhost/feather-work:latest "$d" >/dev/null && rm -rf "$d"'
expect_in "$(in_birth feather-tenant list)" "running, pinned, out of date" "list after the new image was loaded"
expect_in "$(in_birth feather-tenant upgrade --all --dry-run)" "would be upgraded" "upgrade --all --dry-run"
# A GET and a POST with a body in turn, following redirects (the 307 of a held POST), until told to stop.
(
  i=0
  while [ ! -e "$tmp/load.stop" ]; do
    if ((i % 2)); then
      get alice /cgi-bin/echo -b "$jar" -L --data-binary "n$i" -o /dev/null -w '%{http_code} POST\n' || echo "curl-failed POST"
    else
      get alice /cgi-bin/info -b "$jar" -L -o /dev/null -w '%{http_code} GET\n' || echo "curl-failed GET"
    fi
    i=$((i + 1))
    sleep 0.05
  done
) >"$tmp/load.out" 2>&1 &
load_pid=$!
sleep 1
in_birth feather-tenant upgrade --all >&2 || fail "upgrade --all"
sleep 1
touch "$tmp/load.stop"
wait "$load_pid"
echo "requests during the upgrade: $(wc -l <"$tmp/load.out"), not 200: $(grep -vc '^200 ' "$tmp/load.out" || true)" >&2
grep -v '^200 ' "$tmp/load.out" && fail "requests failed during the upgrade (above)"
[ "$(wc -l <"$tmp/load.out")" -ge 10 ] || fail "the load made too few requests"
grep -qF "out of date" <<<"$(in_birth feather-tenant list)" && fail "a tenant is still out of date after upgrade --all"
expect_in "$(get alice /cgi-bin/info -b "$jar")" "birthmark" "alice's data and session after the upgrade"
expect_in "$(in_birth feather-tenant reconcile)" "nothing to do" "reconcile after the upgrade"
# ---- end of issue 12: upgrade ------------------------------------------------------------------

step "Redis asks for a password, kept in a file that only root reads and that no process shows"
# (the birth shares the host's network: every process on the host reaches 127.0.0.1:$REDIS_PORT)
pw_file=/var/lib/feather-birth/redis.password
[ "$(in_birth stat -c '%a %U %F' "$pw_file")" = "600 root regular file" ] || fail "$pw_file: $(in_birth stat -c '%a %U %F' "$pw_file")"
logs=$(podman logs "$name" 2>&1)
grep -qF "generating Redis's password" <<<"$logs" && fail "the new birth container on the same volume made a new Redis password"
expect_in "$(in_birth redis-cli -p "$REDIS_PORT" ping 2>&1)" "NOAUTH" "redis-cli without the password"
redis_ping() { # from the host, outside the birth container
  local reply=''
  exec 3<>"/dev/tcp/127.0.0.1/$REDIS_PORT" && printf 'PING\r\n' >&3 && IFS= read -r -t 5 reply <&3
  exec 3>&-
  printf '%s' "$reply"
}
expect_in "$(redis_ping)" "NOAUTH" "a host process talking to Redis without the password"
(umask 077 && in_birth cat "$pw_file" >"$tmp/redis.password")
[ "$(wc -c <"$tmp/redis.password")" -ge 32 ] || fail "Redis's password is shorter than 32 characters"
# argv and environment of every process on the host, the birth's included (grep -f: the password
# is never in grep's own argv)
leaks=$(grep -lsF -f "$tmp/redis.password" /proc/[0-9]*/cmdline /proc/[0-9]*/environ || true)
[ -z "$leaks" ] || fail "Redis's password is in: $leaks"
grep -qF -f "$tmp/redis.password" <<<"$(in_birth ps -eo args)" && fail "Redis's password shows in ps inside the birth"
expect_in "$(podman exec -i "$name" sh -c 'REDISCLI_AUTH=$(cat '"$pw_file"') redis-cli --no-auth-warning -p '"$REDIS_PORT"' ping')" "PONG" "redis-cli with the password from the file"

# ---- the admin instance (issue 12) ----------------------------------------------------------
step "the admin instance: reconcile starts it, swap.sh switches it under load, a restart brings the live colour back"
# A new birth container on the same volumes, now with an admin host, on two ports of its own (the
# birth shares the host's network: never the operator's 8080 and 8081).
admin_ports=()
for _ in $(seq 50); do
  q=$((20000 + RANDOM % 40000))
  ss -Htln | awk '{print $4}' | grep -qE ":($q|$((q + 1)))\$" || { admin_ports=("$q" "$((q + 1))"); break; }
done
[ "${#admin_ports[@]}" = 2 ] || fail "no two free ports for the admin instance"
podman stop -t 30 "$name" >/dev/null && podman rm "$name" >/dev/null
run_birth -e FEATHER_TENANT_AUTH=jwt -e FEATHER_TENANT_ADMIN_HOST="admin.$DOMAIN" -e FEATHER_TENANT_ADMIN_PORTS="${admin_ports[0]},${admin_ports[1]}"
wait_ready 1
admin_status() { in_birth feather-tenant admin status --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const a=JSON.parse(s);console.log(a.live,a.routedPort,a.containers.map(k=>k.colour+"="+k.state).join(","))})'; }
[ "$(admin_status)" = "blue ${admin_ports[0]} blue=running,green=missing" ] || fail "admin after the start: $(admin_status)"
# Not gated (the gate is on for tenants), with the birth's API key, and a certificate on demand.
admin_info=$(get admin /cgi-bin/info)
expect_in "$admin_info" "tenant=admin" "the admin instance's page"
expect_in "$admin_info" "env:ANTHROPIC_API_KEY=set" "the API key in the admin instance"
# The key is a podman secret: the birth's podman 5 keeps it out of `podman inspect` (4.3 did not).
admin_inspect=$(in_birth podman inspect feather-user-admin.blue)
expect_in "$admin_inspect" "feather-user-admin.blue.key-ANTHROPIC_API_KEY" "the admin's API key secret"
grep -qF "$ANTHROPIC_API_KEY" <<<"$admin_inspect" && fail "the API key shows in podman inspect of the admin instance"
in_birth sh -c 'ps -eo args' | grep -qF "$ANTHROPIC_API_KEY" && fail "the API key shows in an argv inside the birth"
# A request every 50 ms (GETs, and POSTs whose body must come back), following redirects, during the swap.
: >"$tmp/admin-load.sent"
: >"$tmp/admin-load.failed"
(
  i=0
  while [ ! -e "$tmp/admin-load.stop" ]; do
    if ((i % 2)); then
      out=$(get admin /cgi-bin/echo -L -X POST --data "body-$i" -w ' %{http_code}' 2>&1) || true
      [[ $out == *"body-$i 200" ]] || echo "#$i POST: $out" >>"$tmp/admin-load.failed"
    else
      out=$(get admin /cgi-bin/info -L -w ' %{http_code}' 2>&1) || true
      [[ $out == *"tenant=admin"*" 200" ]] || echo "#$i GET: $out" >>"$tmp/admin-load.failed"
    fi
    echo "$i" >>"$tmp/admin-load.sent"
    i=$((i + 1))
    sleep 0.05
  done
) &
load_pid=$!
sleep 1
# Caddy logs every admin request: the mutating ones are its config changes.
config_changes() { podman logs "$name" 2>&1 | grep -c '"logger":"admin.api","msg":"received request","method":"\(POST\|PUT\|PATCH\|DELETE\)"' || true; }
changes_before=$(config_changes)
in_birth swap.sh --drain 2 >&2 || { touch "$tmp/admin-load.stop"; wait "$load_pid"; fail "swap.sh"; }
sleep 1
touch "$tmp/admin-load.stop"
wait "$load_pid"
echo "admin swap under load: $(wc -l <"$tmp/admin-load.sent") requests, $(wc -l <"$tmp/admin-load.failed") failed" >&2
[ -s "$tmp/admin-load.failed" ] && fail "requests failed during the admin swap: $(head -n 5 "$tmp/admin-load.failed")"
[ $(($(config_changes) - changes_before)) = 1 ] || fail "the admin swap made $(($(config_changes) - changes_before)) Caddy config changes, not 1"
[ "$(admin_status)" = "green ${admin_ports[1]} blue=exited,green=running" ] || fail "admin after the swap: $(admin_status)"
podman restart -t 30 "$name" >/dev/null
wait_ready 2
[ "$(admin_status)" = "green ${admin_ports[1]} blue=exited,green=running" ] || fail "admin after a restart: $(admin_status)"
expect_in "$(get admin /cgi-bin/info)" "tenant=admin" "the admin instance after a restart"
# ---- end of the admin instance ----------------------------------------------------------------

step "tenant.sh remove alice"
in_birth tenant.sh remove alice >&2
# (her certificate stays cached in Caddy; her host now reaches only the catch-all)
gone=$(get alice / -w ' %{http_code}')
[ "$gone" = "no such tenant
 404" ] || fail "a removed tenant's host should get the catch-all 404, got: $gone"
[ "$(state_of alice)" = none ] || fail "alice is still listed"
step_name=''
