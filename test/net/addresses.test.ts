import { describe, expect, test } from 'vitest';
import { isWildcardAddress, reachableHost, reachableUrl } from '../../host-shim/net/addresses.js';

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

describe('a host enrolled at a wildcard address', () => {
  test('its URL takes the address its enrollment came from; any other URL stays as it is', () => {
    expect(reachableUrl('http://0.0.0.0:7001', '10.0.0.7')).toBe('http://10.0.0.7:7001');
    expect(reachableUrl('http://0.0.0.0:7001', '::ffff:10.0.0.7')).toBe('http://10.0.0.7:7001');
    expect(reachableUrl('http://[::]:7001', 'fd00::7')).toBe('http://[fd00::7]:7001');
    expect(reachableUrl('http://10.0.0.9:7001', '10.0.0.7')).toBe('http://10.0.0.9:7001');
    expect(reachableUrl('http://0.0.0.0:7001', undefined)).toBe('http://0.0.0.0:7001');
  });
});
