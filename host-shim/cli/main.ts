/**
 * The wasmotion command line. Each command lives in its own file; this one
 * only declares them and turns their outcome into an exit code.
 */
import { Command, CommanderError, Option } from 'commander';
import { limitsFrom, runCommand, snapshotsFrom, type LimitOptions, type RunOptions } from './run.js';
import { parseHostPort } from './values.js';
import { resumeCommand } from './run-wasi.js';
import { hostStartCommand, type HostStartOptions } from './host-start.js';
import { clusterStartCommand, type ClusterStartOptions } from './cluster-start.js';
import {
  clusterBalanceCommand,
  clusterConfigCommand,
  clusterEventsCommand,
  clusterGuestStartCommand,
  clusterGuestsCommand,
  clusterHostsCommand,
  clusterRulesCommand,
  clusterStatusCommand,
  maintenanceCommand,
  type ClusterGuestStartOptions,
  type ClusterOptions,
} from './cluster.js';
import { switchStartCommand, type SwitchStartOptions } from './switch-start.js';

interface ResumeOptions extends LimitOptions {
  stopAfter?: string;
  snapshotEvery?: string;
  tcplisten?: string;
}
import { demoCommand } from './demo.js';
import { EXIT_USAGE, reportError } from './report.js';
import { UsageError } from '../errors.js';
// --- host API client commands: imports ---
import { guestInfoCommand, guestListCommand, guestLogsCommand, guestStartCommand, guestStopCommand, guestWaitCommand, policyFrom, type GuestStartOptions } from './guest.js';
import { hostInfoCommand, type HostOptions } from './host.js';
import { migrateCommand } from './migrate.js';
// --- end host API client commands: imports ---

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
    .option('--tcplisten <host:port>', 'give the guest a listening socket at fd 3, served on this address (port 0 picks one)')
    .addOption(new Option('--engine <name>', 'the wasm engine that runs the VMM: v8 (in this process) or wasmtime (a process of its own)').choices(['v8', 'wasmtime']))
    .option('--disk <size>', 'give the guest a virtual disk of this size, e.g. 16MiB, preopened as /data (fd 3; a listener then is fd 4)')
    .action(async (guest: string, args: string[], options: RunOptions) => setExit(await runCommand(guest, args, options)));

  cli
    .command('resume')
    .description('continue a guest from its snapshot directory')
    .argument('<dir>', 'the snapshot directory')
    .addOption(new Option('--fuel <steps>', 'trap with "out of fuel" after this many more VMM steps'))
    .addOption(new Option('--max-memory <size>', 'largest guest memory, e.g. 64MiB (default 1GiB)'))
    .option('--stop-after <steps>', 'pause after this many more steps, write a snapshot and exit with 75')
    .option('--snapshot-every <steps>', 'write a diff snapshot every this many steps')
    .option('--tcplisten <host:port>', 'serve the guest\'s listening socket here (its connections were reset)')
    .addOption(new Option('--engine <name>', 'the wasm engine that runs the VMM: v8 (in this process) or wasmtime (a process of its own)').choices(['v8', 'wasmtime']))
    .action(async (dir: string, options: ResumeOptions) => {
      const listen = options.tcplisten !== undefined ? parseHostPort('--tcplisten', options.tcplisten) : undefined;
      setExit(await resumeCommand(dir, limitsFrom(options), snapshotsFrom(options, dir), listen));
    });

  cli
    .command('demo')
    .description('a local cluster of three hosts on loopback, with a guest moving between them while it runs')
    .action(async () => setExit(await demoCommand()));

  const { host } = declareHostApiCommands(cli, setExit);
  host
    .command('start')
    .description('run a host agent: the control API, guests in worker threads, live migration')
    .requiredOption('--listen <host:port>', 'where the control API listens (port 0 picks a free one)')
    .option('--name <name>', 'the host\'s name (default: the machine\'s hostname)')
    .option('--data-dir <dir>', 'where the host keeps modules')
    .option('--secret-file <file>', 'the cluster secret; hosts migrate guests only between holders of the same secret')
    .option('--migration-port <port>', 'the port of the migration listener, on the --listen address (default: a free one, advertised in host info)')
    .option('--migration-advertise <host:port>', 'where other hosts reach the migration listener, if not there: a NAT, a port forward or a proxy in between')
    .option('--max-migrations <n>', 'migrations this host sends at once; more wait their turn (default 2)')
    .option('--spare-workers <n>', 'guest workers kept started and idle, so a guest starting or arriving by migration does not wait for one (default 1)')
    .option('--console-history <size>', 'console output kept of each guest, the last bytes of it, e.g. 64MiB (default 16MiB)')
    .addOption(new Option('--max-memory <size>', 'largest guest memory, e.g. 64MiB (default 1GiB)'))
    .option('--cluster <url>', 'enroll with this cluster manager and report to it (needs --token)')
    .option('--token <file>', 'the cluster token, the same file as the manager\'s; it also keys migration')
    .addOption(new Option('--features <set>', 'offer guests only this feature set, as an older VMM would (default: max, everything the VMM runs)').choices(['wasm1', 'wasm2', 'max']))
    .option('--cpus <cores>', 'CPU the host offers its guests, in cores, fractions allowed (default: the machine\'s cores)')
    .option('--memory <size>', 'memory the host offers its guests, e.g. 8GiB (default: 3/4 of the machine\'s)')
    .option('--switch <host:port>', 'the virtual switch that publishes guests\' services (needs --secret-file or --cluster and --token)')
    .option('--shared-dir <dir>', 'a directory other hosts see too (NFS, say): guests started with --disk-shared keep their disk image there, and move it through there')
    .option('--api-token-file <file>', 'answer only API requests that prove this token (16 bytes or more); the calls this host makes to other hosts carry it too: give every host of a cluster the same one')
    .addOption(new Option('--engine <name>', 'the wasm engine that runs each guest\'s VMM: v8 (default) or wasmtime (a process per guest)').choices(['v8', 'wasmtime']))
    .action(async (options: HostStartOptions) => setExit(await hostStartCommand(options)));

  const maintenance = host.command('maintenance').description('take a host out of service by moving its guests away (needs a cluster manager)');
  for (const [action, what] of [
    ['enter', 'move every guest of the host to other hosts by live migration, then keep it empty; refused, with reasons, if some guest can go nowhere'],
    ['exit', 'let the host take guests again'],
    ['cancel', 'stop emptying the host; guests not yet moved stay on it'],
  ] as const) {
    clusterCommand(maintenance.command(action))
      .description(what)
      .argument('<name>', 'the host\'s name')
      .action(async (name: string, options: ClusterOptions) => setExit(await maintenanceCommand(action, name, options)));
  }

  declareClusterCommands(cli, setExit);

  cli
    .command('switch')
    .description('the virtual switch: stable addresses for guest services, whichever host runs them')
    .command('start')
    .description('run the virtual switch; hosts started with --switch attach to it')
    .requiredOption('--listen <host:port>', 'where hosts attach (port 0 picks a free one)')
    .option('--secret-file <file>', 'the cluster secret, the same file as the hosts\'')
    .option('--token <file>', 'or, for hosts in a cluster, the cluster token they enrolled with')
    .option('--service-host <host>', 'the address services listen on (default 127.0.0.1)')
    .option('--orphan-timeout <seconds>', 'close a service no host has attached for this long (default 60)')
    .action(async (options: SwitchStartOptions) => setExit(await switchStartCommand(options)));

  return cli;
}

