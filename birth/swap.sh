#!/bin/bash
# swap.sh, kept for the scripts and hands that call it: a blue-green swap of the operator's own
# Feather (the admin instance, FEATHER_TENANT_ADMIN_HOST), now done by feather-tenant: the standby
# colour (feather-user-admin.green on 8081, or .blue on 8080) starts from the work image, takes the
# admin route in one Caddy change once it answers, and the old colour stops after the drain.
#   swap.sh                     ->  swap to FEATHER_TENANT_IMAGE
#   swap.sh IMAGE               ->  swap to IMAGE (already loaded: podman load -i ...)
#   swap.sh [IMAGE] --drain 5   ->  any option of `feather-tenant admin swap` passes through
# Exit codes are feather-tenant's (0 switched, 1 failed and nothing switched, 2 bad input, 4 busy).
set -euo pipefail

if [ $# -gt 0 ] && [[ $1 != -* ]]; then
  image=$1
  shift
  exec feather-tenant admin swap --image "$image" "$@"
fi
exec feather-tenant admin swap "$@"
