// A private InfluxDB 1.x server for tests: Debian's `influxd` with a temporary config and data
// directory on free loopback ports. Starts in ~0.1 s; stop() ends it; start() again reuses the same
// data (restart); kill() is a SIGKILL. Throws a clear error when influxd is not installed: tests
// that need a real database must fail, never skip silently.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export function findInfluxd(): string {
  for (const d of (process.env.PATH ?? '').split(':').concat(['/usr/bin', '/usr/local/bin', '/usr/sbin'])) {
    const f = path.join(d, 'influxd');
    try {
      fs.accessSync(f, fs.constants.X_OK);
      return f;
    } catch {
      /* next */
    }
  }
  throw new Error('influxd not found on PATH: the store tests need a real InfluxDB 1.x. Install Debian\'s package as root: apt-get update && apt-get install -y influxdb (the system service need not run)');
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface InfluxdOptions {
  /** continuous query run interval (default 1s) */
  cqRunInterval?: string;
  auth?: boolean;
}

export class Influxd {
  readonly dir: string;
  private proc: ChildProcess | undefined;
  private stderr = '';
  port = 0;
  private rpcPort = 0;

  private constructor(
    private readonly bin: string,
    private readonly opts: InfluxdOptions,
  ) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ubi-influxd-'));
  }

  static async start(opts: InfluxdOptions = {}): Promise<Influxd> {
    const d = new Influxd(findInfluxd(), opts);
    d.port = await freePort();
    d.rpcPort = await freePort();
    await d.start();
    return d;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.proc !== undefined && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  private writeConfig(): string {
    const conf = `reporting-disabled = true
bind-address = "127.0.0.1:${this.rpcPort}"
[meta]
  dir = "${this.dir}/meta"
  logging-enabled = false
[data]
  dir = "${this.dir}/data"
  wal-dir = "${this.dir}/wal"
  query-log-enabled = false
  wal-fsync-delay = "0s"
[coordinator]
  log-queries-after = "0s"
[retention]
  enabled = true
[monitor]
  store-enabled = false
[subscriber]
  enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:${this.port}"
  auth-enabled = ${this.opts.auth ? 'true' : 'false'}
  log-enabled = false
  write-tracing = false
[logging]
  level = "error"
  suppress-logo = true
[continuous_queries]
  enabled = true
  log-enabled = false
  run-interval = "${this.opts.cqRunInterval ?? '1s'}"
`;
    const f = path.join(this.dir, 'influxdb.conf');
    fs.writeFileSync(f, conf);
    return f;
  }

  /** (Re)starts the server on the same port and data; resolves when /ping answers. */
  async start(): Promise<void> {
    if (this.running) return;
    const conf = this.writeConfig();
    this.stderr = '';
    const p = spawn(this.bin, ['-config', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc = p;
    p.stderr!.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
    });
    const t0 = Date.now();
    for (;;) {
      if (p.exitCode !== null) throw new Error(`influxd exited with ${p.exitCode}: ${this.stderr}`);
      if (await ping(this.port)) return;
      if (Date.now() - t0 > 15000) {
        p.kill('SIGKILL');
        throw new Error(`influxd did not answer /ping within 15 s: ${this.stderr}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Stops the server (SIGTERM, then SIGKILL after 5 s); the data stays for start(). */
  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || !this.running) return;
    const exited = new Promise<void>((r) => p.once('exit', () => r()));
    p.kill('SIGTERM');
    const t = setTimeout(() => p.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  }

  async kill(): Promise<void> {
    const p = this.proc;
    if (!p || !this.running) return;
    const exited = new Promise<void>((r) => p.once('exit', () => r()));
    p.kill('SIGKILL');
    await exited;
  }

  /** Stops the server and removes its data. */
  async destroy(): Promise<void> {
    await this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** Runs InfluxQL; returns the raw JSON. */
  async query(q: string, db?: string, method: 'GET' | 'POST' = 'GET'): Promise<InfluxResult> {
    const params = new URLSearchParams({ q, epoch: 'u' });
    if (db) params.set('db', db);
    const body = await request(this.port, method, '/query?' + params.toString());
    const r = JSON.parse(body.text) as InfluxResult;
    const err = r.error ?? r.results?.find((x) => x.error)?.error;
    if (err) throw new Error(`${q}: ${err}`);
    return r;
  }

  /** Rows of the first series (columns as keys); `time` in µs. */
  async rows(q: string, db?: string): Promise<Array<Record<string, unknown>>> {
    const r = await this.query(q, db);
    const out: Array<Record<string, unknown>> = [];
    for (const res of r.results ?? [])
      for (const s of res.series ?? [])
        for (const v of s.values ?? []) {
          const row: Record<string, unknown> = { ...(s.tags ?? {}) };
          s.columns.forEach((c, i) => (row[c] = v[i]));
          out.push(row);
        }
    return out;
  }

  /** Writes line protocol directly (tests that need to set up data). */
  async writeLines(db: string, lines: string, precision = 'u'): Promise<{ status: number; text: string }> {
    return request(this.port, 'POST', `/write?db=${encodeURIComponent(db)}&precision=${precision}`, lines);
  }
}

export interface InfluxResult {
  error?: string;
  results?: Array<{ error?: string; series?: Array<{ name: string; tags?: Record<string, string>; columns: string[]; values?: unknown[][] }> }>;
}

function request(port: number, method: string, p: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: p, agent: false, timeout: 30000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    if (body) req.write(body);
    req.end();
  });
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/ping', agent: false, timeout: 500 }, (res) => {
      res.resume();
      resolve(res.statusCode === 204);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
  });
}

/** True when influxd is on this machine (for messages; tests call Influxd.start and fail without it). */
export function haveInfluxd(): boolean {
  try {
    findInfluxd();
    return spawnSync('influxd', ['version']).status === 0;
  } catch {
    return false;
  }
}
