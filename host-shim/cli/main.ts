/**
 * The wasmotion command line. Each command lives in its own file; this one
 * only declares them and turns their outcome into an exit code.
 */
import { Command, CommanderError, Option } from 'commander';
import { limitsFrom, runCommand, snapshotsFrom, type LimitOptions, type RunOptions } from './run.js';
import { resumeCommand } from './run-wasi.js';

interface ResumeOptions extends LimitOptions {
  stopAfter?: string;
  snapshotEvery?: string;
}
import { demoCommand } from './demo.js';
import { EXIT_USAGE, reportError } from './report.js';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function program(setExit: (code: number) => void): Command {
  const cli = new Command('wasmotion')
    .description('live migration, load balancing and feature baselines for WebAssembly guests')
    .exitOverride()
    .showHelpAfterError();

  cli
    .command('run')
    .description('run a WASI command guest, or call one of its exports with --invoke')
    .argument('<guest>', 'the guest module (.wasm)')
    .argument('[args...]', 'arguments for the guest (after --), or for the export with --invoke')
    .option('--invoke <name>', 'call this export and print its results, one per line')
    .option('--env <KEY=VALUE>', 'set a variable in the guest environment (repeatable; empty by default)', collect, [])
    .addOption(new Option('--fuel <steps>', 'trap with "out of fuel" after this many VMM steps'))
    .addOption(new Option('--max-memory <size>', 'largest guest memory, e.g. 64MiB (default 1GiB)'))
    .option('--snapshot-dir <dir>', 'directory for the guest\'s snapshots (must hold none yet)')
    .option('--stop-after <steps>', 'pause after this many VMM steps, write a snapshot and exit with 75')
    .option('--snapshot-every <steps>', 'write a diff snapshot every this many steps')
    .action(async (guest: string, args: string[], options: RunOptions) => setExit(await runCommand(guest, args, options)));

  cli
    .command('resume')
    .description('continue a guest from its snapshot directory')
    .argument('<dir>', 'the snapshot directory')
    .addOption(new Option('--fuel <steps>', 'trap with "out of fuel" after this many more VMM steps'))
    .addOption(new Option('--max-memory <size>', 'largest guest memory, e.g. 64MiB (default 1GiB)'))
    .option('--stop-after <steps>', 'pause after this many more steps, write a snapshot and exit with 75')
    .option('--snapshot-every <steps>', 'write a diff snapshot every this many steps')
    .action(async (dir: string, options: ResumeOptions) =>
      setExit(await resumeCommand(dir, limitsFrom(options), snapshotsFrom(options, dir))),
    );

  cli
    .command('demo')
    .description('run the sample guests that come with wasmotion')
    .action(async () => setExit(await demoCommand()));

  return cli;
}

export async function main(argv: string[]): Promise<number> {
  let code = 0;
  try {
    await program((c) => (code = c)).parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : EXIT_USAGE;
    return reportError(err);
  }
  return code;
}