/** --cluster and --json, which every command that talks to the cluster manager takes. */
function clusterCommand(command: Command): Command {
  return command
    .option('--cluster <url>', 'the cluster manager (default: $WASMOTION_CLUSTER, else http://127.0.0.1:7100)')
    .option('--api-token-file <file>', 'the API token of hosts and managers started with one (default: $WASMOTION_API_TOKEN_FILE)')
    .option('--json', 'print JSON, one value per line');
}

function declareClusterCommands(cli: Command, setExit: (code: number) => void): void {
  const cluster = cli.command('cluster').description('the cluster manager: inventory, placement, DRS balancing, maintenance, EVC baseline');
  cluster
    .command('start')
    .description('run the cluster manager; hosts join it with host start --cluster URL --token FILE')
    .option('--listen <host:port>', 'where the manager API listens (port 0 picks a free one)', '127.0.0.1:7100')
    .option('--data-dir <dir>', 'where the manager keeps its state (it survives a restart)', 'wasmotion-cluster')
    .requiredOption('--token <file>', 'the cluster token; created (32 random bytes) if the file does not exist')
    .option('--api-token-file <file>', 'answer operators only when they prove this token (the hosts\' API token: the manager\'s calls to hosts carry it)')
    .option('--baseline <name>', 'the EVC baseline hosts must present and guests must fit (default wasm2)')
    .addOption(new Option('--threshold <1-5>', 'DRS migration threshold: 1 conservative .. 5 aggressive (default 3)'))
    .addOption(new Option('--automation <level>', 'DRS automation level (default fully-automated)').choices(['manual', 'partially-automated', 'fully-automated']))
    .option('--balance-interval <ms>', 'time between automatic balancing passes; 0 turns them off (default 60000)')
    .option('--heartbeat-interval <ms>', 'how often hosts report; a host silent for 5 intervals is disconnected (default 1000)')
    .action(async (options: ClusterStartOptions) => setExit(await clusterStartCommand(options)));

  clusterCommand(cluster.command('status'))
    .description('settings, imbalance, rules, violations and pending recommendations')
    .action(async (options: ClusterOptions) => setExit(await clusterStatusCommand(options)));
  clusterCommand(cluster.command('hosts'))
    .description('the enrolled hosts: connection, maintenance, capacity, load')
    .action(async (options: ClusterOptions) => setExit(await clusterHostsCommand(options)));
  clusterCommand(cluster.command('guests'))
    .description('the guests running in the cluster, and where')
    .action(async (options: ClusterOptions) => setExit(await clusterGuestsCommand(options)));
  clusterCommand(cluster.command('events'))
    .description('the cluster\'s event log')
    .option('-f, --follow', 'keep printing new events')
    .option('--since <n>', 'only events after this number')
    .action(async (options: ClusterOptions & { follow?: boolean; since?: string }) => setExit(await clusterEventsCommand(options)));
  clusterCommand(cluster.command('config'))
    .description('show or change the cluster\'s settings')
    .option('--baseline <name>', 'the EVC baseline')
    .option('--threshold <1-5>', 'the DRS migration threshold')
    .addOption(new Option('--automation <level>', 'the DRS automation level').choices(['manual', 'partially-automated', 'fully-automated']))
    .option('--balance-interval <ms>', 'time between automatic balancing passes (0: off)')
    .action(async (options: Parameters<typeof clusterConfigCommand>[0]) => setExit(await clusterConfigCommand(options)));
  clusterCommand(cluster.command('rules'))
    .description('show the placement rules, or replace them with --set FILE (a JSON array, docs/cluster.md)')
    .option('--set <file>', 'the rules to use from now on')
    .action(async (options: ClusterOptions & { set?: string }) => setExit(await clusterRulesCommand(options)));
  clusterCommand(cluster.command('balance'))
    .description('run a DRS pass now: at the fully automated level its moves are carried out, otherwise they are recommended')
    .option('--apply', 'carry out the recommendations of the last pass instead')
    .action(async (options: ClusterOptions & { apply?: boolean }) => setExit(await clusterBalanceCommand(options)));
}

