/**
 * What "correct output" is for each WASI guest in build/guests/. Each case
 * names the guest, its argv, environment and stdin, and what it must print
 * and exit with. The cases are run here under Node's own WASI
 * (native.test.ts); the VMM's WASI devices are to be held to the same cases.
 */
import { asGuestWasmPath, cGuestWasmPath } from '../../tools/guests/layout.js';

/** A line matcher: an exact line, or a pattern the whole line must match. */
export type LineExpectation = string | RegExp;

export interface WasiCase {
  name: string;
  wasmPath: string;
  /** argv[0] included. */
  args: string[];
  env: Record<string, string>;
  stdin: Uint8Array;
  /** A number for proc_exit / return from main, 'trap' for a wasm trap. */
  exit: number | 'trap';
  /** Exact text, or each line in order. */
  stdout: string | LineExpectation[];
  stderr: string | LineExpectation[];
}

export interface WasiRun {
  exit: number | 'trap';
  stdout: string;
  stderr: string;
}

const encode = (s: string) => new TextEncoder().encode(s);

/** 10,000 bytes of every byte value, so reads cross 4 KiB buffers and NULs and 0xff survive. */
export const CAT_INPUT = Uint8Array.from({ length: 10_000 }, (_, i) => (i * 31 + (i >> 8)) & 0xff);

const PRINTF_OUTPUT = [
  'ints: -42 7 3000000000 beef CAFE 10    12|34   |00056',
  'longs: -9007199254740993 18446744073709551615 123456789abcdef -9223372036854775808',
  'floats: 3.141593 0.667 6.022141e+23 1e-05 100000 3.141592654',
  'special: inf -inf nan 0 0.2',
  'math: sqrt2=1.414213562373 exp1=2.718281828459 sin1=0.841470984808 log10=2.302585092994',
  'strings: [wasm] [     right] [left      ] [tru] ok',
  'basel: 1.643934566681561',
  'snprintf fnv=c38ea7bb',
  '',
].join('\n');

/** The digest the compute program prints for 64 blocks; kernel-compute's run(64) returns the same checksum. */
export const COMPUTE_64_CHECKSUM = 1149053521;

function base(name: string, wasmPath: string, args: string[]): Omit<WasiCase, 'exit' | 'stdout' | 'stderr'> {
  return { name, wasmPath, args, env: {}, stdin: new Uint8Array() };
}

export const WASI_CASES: WasiCase[] = [
  {
    ...base('hello: argv, environ and exit code', cGuestWasmPath('hello'), ['hello.wasm', 'alpha', 'two words', '--exit=3']),
    env: { GREETING: 'hi there', EMPTY: '' },
    exit: 3,
    stdout: 'hello from wasi: argc=4\nargv[0]=hello.wasm\nargv[1]=alpha\nargv[2]=two words\nargv[3]=--exit=3\n' +
      'env GREETING=hi there\nenv EMPTY=\nenvc=2\n',
    stderr: '',
  },
  {
    ...base('hello: no arguments, no environment', cGuestWasmPath('hello'), ['hello']),
    exit: 0,
    stdout: 'hello from wasi: argc=1\nargv[0]=hello\nenvc=0\n',
    stderr: '',
  },
  {
    ...base('cat: copies 10,000 bytes', cGuestWasmPath('cat'), ['cat']),
    stdin: CAT_INPUT,
    exit: 0,
    stdout: new TextDecoder('latin1').decode(CAT_INPUT),
    stderr: 'cat: 10000 bytes\n',
  },
  { ...base('cat: empty stdin', cGuestWasmPath('cat'), ['cat']), exit: 0, stdout: '', stderr: 'cat: 0 bytes\n' },
  {
    ...base('clock: monotonic, realtime and nanosleep', cGuestWasmPath('clock'), ['clock']),
    exit: 0,
    stdout: [
      /^monotonic delta us=\d+$/,
      /^realtime delta us=-?\d+$/,
      /^realtime seconds=\d+$/,
      /^monotonic resolution ns=\d+$/,
      'monotonic forward: ok',
      'slept long enough: ok',
      'realtime after 2020: ok',
    ],
    stderr: '',
  },
  {
    ...base('random: getentropy', cGuestWasmPath('random'), ['random']),
    exit: 0,
    stdout: 'random: read 512 bytes\nrandom: nonzero ok\nrandom: draws differ ok\n',
    stderr: '',
  },
  {
    ...base('compute: 64 blocks compressed and checked', cGuestWasmPath('compute'), ['compute', '64']),
    exit: 0,
    stdout: `compute: blocks=64 in=262144 out=135545\ncompute: digest=447f3b28 roundtrip=ok\ncompute: checksum=${COMPUTE_64_CHECKSUM}\n`,
    stderr: '',
  },
  { ...base('printf: ints, floats, strings', cGuestWasmPath('printf'), ['printf']), exit: 0, stdout: PRINTF_OUTPUT, stderr: '' },
  {
    ...base('exit: exit(7) from a nested call flushes stdio and runs atexit', cGuestWasmPath('exit'), ['exit', 'exit', '7']),
    exit: 7,
    stdout: 'leaving with 7\natexit handler ran\n',
    stderr: '',
  },
  {
    ...base('exit: return 5 from main', cGuestWasmPath('exit'), ['exit', 'return', '5']),
    exit: 5,
    stdout: 'returning 5\natexit handler ran\n',
    stderr: '',
  },
  { ...base('exit: abort() traps', cGuestWasmPath('exit'), ['exit', 'abort']), exit: 'trap', stdout: 'aborting\n', stderr: '' },
  {
    ...base('as-hello: AssemblyScript argv, env, computed value', asGuestWasmPath('hello'), ['as-hello', 'x', '--exit=4']),
    env: { ZED: 'last', ALPHA: 'first' },
    exit: 4,
    stdout: 'hello from assemblyscript: argc=3\nargv[0]=as-hello\nargv[1]=x\nargv[2]=--exit=4\n' +
      'env ALPHA=first\nenv ZED=last\nsum of squares 1..1000=333833500\n',
    stderr: '',
  },
  {
    ...base('as-wc: AssemblyScript reading stdin', asGuestWasmPath('wc'), ['as-wc']),
    stdin: encode('one two\nthree  four five\n\nsix'),
    exit: 0,
    stdout: 'wc: lines=3 words=6 bytes=29 fnv=22b1e1ff\n',
    stderr: '',
  },
];

function lineProblems(stream: string, actual: string, expected: string | LineExpectation[]): string[] {
  if (typeof expected === 'string') return actual === expected ? [] : [`${stream} was ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`];
  const lines = actual.split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (lines.length !== expected.length) return [`${stream} has ${lines.length} lines, expected ${expected.length}: ${JSON.stringify(actual)}`];
  return expected.flatMap((want, i) => {
    const ok = typeof want === 'string' ? lines[i] === want : want.test(lines[i]);
    return ok ? [] : [`${stream} line ${i + 1} was ${JSON.stringify(lines[i])}, expected ${String(want)}`];
  });
}

/** Every way `run` differs from what `c` expects; empty when it is correct. */
export function wasiMismatches(c: WasiCase, run: WasiRun): string[] {
  const exit = run.exit === c.exit ? [] : [`exit was ${run.exit}, expected ${c.exit}`];
  return [...exit, ...lineProblems('stdout', run.stdout, c.stdout), ...lineProblems('stderr', run.stderr, c.stderr)];
}
