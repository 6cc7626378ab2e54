import { describe, expect, it } from 'vitest';
import {
  MAX, WASM1, WASM2, baselineNamed, canChange, canLower, canPresent, canRaise, capabilitiesUsed, effectiveBaseline, featureMask,
  featureNames, fits, intersect, offerNamed, parseBaseline, presentable, type Baseline, type HostOffer,
} from '../../host-shim/cluster/evc/index.js';
import { VmmEngine } from '../../host-shim/engine/vmm.js';

const wasm1Host: HostOffer = { name: 'old', features: WASM1.features, capabilities: WASM1.capabilities };
const wasm2Host: HostOffer = { name: 'new', features: WASM2.features, capabilities: WASM2.capabilities };
const mvpGuest = { id: 'g-mvp', uses: { features: [], capabilities: ['wasi-preview1'] } };
const bulkGuest = { id: 'g-bulk', uses: { features: ['bulk-memory', 'sign-ext'], capabilities: ['wasi-preview1'] } };

describe('baselines', () => {
  it('wasm1 is the MVP with mutable globals; wasm2 adds the 2.0 proposals but not simd128', () => {
    expect(WASM1.features).toEqual(['mutable-globals']);
    expect(WASM2.features).toEqual(['sign-ext', 'sat-float-to-int', 'multi-value', 'bulk-memory', 'reference-types', 'mutable-globals']);
    expect(WASM2.features).not.toContain('simd128');
    expect(baselineNamed('wasm2')).toBe(WASM2);
    expect(baselineNamed('max')).toBeUndefined();
    expect(offerNamed('max')).toBe(MAX);
    expect(offerNamed('wasm3')).toBeUndefined();
  });

  it('the feature bits are those of the VMM, and max is what the VMM runs', () => {
    const engine = new VmmEngine();
    expect(featureMask(MAX.features)).toBe(engine.supportedFeatures());
    expect(featureMask(WASM1.features)).toBe(1 << 6);
    expect(featureMask(WASM2.features)).toBe(0x5f);
    expect(featureNames(0x5f)).toEqual(WASM2.features);
    expect(featureMask(['tail-call', 'sign-ext'])).toBe(1);
  });

  it('a guest uses the wasi-preview1 capability by importing from wasi_snapshot_preview1', () => {
    expect(capabilitiesUsed(['wasi_snapshot_preview1', 'wasmotion', 'wasi_snapshot_preview1'])).toEqual(['wasi-preview1']);
    expect(capabilitiesUsed(['wasmotion', 'env', '__proto__'])).toEqual([]);
  });

  it('the intersection takes the stricter name, or names both when neither contains the other', () => {
    expect(intersect(WASM2, WASM1)).toEqual(WASM1);
    expect(effectiveBaseline(WASM2, WASM1).name).toBe('wasm1');
    expect(effectiveBaseline(WASM1, WASM2).name).toBe('wasm1');
    expect(effectiveBaseline(WASM2)).toBe(WASM2);
    const odd: Baseline = { name: 'odd', features: ['simd128', 'sign-ext', 'mutable-globals'], capabilities: [] };
    expect(intersect(WASM2, odd)).toEqual({ name: 'wasm2&odd', features: ['sign-ext', 'mutable-globals'], capabilities: [] });
  });

  it('reads a baseline from JSON strictly, keeping names it does not know', () => {
    expect(parseBaseline({ name: 'future', features: ['tail-call', 'sign-ext'], capabilities: ['wasi-preview1'] })).toEqual({
      name: 'future', features: ['sign-ext', 'tail-call'], capabilities: ['wasi-preview1'],
    });
    for (const bad of [null, [], 'wasm1', { name: 'x', features: [] }, { name: '', features: [], capabilities: [] },
      { name: 'x', features: [1], capabilities: [] }, { name: 'x', features: [], capabilities: [], extra: 1 }]) {
      expect(parseBaseline(bad), JSON.stringify(bad)).toBeUndefined();
    }
  });
});

