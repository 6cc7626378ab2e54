/**
 * Executes the commands of one converted spec script against one engine (one
 * store, so a failed instantiation's writes to shared tables and memories stay
 * visible, as linking.wast expects). Every command counts once as passed,
 * failed or skipped; an unexpected exception fails its command, never the run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GuestTrap, LinkError, ModuleError } from '../../host-shim/errors.js';
import type { Engine, Extern, Instance, Value } from '../../host-shim/engine/types.js';
import type { SpecAction, SpecCommand, SpecValue } from './commands.js';
import { buildSpectest } from './spectest.js';
import { HostRefs, Unsupported, argValue, formatExpected, formatValue, matchValue } from './values.js';

export interface Failure {
  line: number;
  command: string;
  message: string;
}

export interface Tally {
  passed: number;
  failed: number;
  skipped: number;
}

export interface ScriptResult extends Tally {
  failures: Failure[];
  /** The same counts split by command type (assert_return, module, ...). */
  byCommand: Record<string, Tally>;
}

/** Why a command did not pass: it failed, or it was skipped. */
class Outcome extends Error {
  constructor(
    readonly skipped: boolean,
    message: string,
  ) {
    super(message);
  }
}

const fail = (message: string) => new Outcome(false, message);
const skip = (message: string) => new Outcome(true, message);

export interface ExecuteOptions {
  /** Wall-clock time (Date.now()) after which the remaining commands fail unrun. */
  deadline?: number;
}

export function executeScript(
  engine: Engine,
  dir: string,
  commands: SpecCommand[],
  options: ExecuteOptions = {},
): ScriptResult {
  const runner = new ScriptRunner(engine, dir);
  const result: ScriptResult = { passed: 0, failed: 0, skipped: 0, failures: [], byCommand: {} };
  const count = (type: string, outcome: keyof Tally) => {
    result[outcome]++;
    (result.byCommand[type] ??= { passed: 0, failed: 0, skipped: 0 })[outcome]++;
  };
  for (let i = 0; i < commands.length; i++) {
    const command = commands[i];
    if (options.deadline !== undefined && Date.now() > options.deadline) {
      for (const rest of commands.slice(i)) count(rest.type, 'failed');
      const message = `time limit exceeded, ${commands.length - i} commands not run`;
      result.failures.push({ line: command.line, command: command.type, message });
      break;
    }
    try {
      runner.run(command);
      count(command.type, 'passed');
    } catch (err) {
      if (err instanceof Outcome && err.skipped) {
        count(command.type, 'skipped');
        continue;
      }
      count(command.type, 'failed');
      const message = err instanceof Outcome ? err.message : `threw ${describe(err)}`;
      result.failures.push({ line: command.line, command: command.type, message });
    }
  }
  return result;
}

function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

class ScriptRunner {
  private readonly refs = new HostRefs();
  private readonly named = new Map<string, Instance>();
  private readonly registered = new Map<string, Instance>();
  private readonly spectest: Map<string, Extern>;
  private current: Instance | undefined;

  constructor(
    private readonly engine: Engine,
    private readonly dir: string,
  ) {
    this.spectest = buildSpectest(engine);
  }

  run(c: SpecCommand): void {
    switch (c.type) {
      case 'module':
        this.current = undefined;
        if (c.name) this.named.delete(c.name);
        this.current = this.instantiate(c.filename);
        if (c.name) this.named.set(c.name, this.current);
        return;
      case 'register':
        this.registered.set(c.as, this.instanceFor(c.name));
        return;
      case 'action':
        this.act(c.action);
        return;
      case 'assert_return':
        return this.assertReturn(c.action, c.expected);
      case 'assert_trap':
        return expectThrow(() => this.act(c.action), 'GuestTrap', c.text, trapText);
      case 'assert_exhaustion':
        return expectThrow(() => this.act(c.action), 'GuestTrap', c.text, exhaustionText);
      case 'assert_invalid':
      case 'assert_malformed':
        if (c.module_type === 'text') throw skip('text modules are not run');
        return expectThrow(() => this.engine.compile(this.bytes(c.filename)), 'ModuleError', c.text, moduleText);
      case 'assert_unlinkable': {
        const module = this.engine.compile(this.bytes(c.filename));
        return expectThrow(() => this.engine.instantiate(module, this.resolve), 'LinkError', c.text, linkText);
      }
      case 'assert_uninstantiable': {
        const module = this.engine.compile(this.bytes(c.filename));
        return expectThrow(() => this.engine.instantiate(module, this.resolve), 'GuestTrap', c.text, trapText);
      }
      default:
        throw skip(`unknown command ${(c as { type: string }).type}`);
    }
  }

