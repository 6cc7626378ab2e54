// The WASI guest programs of guests/ under vmm-cli.wasm on wasmtime, against
// `wasmotion run` on V8: the same stdout and stderr, byte for byte, and the
// same exit code. A guest trap is the one place the two differ: after the
// line both print, wasmtime reports the trap it ends vmm-cli.wasm with.
import { describe, expect, test } from 'vitest';
import { WASI_CASES, wasiMismatches } from '../guests/wasi-cases.js';
import { onWasmtime, root, wasmotion, wasmtimeMissing } from './support.js';
import { existsSync } from 'node:fs';

const missing = wasmtimeMissing();

function commandLine(c: (typeof WASI_CASES)[number]): string[] {
  const env = Object.entries(c.env).flatMap(([k, v]) => ['--env', `${k}=${v}`]);
  return ['run', ...env, c.wasmPath, '--', ...c.args.slice(1)];
}

describe('vmm-cli.wasm on wasmtime runs the WASI guests as wasmotion run does', () => {
  for (const c of WASI_CASES) {
    test(c.name, (ctx) => {
      if (missing) return ctx.skip(missing);
      if (!existsSync(c.wasmPath)) return ctx.skip(`${c.wasmPath} is not built (npm run build:guests)`);
      const args = commandLine(c);
      const ts = wasmotion(args, c.stdin);
      const cli = onWasmtime(args, [root], c.stdin);
      expect(cli.code, cli.stderr.toString()).toBe(ts.code);
      expect(cli.code).toBe(c.exit === 'trap' ? 134 : c.exit);
      if (typeof c.stdout === 'string') {
        expect(cli.stdout.equals(ts.stdout), `stdout ${JSON.stringify(cli.stdout.toString('latin1').slice(0, 200))}`).toBe(true);
      }
      // Output that varies from run to run (clocks) is held to the case's own lines.
      const run = { exit: c.exit, stdout: cli.stdout.toString('latin1'), stderr: ts.stderr.toString('latin1') };
      if (typeof c.stdout !== 'string') expect(wasiMismatches(c, run)).toEqual([]);
      if (c.exit === 'trap') {
        expect(cli.stderr.subarray(0, ts.stderr.length).equals(ts.stderr)).toBe(true);
        expect(ts.stderr.toString()).toBe('wasmotion: guest trapped: unreachable [WASMOTION_ERR_TRAP]\n');
        expect(cli.stderr.subarray(ts.stderr.length).toString()).toMatch(/^Error: .*\n[\s\S]*unreachable/);
      } else {
        expect(cli.stderr.equals(ts.stderr), cli.stderr.toString()).toBe(true);
      }
    });
  }
});
