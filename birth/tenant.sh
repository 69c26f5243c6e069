#!/bin/bash
# tenant.sh, kept for the scripts that call it: the same commands and the same output, now
# done by feather-tenant (state in SQLite, passwords as podman secrets, routes by id).
#   tenant.sh add NAME      ->  https://NAME.<domain> | password: <password>
#   tenant.sh remove NAME   ->  what feather-tenant remove prints (the data volume is kept)
#   tenant.sh list          ->  USERNAME  PORT  URL  CONTAINER
# Exit codes are feather-tenant's (0 ok, 1 failed, 2 bad input, 3 no such tenant, 4 conflict).
set -euo pipefail

usage() {
  echo "usage: tenant.sh add|remove|list [NAME]   (now: feather-tenant --help)" >&2
  exit 2
}

cmd=${1:-}
case "$cmd" in
  add|remove)
    [ $# -eq 2 ] || usage
    exec feather-tenant "$cmd" "$2"
    ;;
  list)
    [ $# -eq 1 ] || usage
    json=$(feather-tenant list --json)
    # tenant.sh's four columns, aligned; `feather-tenant list` adds the state.
    printf '%s' "$json" | node -e '
      let s = "";
      process.stdin.on("data", (d) => (s += d)).on("end", () => {
        const rows = [["USERNAME", "PORT", "URL", "CONTAINER"]];
        for (const t of JSON.parse(s).filter((t) => t.tracked !== false)) rows.push([t.name, String(t.port ?? "-"), t.url, t.container]);
        const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
        for (const r of rows) console.log(r.map((c, i) => (i < r.length - 1 ? c.padEnd(w[i]) : c)).join("  "));
      });'
    ;;
  *) usage ;;
esac
