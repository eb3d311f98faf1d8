// `ubi-edge <command>`: the appliance and its tools.
import path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { EXIT, EXIT_HELP, CliError } from './exit-codes.js';
// start (Express, Node-RED, SQLite) and the password commands (bcrypt) load only when run, so the log
// tools start fast and run where only the engine's files are present (the SocketCAN test VM).
import { registerLogCommands } from './log-commands.js';
import { registerDecodeCommands } from './decode-commands.js';
import { registerScoreCommands } from './score-commands.js';
import { registerDashboardCommands } from './dashboard-commands.js';

/** What the entry point provides that edge/ must not import itself. */
export interface MainDeps {
  /** loads the node-red module (only `start` needs it) */
  loadNodeRed?: () => unknown;
}

export async function main(argv: string[], deps: MainDeps = {}): Promise<number> {
  const program = new Command();
  program
    .name('ubi-edge')
    .description('Edge appliance for fleet depots: vehicle CAN data to usage-based insurance.')
    .version(require(path.join(__dirname, '..', '..', '..', 'package.json')).version as string)
    .addHelpText('after', '\n' + EXIT_HELP)
    .showHelpAfterError()
    .exitOverride();

  const dataOpt = () => new Option('--data <dir>', 'data directory (secrets, Node-RED user data)').env('UBI_DATA_DIR').default('data');

  program
    .command('start')
    .description('run the appliance: Node-RED with the ubi-edge flows, editor under /admin')
    .addOption(new Option('--port <n>', 'HTTP port').env('UBI_PORT').default('1880'))
    .addOption(new Option('--host <addr>', 'address to listen on').env('UBI_HOST').default('0.0.0.0'))
    .addOption(dataOpt())
    .addOption(new Option('--flows <file>', 'flows file').env('UBI_FLOWS_FILE'))
    .action(async (o: { port: string; host: string; data: string; flows?: string }) => (await import('./start.js')).startCommand(o, deps.loadNodeRed));

  program
    .command('set-password')
    .description('set the admin password (asks for it; --stdin reads one line); takes effect at once')
    .addOption(new Option('--user <name>', 'admin user name').default('admin'))
    .addOption(dataOpt())
    .option('--stdin', 'read the password from standard input')
    .action(async (o: { user: string; data: string; stdin?: boolean }) => (await import('./password.js')).setPasswordCommand(o));

  program
    .command('hash-password')
    .description('print a bcrypt hash of a password, for UBI_ADMIN_PASSWORD_HASH')
    .option('--stdin', 'read the password from standard input')
    .action(async (o: { stdin?: boolean }) => (await import('./password.js')).hashPasswordCommand(o));

  registerLogCommands(program);
  registerDecodeCommands(program);
  registerScoreCommands(program);
  registerDashboardCommands(program);

  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.OK;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end here with code 0
      return e.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    }
    if (e instanceof CliError) {
      process.stderr.write(`ubi-edge: ${e.message}\n`);
      return e.code;
    }
    process.stderr.write(`ubi-edge: ${(e as Error).stack ?? String(e)}\n`);
    return EXIT.SOFTWARE;
  }
}
