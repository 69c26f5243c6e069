// The page a browser gets while its tenant wakes up. It polls STATUS_PATH and reloads only when
// the tenant itself answers, so it never lands on a Bad Gateway:
// - an answer from the wake server (header X-Feather-Wake) says how far the wake is;
// - any other answer below 500 came from the tenant (Caddy reached it): reload;
// - a 5xx without our header is Caddy failing, not the tenant answering: keep polling.

export const STATUS_PATH = '/.feather-tenant/wake-status';
export const WAKE_HEADER = 'x-feather-wake';

export function isBrowserNavigation(method: string, headers: Record<string, string | string[] | undefined>): boolean {
  if (method !== 'GET' && method !== 'HEAD') return false;
  const accept = String(headers.accept ?? '');
  const mode = headers['sec-fetch-mode'];
  return accept.includes('text/html') && (mode === undefined || mode === 'navigate');
}

export function waitingPage(name: string, expectedMs: number): string {
  const safe = name.replace(/[^a-z0-9-]/g, '');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Waking up ${safe}…</title>
<noscript><meta http-equiv="refresh" content="3"></noscript>
<style>
body{font-family:system-ui,sans-serif;background:#f6f7f9;color:#222;display:flex;min-height:100vh;margin:0;align-items:center;justify-content:center}
main{background:#fff;padding:2rem 2.5rem;border-radius:12px;box-shadow:0 2px 12px #0001;max-width:28rem;width:90%}
h1{font-size:1.3rem;margin:0 0 .5rem}p{margin:.4rem 0;color:#555}
.bar{height:8px;background:#e4e7ec;border-radius:4px;overflow:hidden;margin:1.2rem 0 .6rem}
.bar div{height:100%;width:3%;background:#3b82f6;transition:width .4s}
.err{color:#b42318}
</style></head>
<body><main id="feather-wake" data-tenant="${safe}">
<h1>Waking up ${safe}…</h1>
<p>This workspace was asleep to save resources. It will open by itself as soon as it is ready.</p>
<div class="bar"><div id="bar"></div></div>
<p id="status">Starting…</p>
</main>
<script>
(function () {
  var expected = ${Math.max(500, Math.round(expectedMs))}, t0 = Date.now();
  var bar = document.getElementById('bar'), status = document.getElementById('status');
  var words = { stopping: 'Finishing going to sleep…', starting: 'Starting…', waiting: 'Waiting for it to answer…', ready: 'Ready, opening…', idle: 'Starting…' };
  function show(text, fraction, err) {
    status.textContent = text;
    status.className = err ? 'err' : '';
    bar.style.width = Math.round(Math.min(0.97, Math.max(0.03, fraction)) * 100) + '%';
  }
  function poll() {
    fetch(${JSON.stringify(STATUS_PATH)}, { cache: 'no-store', headers: { accept: 'application/json' } }).then(function (r) {
      if (!r.headers.get(${JSON.stringify(WAKE_HEADER)})) {
        if (r.status < 500) { show(words.ready, 1); location.reload(); return; }
        return setTimeout(poll, 500);
      }
      return r.json().then(function (s) {
        if (s.phase === 'ready') { show(words.ready, 1); location.reload(); return; }
        var elapsed = Date.now() - t0;
        if (s.phase === 'failed') show('It did not start: ' + (s.error || 'unknown error') + '. Retrying…', elapsed / expected, true);
        else show(words[s.phase] || words.starting, elapsed / (expected * 1.3));
        setTimeout(poll, s.phase === 'failed' ? 3000 : 300);
      });
    }).catch(function () { setTimeout(poll, 1000); });
  }
  poll();
})();
</script>
</body></html>
`;
}
