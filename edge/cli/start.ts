// `ubi-edge start`: the appliance.
import path from 'node:path';
import fs from 'node:fs';
import { startHost, registerFile, type NodeRedModule } from '../server/host.js';
import { consoleLogger } from '../server/logger.js';
import { PACKAGE_ROOT } from '../server/paths.js';
import { planSource } from '../can/open-source.js';
import { CliError, EXIT } from './exit-codes.js';

/** Site settings the default flows read with ${...}; defaults so a fresh start works (the bundled car drive). */
const SITE_DEFAULTS: Record<string, string> = {
  UBI_DEPOT: 'depot-1',
  UBI_VEHICLE: 'demo-car',
  UBI_VEHICLE_CLASS: 'van',
  UBI_DEPOT_TZ: 'Europe/Copenhagen',
  UBI_DECODE_INTERFACES: `can0: obd\ncan1: ${path.join(PACKAGE_ROOT, 'assets', 'dbc', 'gnss.dbc')}`,
  UBI_VSS_MAP: 'car-obd-gnss',
  UBI_INFLUX_URL: 'http://127.0.0.1:8086',
  UBI_INFLUX_DB: 'ubi',
  // empty: claims are filed into the durable queue and wait until an insurer endpoint is configured
  UBI_INSURER_URL: '',
};

export async function startCommand(o: { port: string; host: string; data: string; flows?: string }, loadNodeRed?: () => unknown): Promise<void> {
  if (!loadNodeRed) throw new CliError('start: no Node-RED runtime was handed in; run the appliance through bin/ubi-edge.js', EXIT.SOFTWARE);
  const log = consoleLogger();
  const port = Number(o.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port ${o.port}: not a port number`, EXIT.USAGE);
  for (const [k, v] of Object.entries(SITE_DEFAULTS)) if (process.env[k] === undefined || (process.env[k] === '' && v !== '')) process.env[k] = v;
  const dataDir = path.resolve(o.data);
  // the default flow's ubi-renewal node reads ${UBI_REGISTER_DB}: the same file as the REST API
  process.env.UBI_REGISTER_DB = registerFile(dataDir);
  const flowFile = path.resolve(o.flows ?? path.join(PACKAGE_ROOT, 'flows', 'flows.json'));

  const defaultFlows = path.join(PACKAGE_ROOT, 'flows', 'flows.json');
  if (!fs.existsSync(flowFile)) {
    // A new site starts from the default flows; after that the file is the engineers' to change.
    fs.mkdirSync(path.dirname(flowFile), { recursive: true });
    fs.copyFileSync(defaultFlows, flowFile);
    log.info(`flows file ${flowFile} created from the default flows`);
  }

  // Say first what the default CAN input will read, so nobody mistakes a replay for a live bus.
  try {
    const plan = planSource({
      vehicle: process.env.UBI_VEHICLE!,
      source: 'auto',
      interfaces: '',
      bitrate: 500000,
      fd: false,
      filters: '',
      replayFiles: [],
      speed: 1,
      loop: true,
    });
    log.info(`CAN input: ${plan.describe}`);
  } catch (e) {
    log.warn(`CAN input: ${(e as Error).message}`);
  }

  const host = await startHost({ port, host: o.host, dataDir, flowFile, logger: log, nodeRed: loadNodeRed() as NodeRedModule });
  log.info(`ready on ${host.url}`);

  await new Promise<void>((resolve) => {
    const stop = (sig: string) => {
      log.info(`${sig}: stopping`);
      host.close().then(resolve, (e: unknown) => {
        log.error(`stopping: ${(e as Error).message}`);
        resolve();
      });
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  log.info('stopped');
  // Node-RED leaves intervals of its own (editor comms heartbeat) running after stop().
  process.exit(EXIT.OK);
}
