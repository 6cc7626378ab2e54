// Generated modules (tools/fuzz/generate.ts) run in a VMM that is
// checkpointed and restored into a fresh VMM after every slice of a random
// size, mid-call and between calls, must behave exactly as a VMM that runs
// them straight through: same results, traps, memory hash and globals.
import { describe, expect, test } from 'vitest';
import type { CompiledModule, Engine, Extern, Instance, Value } from '../../host-shim/engine/types.js';
import { VmmEngine, VmmExtern, type VmmInstance } from '../../host-shim/engine/vmm.js';
import { RunStatus } from '../../host-shim/vmm/binding.js';
import { generateModule } from '../../tools/fuzz/generate.js';
import { firstDifference, plannedCalls, transcript } from '../../tools/fuzz/differential.js';
import { Prng } from '../../tools/fuzz/prng.js';

/** Generated modules stay small; a small reservation makes a fresh VMM cheap. */
const SMALL = { maxMemoryPages: 64 };
/** Moves per call at most, then the call runs on: keeps long calls from dominating the test's time. */
const MOVES_PER_CALL = 25;

/** An engine whose guest moves to a fresh VMM between slices. */
class MovingEngine implements Partial<Engine> {
  readonly name = 'moving';
  moves = 0;
  constructor(private readonly rng: Prng) {}

  compile(bytes: Uint8Array): CompiledModule {
    return { imports: [], exports: [], bytes } as unknown as CompiledModule;
  }

  instantiate(module: CompiledModule): Instance {
    const bytes = (module as unknown as { bytes: Uint8Array }).bytes;
    const engine = new VmmEngine(SMALL);
    return new MovingInstance(this, bytes, engine, engine.instantiate(engine.compile(bytes), () => undefined) as VmmInstance);
  }

  slice(): bigint {
    return BigInt(1 + this.rng.below(2000));
  }
}

class MovingInstance implements Instance {
  constructor(
    private readonly owner: MovingEngine,
    private readonly bytes: Uint8Array,
    private engine: VmmEngine,
    private instance: VmmInstance,
  ) {}

  /** Checkpoints into a fresh VMM, memory bytes included, as another process would. */
  private move(): void {
    const state = this.engine.checkpoint(this.instance);
    const memory = this.memory().slice();
    const next = new VmmEngine(SMALL);
    this.instance = next.restore(next.compile(this.bytes), () => undefined, state);
    this.engine = next;
    this.memory().set(memory);
    this.owner.moves++;
  }

  private memory(): Uint8Array {
    const m = this.instance.getExport('memory') as VmmExtern | undefined;
    if (!m) return new Uint8Array(0);
    const x = this.engine.vmm.x;
    return this.engine.vmm.bytes(x.memory_base(m.address), x.memory_pages(m.address) * 65536);
  }

  getExport(name: string): Extern | undefined {
    return this.instance.getExport(name);
  }

  invoke(name: string, args: Value[]): Value[] {
    this.move(); // between calls too
    const f = this.instance.getExport(name) as VmmExtern;
    const type = this.engine.funcType(f.address);
    this.engine.begin(f.address, type.params, args);
    for (let moves = 0; ; moves++) {
      const status = this.engine.step(moves < MOVES_PER_CALL ? this.owner.slice() : 1n << 40n);
      if (status === RunStatus.Finished) return this.engine.results(type.results);
      if (status === RunStatus.Trap) throw this.engine.trapError();
      expect(status).toBe(RunStatus.OutOfFuel);
      this.move();
    }
  }

  getGlobal(name: string): Value {
    return this.instance.getGlobal(name);
  }
}

describe('checkpoints of generated modules', () => {
  test('moving to a fresh VMM after every slice changes nothing', () => {
    let moves = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const module = generateModule(seed);
      const calls = plannedCalls(module, 2);
      const straight = transcript(new VmmEngine(SMALL), module, calls);
      const moving = new MovingEngine(new Prng(seed));
      const moved = transcript(moving as unknown as Engine, module, calls);
      const difference = firstDifference(straight, moved);
      expect(difference, `seed ${seed}`).toBeUndefined();
      moves += moving.moves;
    }
    expect(moves).toBeGreaterThan(300);
  });
});
