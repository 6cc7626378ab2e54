import { describe, expect, it } from 'vitest';
import { paddedUnsignedLeb, signedLeb, unsignedLeb } from '../../tools/fuzz/leb128.js';

describe('LEB128 encoders', () => {
  it('encode unsigned values', () => {
    expect(unsignedLeb(0)).toEqual([0]);
    expect(unsignedLeb(127)).toEqual([0x7f]);
    expect(unsignedLeb(128)).toEqual([0x80, 0x01]);
    expect(unsignedLeb(0xffffffff)).toEqual([0xff, 0xff, 0xff, 0xff, 0x0f]);
  });

  it('encode signed values with the sign in bit 6 of the last byte', () => {
    expect(signedLeb(-1)).toEqual([0x7f]);
    expect(signedLeb(63)).toEqual([0x3f]);
    expect(signedLeb(64)).toEqual([0xc0, 0x00]);
    expect(signedLeb(-64)).toEqual([0x40]);
    expect(signedLeb(-65)).toEqual([0xbf, 0x7f]);
    expect(signedLeb(-0x8000000000000000n)).toEqual([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f]);
  });

  it('pad without changing the value', () => {
    expect(paddedUnsignedLeb(1, 5)).toEqual([0x81, 0x80, 0x80, 0x80, 0x00]);
  });
});
