import { describe, expect, test } from 'vitest';
import { isLoopbackAddress, parseEndpoint, requireLoopback } from '../../tools/link/addresses.js';
import { TokenBucket } from '../../tools/link/token-bucket.js';
import { formatRate, parseLatency, parseRate } from '../../tools/link/units.js';

describe('link units', () => {
  test('rates are bits per second with decimal prefixes, returned as bytes per second', () => {
    expect(parseRate('100mbit')).toBe(12_500_000);
    expect(parseRate('1gbit')).toBe(125_000_000);
    expect(parseRate('1G')).toBe(125_000_000);
    expect(parseRate('512kbit/s')).toBe(64_000);
    expect(parseRate('2.5mbps')).toBe(312_500);
    expect(parseRate('8000')).toBe(1000);
    expect(parseRate('unlimited')).toBeNull();
    expect(parseRate('off')).toBeNull();
    for (const bad of ['fast', '100MB', '-5mbit', '1tbit', '4bit']) expect(() => parseRate(bad)).toThrow();
    expect(formatRate(12_500_000)).toBe('100mbit');
    expect(formatRate(null)).toBe('unlimited');
  });

  test('latencies are milliseconds, or seconds with s', () => {
    expect(parseLatency('5ms')).toBe(5);
    expect(parseLatency('5')).toBe(5);
    expect(parseLatency('0.5ms')).toBe(0.5);
    expect(parseLatency('1s')).toBe(1000);
    expect(() => parseLatency('-1ms')).toThrow();
    expect(() => parseLatency('soon')).toThrow();
  });

  test('endpoints: only loopback passes', () => {
    expect(parseEndpoint('127.0.0.1:8080')).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(parseEndpoint('[::1]:0')).toEqual({ host: '[::1]', port: 0 });
    expect(() => parseEndpoint('127.0.0.1')).toThrow(/host:port/);
    expect(requireLoopback({ host: '[::1]', port: 1 }, 'target')).toEqual({ host: '::1', port: 1 });
    expect(requireLoopback({ host: 'localhost', port: 1 }, 'target')).toEqual({ host: '127.0.0.1', port: 1 });
    expect(isLoopbackAddress('127.255.0.9')).toBe(true);
    expect(isLoopbackAddress('::ffff:127.0.0.1')).toBe(true);
    for (const host of ['128.0.0.1', '1.127.0.0', '::ffff:10.0.0.1', '::', 'localhost.example.com']) expect(isLoopbackAddress(host)).toBe(false);
    expect(() => requireLoopback({ host: '127.0.0.1', port: 70000 }, 'target')).toThrow(/port/);
  });
});

describe('TokenBucket', () => {
  test('gives one 10 ms slice at a time and refills at the rate', () => {
    const bucket = new TokenBucket(100_000, 0);
    expect(bucket.take(50_000, 0)).toBe(1000);
    expect(bucket.take(50_000, 0)).toBe(0);
    expect(bucket.waitMs(50_000, 0)).toBeCloseTo(10, 5);
    expect(bucket.take(50_000, 10)).toBe(1000);
    // After a long pause at most two slices are banked.
    expect(bucket.take(50_000, 1000)).toBe(1000);
    expect(bucket.take(50_000, 1000)).toBe(1000);
    expect(bucket.take(50_000, 1000)).toBe(0);
    expect(bucket.take(300, 1000)).toBe(0);
    expect(bucket.take(300, 1003)).toBe(300);
  });

  test('unlimited gives everything; a new rate applies from then on', () => {
    const bucket = new TokenBucket(null, 0);
    expect(bucket.take(1e9, 0)).toBe(1e9);
    bucket.setRate(1000, 0);
    expect(bucket.take(100, 0)).toBe(10);
    expect(bucket.take(100, 0)).toBe(10);
    expect(bucket.take(100, 0)).toBe(0);
  });
});
