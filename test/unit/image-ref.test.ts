import { describe, expect, it } from 'vitest';
import { imageProblem, validateImage } from '../../src/core/image-ref.js';
import { UsageError } from '../../src/core/errors.js';

const DIGEST = `sha256:${'a1'.repeat(32)}`;

describe('image references', () => {
  it.each([
    'alpine', 'feather-work', 'localhost/feather-work:latest', 'localhost:5000/team/feather-work:v2.1_rc-1',
    'registry.example.com/a/b/c', 'Registry.Example.com:443/x', `localhost/feather-work@${DIGEST}`,
    `localhost/feather-work:v2@${DIGEST}`, 'a__b/c.d/e-f--g', 'x:Tag_1', `${'a'.repeat(64)}`, 'localhost/oci-archive:1', 'dir',
  ])('accepts %j', (ref) => {
    expect(imageProblem(ref)).toBeUndefined();
  });

  it.each([
    ['--privileged', 'must not start with "-"'],
    ['-v=/:/host', 'must not start with "-"'],
    ['-', 'must not start with "-"'],
    ['', 'empty'],
    [' alpine', 'whitespace or control'],
    ['alpine\t', 'whitespace or control'],
    ['alp\u0000ine', 'whitespace or control'],
    ['alpine\n--privileged', 'whitespace or control'],
    ['alp\u007fine', 'whitespace or control'],
    ['Alpine', 'expected'],
    ['docker://alpine', 'expected'],
    ['containers-storage:alpine', 'is a transport'],
    ['oci-archive:feather-work.tar', 'is a transport'],
    ['docker-archive:x', 'is a transport'],
    ['dir:x', 'is a transport'],
    ['alpine:', 'expected'],
    ['alpine:.tag', 'expected'],
    [`alpine:${'t'.repeat(129)}`, 'expected'],
    ['alpine@sha256:abc', 'expected'],
    [`alpine@sha512:${'a'.repeat(128)}`, 'expected'],
    ['a/-b', 'expected'],
    ['a/b-', 'expected'],
    ['a//b', 'expected'],
    ['/a', 'expected'],
    ['a/', 'expected'],
    ['host:port/x', 'expected'],
    ['../etc', 'expected'],
    ['alpine;id', 'expected'],
    ['alpine:tag:tag', 'expected'],
    [`${'a'.repeat(256)}`, 'longer than 255'],
  ])('refuses %j (%s)', (ref, why) => {
    expect(imageProblem(ref)).toContain(why);
  });

  it('validateImage names where the value came from, and throws a UsageError (exit 2)', () => {
    expect(validateImage('localhost/x:1', '--image')).toBe('localhost/x:1');
    expect(() => validateImage('--privileged', '--image')).toThrow(UsageError);
    expect(() => validateImage('--privileged', '--image')).toThrow(/^--image: invalid image reference "--privileged"/);
  });
});