  private bytes(filename: string): Uint8Array {
    return readFileSync(join(this.dir, filename));
  }

  private instantiate(filename: string): Instance {
    return this.engine.instantiate(this.engine.compile(this.bytes(filename)), this.resolve);
  }

  private readonly resolve = (module: string, name: string): Extern | undefined => {
    if (module === 'spectest') return this.spectest.get(name);
    return this.registered.get(module)?.getExport(name);
  };

  private instanceFor(name: string | undefined): Instance {
    const instance = name ? this.named.get(name) : this.current;
    if (!instance) throw fail(`no module ${name ?? '(current)'} is instantiated`);
    return instance;
  }

  private act(action: SpecAction): Value[] {
    const instance = this.instanceFor(action.module);
    if (action.type === 'get') return [instance.getGlobal(action.field)];
    const args = action.args.map((a) => argValue(a, this.refs));
    return instance.invoke(action.field, args);
  }

  private assertReturn(action: SpecAction, expected: SpecValue[]): void {
    if (expected.some((e) => e.type === 'v128') || (action.type === 'invoke' && action.args.some((a) => a.type === 'v128'))) {
      throw skip('v128 values');
    }
    let got: Value[];
    try {
      got = this.act(action);
    } catch (err) {
      if (err instanceof Outcome) throw err;
      if (err instanceof Unsupported) throw skip(err.message);
      throw fail(`${actionName(action)}: expected ${expected.map(formatExpected).join(' ')}, threw ${describe(err)}`);
    }
    const ok = got.length === expected.length && expected.every((e, i) => matchValue(e, got[i], this.refs));
    if (!ok) {
      throw fail(
        `${actionName(action)}: expected [${expected.map(formatExpected).join(' ')}], got [${got.map(formatValue).join(' ')}]`,
      );
    }
  }
}

function actionName(action: SpecAction): string {
  if (action.type === 'get') return `get ${action.field}`;
  return `invoke ${JSON.stringify(action.field)}`;
}

type ErrorText = (err: unknown) => string | undefined;

const trapText: ErrorText = (err) => (err instanceof GuestTrap ? err.message : undefined);
const exhaustionText: ErrorText = (err) =>
  err instanceof GuestTrap && err.kind === 'call_stack_exhausted' ? err.message : undefined;
const moduleText: ErrorText = (err) => (err instanceof ModuleError ? err.reason : undefined);
const linkText: ErrorText = (err) => (err instanceof LinkError ? err.message : undefined);

/**
 * Runs `fn`, which must throw the error `textOf` recognises, with the
 * expected text as a prefix of its message (of `reason` for ModuleError).
 */
function expectThrow(fn: () => unknown, what: string, expected: string, textOf: ErrorText): void {
  let result: unknown;
  try {
    result = fn();
  } catch (err) {
    if (err instanceof Outcome) throw err;
    if (err instanceof Unsupported) throw skip(err.message);
    const text = textOf(err);
    if (text === undefined) throw fail(`expected ${what} "${expected}", got ${describe(err)}`);
    if (!text.startsWith(expected)) throw fail(`expected ${what} "${expected}", got "${text}"`);
    return;
  }
  const shown = Array.isArray(result) ? ` with [${(result as Value[]).map(formatValue).join(' ')}]` : '';
  throw fail(`expected ${what} "${expected}", but it succeeded${shown}`);
}
