#!/bin/bash
# npm run test:swarm: the two-node Swarm harness up, the swarm backend's tests, the harness down
# again whatever happened (issue 14). Checks the host's iptables FORWARD chain is untouched.
set -uo pipefail
cd "$(dirname "$0")/.."
# What a dockerd on the host's network would do: FORWARD's policy to DROP, DOCKER-* jumps in it.
# (Only these: other tests on this machine add and remove their own FORWARD rules meanwhile.)
docker_marks() { iptables -S FORWARD 2>/dev/null | grep -E '^-P FORWARD|DOCKER'; }
before=$(docker_marks)
trap 'bash scripts/swarm-harness.sh down' EXIT
t0=$(date +%s)
bash scripts/swarm-harness.sh up || exit 1
eval "$(bash scripts/swarm-harness.sh env | sed 's/^/export /')"
FEATHER_SWARM_TESTS=1 node scripts/test.mjs --project swarm
rc=$?
echo "test:swarm: ${rc} after $(( $(date +%s) - t0 )) s"
bash scripts/swarm-harness.sh down
trap - EXIT
if [ "$(docker_marks)" != "$before" ]; then echo "test:swarm: the host's FORWARD policy or DOCKER rules changed" >&2; exit 1; fi
exit $rc
