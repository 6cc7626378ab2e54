import { describe, expect, test } from 'vitest';
import { deriveKeys, sign, SignatureVerifier, SKEW_MS } from '../../host-shim/cluster/auth.js';

const token = Buffer.from('a cluster token of enough length');
const { requestKey, migrationSecret } = deriveKeys(token);
const body = Buffer.from('{"name":"h1"}');

describe('request signatures', () => {
  test('the two derived keys differ from each other and from the token', () => {
    expect(requestKey.equals(migrationSecret)).toBe(false);
    expect(requestKey.equals(token)).toBe(false);
    expect(requestKey).toHaveLength(32);
  });

  test('a signed request is accepted once; its replay is refused', () => {
    const v = new SignatureVerifier(requestKey);
    const header = sign(requestKey, 'POST', '/v1/cluster/heartbeat', body);
    expect(v.refusal(header, 'POST', '/v1/cluster/heartbeat', body)).toBeUndefined();
    expect(v.refusal(header, 'POST', '/v1/cluster/heartbeat', body)).toMatch(/replayed/);
  });

  test('another token, another path, another body or a missing header are refused', () => {
    const v = new SignatureVerifier(requestKey);
    const other = deriveKeys(Buffer.from('another cluster token, also long')).requestKey;
    expect(v.refusal(sign(other, 'POST', '/p', body), 'POST', '/p', body)).toMatch(/another token/);
    expect(v.refusal(sign(requestKey, 'POST', '/p', body), 'POST', '/q', body)).toMatch(/does not match/);
    expect(v.refusal(sign(requestKey, 'POST', '/p', body), 'POST', '/p', Buffer.from('{}'))).toMatch(/does not match/);
    expect(v.refusal(undefined, 'POST', '/p', body)).toMatch(/not signed/);
    expect(v.refusal('v1 t=1 n=zz s=00', 'POST', '/p', body)).toMatch(/malformed/);
  });

  test('a signature outside the clock window is refused', () => {
    const v = new SignatureVerifier(requestKey);
    const now = Date.now();
    expect(v.refusal(sign(requestKey, 'POST', '/p', body, now - SKEW_MS - 1000), 'POST', '/p', body, now)).toMatch(/too old/);
    expect(v.refusal(sign(requestKey, 'POST', '/p', body, now + SKEW_MS + 1000), 'POST', '/p', body, now)).toMatch(/too old/);
  });
});
