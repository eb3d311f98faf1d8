// The appliance as a process for the end-to-end and fault tests: `ubi-edge start` on a free port
// with the default flows, the admin password set with `set-password --stdin`, flows read and
// deployed through the admin API (bearer token) with credentials, the REST API with Basic auth;
// InfluxDB queried back; the generated dashboards' queries with Grafana's macros substituted.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { BIN, spawnAppliance, stopProcess } from './appliance.js';
import assert from 'node:assert/strict';
import { DECODE_INTERFACES, ROOT, SCORE_DBC_ARGS } from './e2e-log.js';
import type { Influxd } from './influxd.js';
import type { TestInsurer } from './test-insurer.js';
import { PolicyRegister } from '../../edge/insurance/register.js';
import { policy } from '../insurance/helpers.js';

export { BIN };
export const USER = 'depot';
export const PASSWORD = 'a long e2e test password';
export const DEPOT = 'depot-1';

/** Default flow ids (scripts/make-default-flows.cjs) */
const fid = (n: number) => `ubi0000000000${String(n).padStart(3, '0')}`;
export const IDS = { tabVehicle: fid(1), bus: fid(10), influx: fid(11), insurer: fid(12), canIn: fid(22), decode: fid(23), score: fid(31), incident: fid(32), claim: fid(35) };

export interface FlowNode {
  id: string;
  type: string;
  [k: string]: unknown;
}

export class Appliance {
  proc: ChildProcess | undefined;
  url = '';
  logs: string[] = [];
  private token = '';

  constructor(
    readonly dataDir: string,
    readonly flowFile: string,
    readonly env: NodeJS.ProcessEnv,
  ) {}

  get text(): string {
    return this.logs.join('');
  }

  get running(): boolean {
    return this.proc !== undefined && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Starts `ubi-edge start`; resolves on "ready on <url>". */
  async start(): Promise<void> {
    this.url = '';
    this.token = '';
    const { proc, url } = await spawnAppliance({ dataDir: this.dataDir, flowFile: this.flowFile, env: this.env, logs: this.logs });
    this.proc = proc;
    this.url = url;
    proc.on('exit', () => (this.url = ''));
  }

  /** SIGTERM and wait for the exit. */
  async stop(): Promise<number | null> {
    return stopProcess(this.proc);
  }

  /** kill -9 and wait for the exit. */
  async kill9(): Promise<void> {
    const p = this.proc;
    if (!p || !this.running) return;
    const exited = new Promise<void>((resolve) => p.once('exit', () => resolve()));
    p.kill('SIGKILL');
    await exited;
  }

  setPassword(): void {
    const r = spawnSync(process.execPath, [BIN, 'set-password', '--data', this.dataDir, '--user', USER, '--stdin'], { input: PASSWORD + '\n', encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`set-password: ${r.status} ${r.stderr}`);
  }

  async bearer(): Promise<Record<string, string>> {
    if (!this.token) {
      const r = await fetch(this.url + '/admin/auth/token', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ client_id: 'node-red-admin', grant_type: 'password', scope: '*', username: USER, password: PASSWORD }),
      });
      if (r.status !== 200) throw new Error(`token: ${r.status} ${await r.text()}`);
      this.token = ((await r.json()) as { access_token: string }).access_token;
    }
    return { authorization: `Bearer ${this.token}` };
  }

  basic(): Record<string, string> {
    return { authorization: 'Basic ' + Buffer.from(`${USER}:${PASSWORD}`).toString('base64') };
  }

  async flows(): Promise<{ rev: string; flows: FlowNode[] }> {
    const r = await fetch(this.url + '/admin/flows', { headers: { ...(await this.bearer()), 'Node-RED-API-Version': 'v2' } });
    if (r.status !== 200) throw new Error(`GET /admin/flows: ${r.status}`);
    return (await r.json()) as { rev: string; flows: FlowNode[] };
  }

  /** Full deploy through the admin API; `credentials` by node id go with the nodes (Node-RED encrypts them). */
  async deploy(flows: FlowNode[], credentials: Record<string, Record<string, string>> = {}): Promise<void> {
    const cur = await this.flows();
    const body = { rev: cur.rev, flows: flows.map((n) => (credentials[n.id] ? { ...n, credentials: credentials[n.id] } : n)) };
    const r = await fetch(this.url + '/admin/flows', {
      method: 'POST',
      headers: { ...(await this.bearer()), 'content-type': 'application/json', 'Node-RED-API-Version': 'v2', 'Node-RED-Deployment-Type': 'full' },
      body: JSON.stringify(body),
    });
    if (r.status !== 200) throw new Error(`POST /admin/flows: ${r.status} ${await r.text()}`);
  }

  async api<T>(p: string): Promise<{ status: number; body: T }> {
    const r = await fetch(this.url + '/api/v1' + p, { headers: this.basic() });
    const text = await r.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* text */
    }
    return { status: r.status, body: body as T };
  }

  async health(): Promise<{ status: number; body: Record<string, unknown> }> {
    const r = await fetch(this.url + '/healthz');
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  }
}

