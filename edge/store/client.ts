// The `influx` client (InfluxDB 1.x HTTP API) set up for the writer: the client's own retries and
// host back-off are switched off (maxRetries 0, a back-off of 0 ms never disables the host) because
// the writer does its own retrying with jitter and must see every failure to keep order and counts.
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

export type StoreClient = InfluxLike & QueryLike & { raw: InfluxDB };

export function createClient(c: InfluxConnection): StoreClient {
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
  return {
    raw,
    writePoints: (points: WirePoint[], opts: WriteOptions) => raw.writePoints(points, { precision: opts.precision, ...(opts.retentionPolicy ? { retentionPolicy: opts.retentionPolicy } : {}) }),
    queryRaw: (q: string, opts) => raw.queryRaw(q, opts ?? {}) as Promise<unknown>,
  };
}
