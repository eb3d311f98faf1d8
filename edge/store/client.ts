// The `influx` client (InfluxDB 1.x HTTP API) set up for the writer: the client's own retries and
// host back-off are switched off (maxRetries 0, a back-off of 0 ms never disables the host) because
// the writer does its own retrying with jitter and must see every failure to keep order and counts.
//
// Writes: the outbox already holds each point as line protocol (line.ts, the same bytes the
// client's writePoints() makes), so writeBody() posts a batch of lines through the client's own
// request pool exactly as writePoints() does after serialising (POST /write?db&precision&rp, same
// auth, timeouts and errors); serialising every point a second time was a third of the writer's CPU.
// The pool takes a Buffer body as it takes a string (it measures it with Buffer.from and writes it
// with req.write); the test compares the requests byte for byte.
import http from 'node:http';
import https from 'node:https';
import { InfluxDB } from 'influx';
import type { IPoolOptions } from 'influx';
import type { InfluxLike, WriteOptions } from './writer.js';
import type { QueryLike } from './setup.js';
import type { WirePoint } from './point.js';

export interface InfluxConnection {
  /** http(s)://host:port[/path] */
  url: string;
  database: string;
  username?: string;
  password?: string;
  timeoutMs?: number;
}

type Backoff = NonNullable<IPoolOptions['backoff']>;

const NO_BACKOFF: Backoff = {
  getDelay: () => 0,
  next: () => NO_BACKOFF,
  reset: () => NO_BACKOFF,
};

/** The URL with any user:password removed (for logs and status). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(invalid URL)';
  }
}

export function parseConnection(c: InfluxConnection): { host: string; port: number; protocol: 'http' | 'https'; path: string } {
  let u: URL;
  try {
    u = new URL(c.url);
  } catch {
    throw new Error(`url: "${redactUrl(c.url)}" is not a URL (e.g. http://127.0.0.1:8086)`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`url: use http:// or https://, not ${u.protocol}`);
  if (!c.database || !/^[A-Za-z0-9_.\-]{1,64}$/.test(c.database)) throw new Error(`database: "${c.database ?? ''}" must be 1-64 of A-Z a-z 0-9 _ . -`);
  const protocol = u.protocol === 'https:' ? 'https' : 'http';
  const port = u.port ? Number(u.port) : protocol === 'https' ? 443 : 80;
  return { host: u.hostname, port, protocol, path: u.pathname === '/' ? '' : u.pathname };
}

export type StoreClient = InfluxLike &
  QueryLike & {
    raw: InfluxDB;
    /** the client's own writePoints() (it serialises the points itself): the bench's baseline, tests */
    writePoints(points: WirePoint[], opts: WriteOptions): Promise<void>;
  };

/** The part of the client's (private) request pool that writePoints() itself calls. */
interface PoolLike {
  discard(o: { method: 'POST'; path: string; query: Record<string, string | undefined>; body: string | Buffer; auth?: string }): Promise<void>;
}

/** The client's pool and the Basic auth writePoints() sends (its resolved options: 'root' when none was given). */
function poolOf(raw: InfluxDB): { pool: PoolLike; auth: string | undefined } | undefined {
  const r = raw as unknown as { _pool?: { discard?: unknown }; _options?: { username?: unknown; password?: unknown } };
  if (!r._pool || typeof r._pool.discard !== 'function') return undefined;
  const o = r._options ?? {};
  return { pool: r._pool as PoolLike, auth: typeof o.username === 'string' ? `${o.username}:${typeof o.password === 'string' ? o.password : ''}` : undefined };
}

/** `opts.pool: false` (tests) takes the path used when the client has no such pool: postWrite(). */
export function createClient(c: InfluxConnection, opts: { pool?: boolean } = {}): StoreClient {
  const h = parseConnection(c);
  const u = new URL(c.url);
  const username = c.username || decodeURIComponent(u.username) || undefined;
  const password = c.password || decodeURIComponent(u.password) || undefined;
  const raw = new InfluxDB({
    hosts: [{ host: h.host, port: h.port, protocol: h.protocol, ...(h.path ? { path: h.path } : {}) }],
    database: c.database,
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
    pool: { maxRetries: 0, requestTimeout: c.timeoutMs ?? 10000, backoff: NO_BACKOFF },
  });
  const direct = opts.pool === false ? undefined : poolOf(raw);
  const writePoints = (points: WirePoint[], opts: WriteOptions) => raw.writePoints(points, { precision: opts.precision, ...(opts.retentionPolicy ? { retentionPolicy: opts.retentionPolicy } : {}) });
  return {
    raw,
    writePoints,
    writeBody: direct
      ? (body: Buffer, opts: WriteOptions) =>
          direct.pool.discard({ method: 'POST', path: '/write', query: { db: c.database, precision: opts.precision, rp: opts.retentionPolicy }, body, ...(direct.auth !== undefined ? { auth: direct.auth } : {}) })
      : // another client version without that pool: the same request with Node's http. Not through
        // writePoints(): without a schema it writes every number as a float, and an integer field
        // (count=10i) would then conflict with the integer already stored and be refused
        postWrite(h, c.database, username, password, c.timeoutMs ?? 10000),
    queryRaw: (q: string, opts) => raw.queryRaw(q, opts ?? {}) as Promise<unknown>,
  };
}

/**
 * POST /write with the body as it is, as the client's pool does: errors carry `res.statusCode` and the
 * server's message like the client's own ("A 400 error occurred: ..."), so the writer classifies both alike.
 */
function postWrite(h: ReturnType<typeof parseConnection>, database: string, username: string | undefined, password: string | undefined, timeoutMs: number): (body: Buffer, opts: WriteOptions) => Promise<void> {
  const agent = h.protocol === 'https' ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  const request = h.protocol === 'https' ? https.request : http.request;
  return (body, opts) =>
    new Promise<void>((resolve, reject) => {
      const q = new URLSearchParams({ db: database, precision: opts.precision });
      if (opts.retentionPolicy) q.set('rp', opts.retentionPolicy);
      const req = request(
        {
          host: h.host,
          port: h.port,
          method: 'POST',
          path: `${h.path}/write?${q.toString()}`,
          agent,
          timeout: timeoutMs,
          headers: { 'content-type': 'text/plain', 'content-length': body.length },
          ...(username !== undefined ? { auth: `${username}:${password ?? ''}` } : {}),
        },
        (res) => {
          const parts: Buffer[] = [];
          res.on('data', (d: Buffer) => parts.push(d));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) return resolve();
            reject(Object.assign(new Error(`A ${status} error occurred: ${Buffer.concat(parts).toString('utf8')}`), { res: { statusCode: status } }));
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(Object.assign(new Error(`timed out after ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
      req.on('error', reject);
      req.end(body);
    });
}