/** Polls `cond` (sync or async) until it is truthy; throws naming `what` (and the last value) after `timeoutMs`. */
export async function until<T>(cond: () => T | Promise<T>, timeoutMs: number, what: string, stepMs = 100): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await cond();
      if (v) return v as NonNullable<T>;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** The default flows with the vehicle tab disabled: the appliance starts idle until the test deploys its settings. */
export function idleDefaultFlows(file: string): FlowNode[] {
  const flows = JSON.parse(fs.readFileSync(path.join(ROOT, 'flows', 'flows.json'), 'utf8')) as FlowNode[];
  const idle = flows.map((n) => (n.id === IDS.tabVehicle ? { ...n, disabled: true } : n));
  fs.writeFileSync(file, JSON.stringify(idle, null, 4));
  return flows;
}

export interface E2eSettings {
  replayFile: string;
  caFile: string;
  vehicles: Record<string, string>;
  speed?: string;
  /** merge window for score/incident (default 120 s): at full speed a batch of 1000 frames of can0 spans ~50 s of the drive's log time; the
   *  engines hold the last merge window of data until more arrives (nothing flushes them at the end of a replay) */
  mergeS?: number;
}

/** The default flows with the test's settings, as an engineer would set them in the editor. */
export function e2eFlows(defaults: FlowNode[], s: E2eSettings): FlowNode[] {
  return defaults.map((n) => {
    switch (n.id) {
      case IDS.tabVehicle:
        return { ...n, disabled: false };
      case IDS.bus:
        return { ...n, source: 'replay', replayFile: s.replayFile, speed: s.speed ?? 'max', loop: false };
      case IDS.score:
      case IDS.incident:
        return { ...n, mergeS: s.mergeS ?? 120 };
      case IDS.insurer:
        return { ...n, caFile: s.caFile, timeoutS: 2, retryBaseS: 0.2, retryMaxS: 1, vehicles: JSON.stringify(s.vehicles) };
      default:
        return n;
    }
  });
}

// ---- InfluxDB -------------------------------------------------------------------------------

export async function rows(influxd: Influxd, q: string, db = 'ubi'): Promise<Array<Record<string, unknown>>> {
  return influxd.rows(q, db);
}

export async function count(influxd: Influxd, measurement: string, where = '', db = 'ubi'): Promise<number> {
  try {
    const r = await influxd.rows(`SELECT * FROM "long"."${measurement}"${where ? ' WHERE ' + where : ''}`, db);
    return r.length;
  } catch (e) {
    if (/database not found|retention policy not found/.test((e as Error).message)) return 0;
    throw e;
  }
}

// ---- dashboards -----------------------------------------------------------------------------