describe('present and fit', () => {
  it('a wasm1 host cannot present wasm2, and says what it lacks', () => {
    expect(canPresent(wasm2Host, WASM1)).toEqual({ ok: true });
    const v = canPresent(wasm1Host, WASM2);
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.reason).toBe('host old cannot present wasm2: it lacks sign-ext, sat-float-to-int, multi-value, bulk-memory and reference-types');
    expect(v.missing).toEqual({ features: ['sign-ext', 'sat-float-to-int', 'multi-value', 'bulk-memory', 'reference-types'], capabilities: [] });
    expect(presentable(wasm1Host)).toEqual(['wasm1']);
    expect(presentable(MAX)).toEqual(['wasm1', 'wasm2']);
  });

  it('a host without WASI cannot present either baseline', () => {
    const v = canPresent({ name: 'bare', features: MAX.features, capabilities: [] }, WASM1);
    expect(canPresent({ ...MAX, name: 'full' }, WASM2)).toEqual({ ok: true });
    expect(v.ok || v.reason).toBe('host bare cannot present wasm1: it lacks the capability wasi-preview1');
  });

  it('a guest fits a baseline when it uses nothing outside it', () => {
    expect(fits(mvpGuest.uses, WASM1)).toEqual({ ok: true });
    expect(fits(bulkGuest.uses, WASM2)).toEqual({ ok: true });
    const v = fits(bulkGuest.uses, WASM1, 'g-bulk');
    expect(v.ok || v.reason).toBe('guest g-bulk uses bulk-memory and sign-ext, outside wasm1');
    const noWasi = fits({ features: [], capabilities: ['wasi-preview1'] }, { name: 'bare', features: [], capabilities: [] });
    expect(noWasi.ok || noWasi.reason).toBe('the guest uses the capability wasi-preview1, outside bare');
  });
});

describe('raising and lowering the cluster baseline', () => {
  it('a raise waits until every host can present the new baseline', () => {
    const refused = canRaise(WASM1, WASM2, [wasm2Host, wasm1Host]);
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.hosts).toEqual(['old']);
    expect(refused.reason).toMatch(/^host old cannot present wasm2: it lacks sign-ext/);
    expect(canRaise(WASM1, WASM2, [wasm2Host, { ...wasm1Host, features: MAX.features }])).toEqual({ ok: true });
    // Guests play no part: they keep their baseline until they restart.
    expect(canRaise(WASM1, WASM1, [wasm1Host])).toEqual({ ok: true });
  });

  it('a raise that removes features is refused as not a raise', () => {
    const v = canRaise(WASM2, WASM1, [wasm2Host]);
    expect(v.ok || v.reason).toBe('wasm2 to wasm1 is not a raise: it removes sign-ext, sat-float-to-int, multi-value, bulk-memory and reference-types');
  });

  it('a lower is refused while a running guest uses what it removes', () => {
    const refused = canLower(WASM2, WASM1, [mvpGuest, bulkGuest]);
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.guests).toEqual(['g-bulk']);
    expect(refused.reason).toBe('guest g-bulk uses bulk-memory and sign-ext, outside wasm1');
    expect(canLower(WASM2, WASM1, [mvpGuest])).toEqual({ ok: true });
    const up = canLower(WASM1, WASM2, []);
    expect(up.ok || up.reason).toMatch(/^wasm1 to wasm2 is not a lower: it adds sign-ext/);
  });

  it('any change: raises ask the hosts, lowers the guests, sideways moves both', () => {
    expect(canChange(WASM1, WASM2, [wasm2Host], [bulkGuest])).toEqual({ ok: true });
    expect(canChange(WASM2, WASM1, [wasm1Host], [mvpGuest])).toEqual({ ok: true });
    const down = canChange(WASM2, WASM1, [wasm1Host], [bulkGuest]);
    expect(down).toMatchObject({ ok: false, hosts: [], guests: ['g-bulk'] });
    const simd: Baseline = { name: 'simd', features: ['simd128', 'mutable-globals'], capabilities: ['wasi-preview1'] };
    const sideways = canChange(WASM2, simd, [wasm2Host], [bulkGuest]);
    expect(sideways).toMatchObject({ ok: false, hosts: ['new'], guests: ['g-bulk'] });
    if (!sideways.ok) expect(sideways.reason).toBe('host new cannot present simd: it lacks simd128; guest g-bulk uses bulk-memory and sign-ext, outside simd');
  });
});