// --- host API client commands (guest, migrate, host info): they talk to a host agent, docs/host-api.md ---

/** --host and --json, which every command that talks to a host agent takes. */
function apiCommand(command: Command): Command {
  return command
    .option('--host <url>', 'the host agent (default: $WASMOTION_HOST, else http://127.0.0.1:7000)')
    .option('--api-token-file <file>', 'the API token of hosts and managers started with one (default: $WASMOTION_API_TOKEN_FILE)')
    .option('--json', 'print JSON, one value per line');
}

function declareHostApiCommands(cli: Command, setExit: (code: number) => void): { host: Command } {
  const guest = cli.command('guest').description('start, watch and stop guests on a host agent');

  apiCommand(guest.command('start'))
    .description('start a guest on the host (uploading its module if the host lacks it) and print its id')
    .argument('<guest>', 'the guest module (.wasm)')
    .argument('[args...]', 'arguments for the guest (after --)')
    .option('--env <KEY=VALUE>', 'set a variable in the guest environment (repeatable; empty by default)', collect, [])
    .option('--name <name>', 'a name for the guest')
    .option('--cluster <url>', 'let this cluster manager choose the host (instead of --host)')
    .option('--on <host>', 'with --cluster: the host to start on (admission control still applies)')
    .option('--baseline <name>', 'the EVC baseline the guest runs under and sees: wasm1 or wasm2 (default: the host\'s offer; with --cluster a stricter one than the cluster\'s)')
    .option('--cpu-reservation <cores>', 'CPU guaranteed to the guest, in cores (the host refuses it if it cannot)')
    .option('--cpu-limit <cores>', 'most CPU the guest may use, in cores (at most 1)')
    .option('--cpu-shares <n>', 'the guest\'s weight when CPU is short (default 1000)')
    .option('--memory-reservation <size>', 'memory guaranteed to the guest, e.g. 64MiB')
    .option('--memory-limit <size>', 'the guest\'s largest memory, e.g. 128MiB')
    .option('--listen <port>', 'give the guest a listening socket at fd 3, published on the host\'s virtual switch at this port (0 picks one)')
    .option('--disk <size>', 'give the guest a virtual disk of this size, e.g. 16MiB, preopened as /data (fd 3; a listener then is fd 4); it moves with the guest')
    .option('--disk-shared', 'with --disk: keep the disk image in a file in the host\'s shared directory (host start --shared-dir); hosts that see it take the disk through it when the guest migrates; with --cluster, only hosts with a shared directory are considered and it moves only among hosts sharing it')
    .action(async (path: string, args: string[], options: GuestStartOptions & ClusterGuestStartOptions) => {
      if (options.cluster !== undefined) {
        if (options.host !== undefined) throw new UsageError('--host and --cluster exclude each other');
        return setExit(await clusterGuestStartCommand(path, args, { ...options, policy: policyFrom(options) }));
      }
      if (options.on !== undefined) throw new UsageError('--on goes with --cluster');
      setExit(await guestStartCommand(path, args, options));
    });

  apiCommand(guest.command('list'))
    .description('the guests on the host')
    .action(async (options: HostOptions) => setExit(await guestListCommand(options)));

  apiCommand(guest.command('info'))
    .description('one guest\'s state')
    .argument('<id>', 'the guest id')
    .action(async (id: string, options: HostOptions) => setExit(await guestInfoCommand(id, options)));

  apiCommand(guest.command('stop'))
    .description('stop a guest')
    .argument('<id>', 'the guest id')
    .action(async (id: string, options: HostOptions) => setExit(await guestStopCommand(id, options)));

  apiCommand(guest.command('logs'))
    .description('the guest\'s console output since it started; with -f, new output as it comes, across migrations')
    .argument('<id>', 'the guest id')
    .option('-f, --follow', 'keep printing new output until the guest ends')
    .action(async (id: string, options: HostOptions & { follow?: boolean }) => setExit(await guestLogsCommand(id, options)));

  apiCommand(guest.command('wait'))
    .description('wait until the guest ends, wherever it migrates, and exit with its exit code (134 if it trapped)')
    .argument('<id>', 'the guest id')
    .action(async (id: string, options: HostOptions) => setExit(await guestWaitCommand(id, options)));

  apiCommand(cli.command('migrate'))
    .description('move a running guest to another host while it runs, and follow the migration to its end')
    .argument('<id>', 'the guest id')
    .requiredOption('--to <url>', 'the destination host agent')
    .option('--downtime-limit <ms>', 'longest pause of the guest at switchover, in milliseconds')
    .addOption(new Option('--policy <policy>', 'when the limit cannot be met: abort, or switch over anyway').choices(['abort', 'accept-downtime']))
    .option('--compress', 'deflate memory pages on the wire (worth it on slow links)')
    .action(async (id: string, options: Parameters<typeof migrateCommand>[1]) => setExit(await migrateCommand(id, options)));

  const host = cli.command('host').description('host agents');
  apiCommand(host.command('info'))
    .description('what the host agent is and offers: engine, features, migration endpoint, limits')
    .action(async (options: HostOptions) => setExit(await hostInfoCommand(options)));
  return { host };
}
// --- end host API client commands ---

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
