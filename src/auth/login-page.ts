// The gate's pages on each tenant's own host. /_feather/login: a plain form that POSTs the
// field `password`, so a browser and curl log in the same way. /_feather/logout: a button that
// POSTs, because a GET must not sign anyone out (an <img> on another tenant's page could).

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const head = (title: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title>
<style>
body{font:16px system-ui,sans-serif;display:grid;place-items:center;min-height:100vh;margin:0;background:#f5f5f4;color:#1c1917}
form{background:#fff;padding:2rem;border-radius:12px;box-shadow:0 1px 8px #0002;min-width:18rem}
h1{font-size:1.2rem;margin:0 0 1rem}input,button{font:inherit;width:100%;box-sizing:border-box;padding:.6rem;margin:.3rem 0}
button{background:#1c1917;color:#fff;border:0;border-radius:6px;cursor:pointer}.msg{color:#b91c1c;min-height:1.2em}
</style></head>
`;

export function loginPage(o: { tenant: string; next: string; message?: string }): string {
  return `${head(`Sign in to ${o.tenant}`)}<body><form method="post" action="/_feather/login">
<h1>Sign in to ${esc(o.tenant)}</h1>
<p class="msg" role="alert">${o.message ? esc(o.message) : ''}</p>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" autofocus required>
<input type="hidden" name="next" value="${esc(o.next)}">
<button type="submit">Sign in</button>
</form></body></html>
`;
}

export function logoutPage(o: { tenant: string }): string {
  return `${head(`Sign out of ${o.tenant}`)}<body><form method="post" action="/_feather/logout">
<h1>Sign out of ${esc(o.tenant)}?</h1>
<button type="submit">Sign out</button>
</form></body></html>
`;
}