export interface DashTarget {
  file: string;
  title: string;
  refId: string;
  measurement: string;
  query: string;
}

/** Every InfluxQL target of the generated dashboards (dashboards/generated/dashboards/*.json). */
export function dashboardTargets(): DashTarget[] {
  const dir = path.join(ROOT, 'dashboards', 'generated', 'dashboards');
  const out: DashTarget[] = [];
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.json')).sort()) {
    const d = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { panels?: Array<{ title?: string; targets?: Array<{ refId?: string; measurement?: string; query?: string }>; panels?: unknown[] }> };
    const panels = (d.panels ?? []).flatMap((p) => [p, ...((p.panels ?? []) as typeof d.panels & object)]);
    for (const p of panels)
      for (const t of p.targets ?? []) if (t.query && t.measurement) out.push({ file: f, title: p.title ?? '', refId: t.refId ?? '', measurement: t.measurement, query: t.query });
  }
  return out;
}

const reEscape = (s: string): string => s.replace(/[\\^$*+?.()|[\]{}\-/]/g, '\\$&');

/** Grafana's InfluxDB macros: $timeFilter, $__interval, and multi-value variables inside regexes. */
export function substitute(q: string, o: { from: number; to: number; interval: string; vars: Record<string, readonly string[] | 'all'> }): string {
  let s = q.replace(/\$timeFilter/g, `time >= ${Math.floor(o.from)}ms AND time <= ${Math.ceil(o.to)}ms`).replace(/\$__interval/g, o.interval);
  for (const [k, v] of Object.entries(o.vars)) s = s.replace(new RegExp(`\\$${k}\\b`, 'g'), v === 'all' ? '.*' : `(${v.map(reEscape).join('|')})`);
  if (/\$[A-Za-z_]/.test(s)) throw new Error(`unsubstituted macro left in ${s}`);
  return s;
}

// ---- the e2e site ---------------------------------------------------------------------------

const SECRET = 'e2e-insurer-secret-0123456789abcdef';
const VEHICLE = 'T1';
const VIN = 'E2ETRUCK000000001';
const TZ = 'Europe/Copenhagen';

export type Kinded = { kind: string; id?: string; type?: string; [k: string]: unknown };

/** `ubi-edge score` on the same log with the appliance's settings: the independent expectation. */
export function cliScore(log: string, dir: string): Kinded[] {
  const cfg = path.join(dir, 'score-config.json');
  fs.writeFileSync(cfg, JSON.stringify({ vehicleClass: 'tractor_unit', timeZone: TZ }));
  const r = spawnSync(process.execPath, [BIN, 'score', log, ...SCORE_DBC_ARGS, '--map', 'j1939-truck', '--vehicle', VEHICLE, '--config', cfg, '--no-progress'], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Kinded);
}

/** A register with the truck's policy in force around the (shifted) log's dates. */
export function makeRegister(file: string, atS: number): void {
  const day = (d: number) => new Date((atS + d * 86400) * 1000).toISOString().slice(0, 10);
  const reg = new PolicyRegister(file);
  policy(reg, { n: 'POL-E2E-1', vin: VIN, plate: 'E2E 001', start: day(-100), end: day(265), cls: 'tractor_unit' });
  reg.close();
}

export const E2E = { SECRET, VEHICLE, VIN, TZ };

export function applianceEnv(influxd: Influxd, insurer: TestInsurer): NodeJS.ProcessEnv {
  return {
    UBI_CAN_IFACES: '',
    UBI_VEHICLE: VEHICLE,
    UBI_VEHICLE_CLASS: 'tractor_unit',
    UBI_DECODE_INTERFACES: DECODE_INTERFACES,
    UBI_VSS_MAP: 'j1939-truck',
    UBI_DEPOT_TZ: TZ,
    UBI_INFLUX_URL: influxd.url,
    UBI_INFLUX_DB: 'ubi',
    UBI_INSURER_URL: insurer.url,
  };
}

