import { describe, expect, it } from 'vitest';
import { redisProblem, redisUnreachable } from '../../src/redis/problem.js';

// What the watchdog says when Redis fails: an operator's words, never ioredis' internals.

describe('Redis problems in words', () => {
  const url = 'redis://:secret@127.0.0.1:6390/0';
  it.each([
    [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6390'), { code: 'ECONNREFUSED' }), 'connecting', 'Redis at 127.0.0.1:6390 is unreachable (connection refused)'],
    [new Error('Reached the max retries per request limit (which is 0). Refer to "maxRetriesPerRequest" option for details.'), 'reconnecting', 'Redis at 127.0.0.1:6390 is unreachable (the connection is down; reconnecting)'],
    ['Redis is reconnecting', 'reconnecting', 'Redis at 127.0.0.1:6390 is unreachable (the connection is down; reconnecting)'],
    [new Error("Stream isn't writeable and enableOfflineQueue options is false"), 'connecting', 'Redis at 127.0.0.1:6390 is unreachable (the connection is down; reconnecting)'],
    [new Error('connect ETIMEDOUT'), 'connecting', 'Redis at 127.0.0.1:6390 is unreachable (no answer to connecting)'],
    [new Error('WRONGPASS invalid username-password pair or user is disabled.'), 'connecting', 'Redis at 127.0.0.1:6390 refuses our credentials (check FEATHER_TENANT_REDIS_PASSWORD_FILE or the password in FEATHER_TENANT_REDIS_URL)'],
    [new Error('something odd'), 'ready', 'Redis at 127.0.0.1:6390 failed: something odd'],
  ])('%s (%s) -> %s', (err, status, words) => {
    const said = redisProblem(url, err, status);
    expect(said).toBe(words);
    expect(said).not.toContain('secret');
  });

  it('tells a lost connection (even one the client has not noticed yet) from a bad request of ours', () => {
    expect(redisUnreachable(new Error('Reached the max retries per request limit (which is 0).'), 'ready')).toBe(true);
    expect(redisUnreachable(new Error('Connection is closed.'), 'ready')).toBe(true);
    expect(redisUnreachable('Redis is reconnecting', 'reconnecting')).toBe(true);
    expect(redisUnreachable(new Error('request body too large'), 'ready')).toBe(false);
    expect(redisUnreachable(new Error('ERR wrong number of arguments'), 'ready')).toBe(false);
  });
});
