import { describe, expect, it } from 'vitest';
import { parseLabelsJson, parsePsJson } from '../../src/podman/parse.js';
import { parseTimestampedLogs } from '../../src/podman/parse-logs.js';

// Recorded from podman 4.3.1 `ps -a --format json` (trimmed): one running container with a
// published port, one created container (Ports null, zero StartedAt).
const RECORDED = JSON.stringify([
  {
    Id: '2fd9d326b9d0', Names: ['feather-user-alice'], State: 'running', Image: 'localhost/feather-work:latest',
    Labels: { 'io.feather-tenant.tenant': 'alice' },
    Ports: [{ host_ip: '127.0.0.1', container_port: 8080, host_port: 9001, range: 1, protocol: 'tcp' }],
    StartedAt: 1795447719, Created: 1795447718, ExitedAt: -62135596800,
  },
  { Id: 'c8d5d1a3a2da', Names: ['other'], State: 'created', Image: 'x', Labels: null, Ports: null, StartedAt: -62135596800, Created: 1795447718 },
]);

describe('podman ps parsing', () => {
  it('reads names, states, labels, ports and unset times', () => {
    const [a, b] = parsePsJson(RECORDED);
    expect(a).toMatchObject({ name: 'feather-user-alice', state: 'running', hostPorts: [9001], labels: { 'io.feather-tenant.tenant': 'alice' } });
    expect(a?.startedAt?.toISOString()).toBe(new Date(1795447719 * 1000).toISOString());
    expect(b).toMatchObject({ name: 'other', state: 'created', hostPorts: [], labels: {} });
    expect(b?.startedAt).toBeUndefined();
  });

  it('handles no containers', () => {
    expect(parsePsJson('')).toEqual([]);
    expect(parsePsJson('[]')).toEqual([]);
  });
});

describe('podman inspect labels parsing', () => {
  it('reads `{{json .Labels}}` as podman 4.3.1 prints it, with labels and without', () => {
    expect(parseLabelsJson('{"io.feather-tenant.prefix":"feather-"}\n')).toEqual({ 'io.feather-tenant.prefix': 'feather-' });
    expect(parseLabelsJson('{}\n')).toEqual({});
    expect(parseLabelsJson('null\n')).toEqual({});
  });
});

describe('podman logs --timestamps', () => {
  it('merges stdout and stderr in time order, fractions trimmed by Go or not; drops podman\'s own warnings', () => {
    // As podman 4.3 printed them (k8s-file), plus a fraction Go trimmed of its zeros.
    const stdout = '2026-12-01T16:22:20.493726384Z out1\n2026-12-01T16:22:20.5Z out2\n2026-12-01T16:22:21Z out3';
    const stderr = 'time="2026-12-01T16:22:22Z" level=warning msg="failed to connect to syslog"\n2026-12-01T16:22:20.493777550Z err1\n2026-12-01T16:22:20.50000001Z err2';
    expect(parseTimestampedLogs(stdout, stderr).map((l) => `${l.stream}:${l.text}`)).toEqual(['stdout:out1', 'stderr:err1', 'stdout:out2', 'stderr:err2', 'stdout:out3']);
    expect(parseTimestampedLogs('2026-12-01T16:22:20.1-02:00 later in UTC\n2026-12-01T15:22:20.2Z earlier', '')[0]).toEqual({ time: '2026-12-01T15:22:20.2Z', stream: 'stdout', text: 'earlier' });
    expect(parseTimestampedLogs('2026-12-01T16:22:20Z  two spaces kept ', '')[0]?.text).toBe(' two spaces kept ');
  });
});
