import { describe, expect, it } from 'vitest';
import { tenantOfHost } from '../../src/core/hosts.js';

describe('tenantOfHost', () => {
  it.each([
    ['alice.users.example', 'alice'],
    ['Alice.Users.Example:8443', 'alice'],
    ['alice.users.example.', 'alice'],
    ['a-1.users.example', 'a-1'],
  ])('%s is tenant %s', (host, name) => expect(tenantOfHost(host, 'users.example')).toBe(name));

  it.each(['users.example', 'x.alice.users.example', 'alice.other.example', 'alice.users.example.evil', '-a.users.example', '', undefined])(
    '%s is no tenant',
    (host) => expect(tenantOfHost(host, 'users.example')).toBeUndefined(),
  );
});
