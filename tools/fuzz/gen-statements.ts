/**
 * Statement generators: each leaves the operand stack as it found it, or
 * diverges (then genStatement returns true and the enclosing body stops).
 */
import type { FunctionGenerator } from './function-generator.js';
import { genBlockStatement, genBranchIfStatement, genCallStatement, genContinue, genTerminator } from './gen-control.js';
import { genMemoryStatement, genStore, genTableStatement } from './gen-memory-table.js';
import { genValue } from './gen-values.js';
import { NUM_TYPES } from './module-context.js';
import { OP } from './opcodes.js';

export function genStatement(g: FunctionGenerator, depth: number): boolean {
  const { rng, code, ctx } = g;
  g.size--;
  const loops = g.ctrl.filter((l) => l.isLoop);
  const mutableGlobals = ctx.globals.filter((gl) => gl.mutable);
  const kind = rng.weighted({
    localSet: 3,
    globalSet: mutableGlobals.length ? 1.5 : 0,
    store: 3,
    drop: 1,
    call: 1.5,
    block: depth > 0 ? 2 : 0,
    brIf: 1,
    continue: loops.length ? 1 : 0,
    memory: 1.2,
    table: ctx.tables.length ? 0.8 : 0,
    nop: 0.2,
    terminate: 0.25,
  });
  switch (kind) {
    case 'localSet': {
      const index = rng.below(g.locals.length + 1);
      const t = index < g.locals.length ? g.locals[index] : rng.pick(NUM_TYPES);
      const locals = g.localsOf(t);
      if (!locals.length) return false;
      genValue(g, t, depth);
      code.op(OP.localSet).u32(rng.pick(locals));
      return false;
    }
    case 'globalSet': {
      const global = rng.pick(mutableGlobals);
      genValue(g, global.type, depth);
      code.op(OP.globalSet).u32(global.index);
      return false;
    }
    case 'store':
      genStore(g, depth);
      return false;
    case 'drop':
      genValue(g, rng.pick(NUM_TYPES), depth);
      code.op(OP.drop);
      return false;
    case 'call':
      genCallStatement(g, depth);
      return false;
    case 'block':
      genBlockStatement(g, depth);
      return false;
    case 'brIf':
      genBranchIfStatement(g, depth);
      return false;
    case 'continue':
      genContinue(g, rng.pick(loops), depth);
      return false;
    case 'memory':
      genMemoryStatement(g, depth);
      return false;
    case 'table':
      genTableStatement(g, depth);
      return false;
    case 'nop':
      code.op(OP.nop);
      return false;
    case 'terminate':
      genTerminator(g, depth);
      return true;
  }
}
