// The Express host: embeds Node-RED (editor + admin API under /admin, HTTP-in routes under /http),
// owns authentication, and answers GET /healthz without it.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import express, { type Request, type Response, type NextFunction } from 'express';
import { AdminCredentials, setupInstructions } from './admin-credentials.js';
import { loadCredentialSecret } from './credential-secret.js';
import { basicAuth, requireAccount } from './http-auth.js';
import { PACKAGE_ROOT } from './paths.js';
import { createInsuranceRouter } from './insurance-api.js';
import { createClaimsRouter, createInsurerCallbackRouter } from './claims-api.js';
import { apiDocument } from './api-document.js';
import { activeClaimsService } from '../insurance/claims/registry.js';
import type { ClaimsService } from '../insurance/claims/service.js';
import { PolicyRegister } from '../insurance/register.js';
import { RenewalService } from '../insurance/service.js';
import { DEFAULT_SCHEDULE, scheduleProblems } from '../insurance/schedule.js';
import { DEFAULT_QUOTE_CONFIG } from '../insurance/quote.js';
import type { Logger } from './logger.js';

export const ADMIN_ROOT = '/admin';
export const HTTP_NODE_ROOT = '/http';
export const API_ROOT = '/api/v1';
export const INSURER_CALLBACK_ROOT = '/insurer/callback';

/** The policy register (SQLite) shared by the REST API and the ubi-renewal node. */
export function registerFile(dataDir: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.UBI_REGISTER_DB || path.join(dataDir, 'register.db');
}

export interface HostOptions {
  /**
   * The node-red module, handed in by the entry point (bin/ubi-edge.js): edge/ never imports Node-RED,
   * the host only drives the runtime it is given.
   */
  nodeRed: NodeRedModule;
  port: number;
  host: string;
  dataDir: string;
  flowFile: string;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  /** Node-RED log level (its own console logger) */
  nodeRedLogLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
}

