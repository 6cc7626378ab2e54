import { describe, expect, test } from 'vitest';
import { isWildcardAddress, reachableHost } from '../../host-shim/net/wildcard.js';

describe('listeners on every interface', () => {
  test('0.0.0.0 and :: in any spelling are wildcards; other addresses and names are not', () => {
    for (const w of ['0.0.0.0', '::', '[::]', '0:0:0:0:0:0:0:0', '::0']) expect(isWildcardAddress(w), w).toBe(true);
    for (const a of ['127.0.0.1', '10.0.0.0', '::1', '[::1]', 'localhost', 'host-0', '0.0.0.1']) expect(isWildcardAddress(a), a).toBe(false);
  });

  test('a wildcard listener is reached where the host API was reached; any other where advertised', () => {
    expect(reachableHost('0.0.0.0', 'http://10.1.2.3:7001')).toBe('10.1.2.3');
    expect(reachableHost('::', 'http://[fd00::5]:7001')).toBe('fd00::5');
    expect(reachableHost('::', 'http://h7.example:7001')).toBe('h7.example');
    expect(reachableHost('10.9.9.9', 'http://10.1.2.3:7001')).toBe('10.9.9.9');
  });
});