export interface RunningHost {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** The subset of the node-red module the host uses (it ships no types of its own). */
export interface NodeRedModule {
  init(server: http.Server, settings: Record<string, unknown>): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  httpAdmin: express.RequestHandler;
  httpNode: express.RequestHandler;
  events: { once(ev: string, fn: (...a: unknown[]) => void): void; on(ev: string, fn: (...a: unknown[]) => void): void };
  /** a function behind a getter in Node-RED 5 */
  readonly version: () => string;
}

export async function startHost(opts: HostOptions): Promise<RunningHost> {
  const env = opts.env ?? process.env;
  const log = opts.logger;
  fs.mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const userDir = path.join(opts.dataDir, 'node-red');
  fs.mkdirSync(userDir, { recursive: true });
  const creds = new AdminCredentials(opts.dataDir, env);
  const secret = loadCredentialSecret(opts.dataDir, env);
  log.info(`credential secret from ${secret.origin}`);

  const app = express();
  app.disable('x-powered-by');
  const state = { flowsStarted: false, started: Date.now() };

  app.get('/healthz', (_req, res) => {
    const configured = creds.isConfigured();
    res.status(state.flowsStarted ? 200 : 503).json({
      status: state.flowsStarted ? 'ok' : 'starting',
      flows: state.flowsStarted ? 'started' : 'starting',
      adminConfigured: configured,
      uptimeSeconds: Math.round((Date.now() - state.started) / 1000),
    });
  });

  // The insurer's status callbacks are authenticated by their HMAC signature (edge/insurance/claims/DESIGN.md),
  // not by the admin account, so they reach the appliance even before one is set up.
  app.use(INSURER_CALLBACK_ROOT, createInsurerCallbackRouter({ claims: activeClaimsService }));

  // Nothing below answers until an admin account exists.
  app.use(requireAccount(creds, opts.dataDir));
  app.get('/', (_req, res) => res.redirect(`${ADMIN_ROOT}/`));

  // Node-RED is an Express 4 application. Mounted with app.use(path, subApp), Express would make
  // our Express 5 app its parent, and the `http in` node walks up to the root app and touches
  // `_router`, which Express 5 no longer has. Calling it through a plain function keeps Node-RED's
  // own app as its root.
  const RED = opts.nodeRed;
  const server = http.createServer(app);
  const settings = nodeRedSettings(opts, userDir, creds, secret.secret);
  RED.init(server, settings);
  const adminApp = RED.httpAdmin;
  const nodeApp = RED.httpNode;
  app.use(ADMIN_ROOT, (req: Request, res: Response, next: NextFunction) => adminApp(req, res, next));
  app.use(HTTP_NODE_ROOT, basicAuth(creds, 'ubi-edge'), (req: Request, res: Response, next: NextFunction) => nodeApp(req, res, next));

  // REST API of the renewal flow, on the same register file as the default flow's ubi-renewal node.
  const schedule = { ...DEFAULT_SCHEDULE, timeZone: env.UBI_DEPOT_TZ || DEFAULT_SCHEDULE.timeZone };
  const bad = scheduleProblems(schedule);
  if (bad.length > 0) throw new Error(`UBI_DEPOT_TZ: ${bad.join('; ')}`);
  const register = new PolicyRegister(registerFile(opts.dataDir, env));
  const renewals = new RenewalService(register, schedule, DEFAULT_QUOTE_CONFIG);
  app.use(API_ROOT, basicAuth(creds, 'ubi-edge'), createApiRouter({ renewals, claims: activeClaimsService }));
  app.use((_req, res) => res.status(404).json({ error: 'not found' }));

  const flowsStarted = new Promise<void>((resolve) => RED.events.once('flows:started', () => resolve()));
  RED.events.on('flows:started', () => {
    state.flowsStarted = true;
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host}:${port}`;

  await RED.start();
  await flowsStarted;
  log.info(`Node-RED ${RED.version()} flows started from ${opts.flowFile}`);
  log.info(`editor: ${url}${ADMIN_ROOT}/   health: ${url}/healthz`);
  if (!creds.isConfigured()) log.warn(setupInstructions(opts.dataDir));

  let closed = false;
  return {
    url,
    port,
    async close() {
      if (closed) return;
      closed = true;
      await RED.stop();
      register.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The REST API mounted at API_ROOT (behind Basic auth): claims and renewal routes, and the OpenAPI
 * document of both plus the insurer callback at GET /openapi.json (test/server/openapi-coverage.test.ts
 * checks the document against this router's routes).
 */
export function createApiRouter(deps: { renewals: RenewalService; claims: () => ClaimsService | null }): express.Router {
  const api = express.Router();
  // claims first: answered by the ubi-insurer config node's service once the flows deploy one (503
  // before). The insurance router ends in a catch-all 404, so a router mounted after it is never reached.
  api.use(createClaimsRouter({ claims: deps.claims }));
  api.use(createInsuranceRouter({ service: deps.renewals, openApi: (base) => apiDocument(base, INSURER_CALLBACK_ROOT) }));
  return api;
}

function nodeRedSettings(opts: HostOptions, userDir: string, creds: AdminCredentials, credentialSecret: string): Record<string, unknown> {
  const admin = async (username: string) => {
    const acc = safeAccount(creds);
    return acc && acc.username === username ? { username, permissions: '*' } : null;
  };
  return {
    httpAdminRoot: ADMIN_ROOT,
    httpNodeRoot: HTTP_NODE_ROOT,
    userDir,
    flowFile: opts.flowFile,
    flowFilePretty: true,
    credentialSecret,
    // Our package is loaded the way the palette manager would load it: through package.json's "node-red" section.
    nodesDir: [PACKAGE_ROOT],
    adminAuth: {
      type: 'credentials',
      users: admin,
      authenticate: async (username: string, password: string) => ((await creds.verify(username, password)) ? admin(username) : null),
    },
    telemetry: { enabled: false, updateNotification: false },
    diagnostics: { enabled: true, ui: true },
    runtimeState: { enabled: false, ui: false },
    externalModules: { autoInstall: false, palette: { allowInstall: false } },
    functionExternalModules: false,
    editorTheme: {
      page: { title: 'ubi-edge' },
      header: { title: 'ubi-edge' },
      projects: { enabled: false },
      tours: false,
      palette: { catalogues: [] },
    },
    logging: { console: { level: opts.nodeRedLogLevel ?? 'info', metrics: false, audit: false } },
    SKIP_BUILD_CHECK: true,
  };
}

function safeAccount(creds: AdminCredentials) {
  try {
    return creds.account();
  } catch {
    return undefined;
  }
}

export { setupInstructions };
