// Publishes the dashboards to a running Grafana through the `grafana-api` package: the folder, then
// each dashboard by uid (create or overwrite). --dry-run reads what is there and prints what would
// change without writing. The token comes from the environment and is never printed.
import { GrafanaClient, type GrafanaApiError } from 'grafana-api';
import { buildDashboards, type BuiltDashboard } from './index.js';
import { FOLDER } from './common.js';

export interface PublishEnv {
  url?: string | undefined;
  token?: string | undefined;
  orgId?: string | undefined;
}

export interface PublishOptions {
  dryRun?: boolean;
  log?: (line: string) => void;
  dashboards?: BuiltDashboard[];
}

export type Change = 'create' | 'update' | 'unchanged';

export interface PublishResult {
  changes: Array<{ uid: string; title: string; change: Change; detail: string }>;
  failed: number;
}

export class PublishConfigError extends Error {
  readonly exitCode = 78;
}

const isApiError = (e: unknown): e is GrafanaApiError => e instanceof Error && e.name === 'GrafanaApiError';
const status = (e: unknown): number | null => (isApiError(e) ? e.statusCode : null);
/** An error line without anything from the request's headers. */
const describe = (e: unknown): string => (isApiError(e) ? `${e.request?.method ?? ''} ${e.request?.path ?? ''}: ${e.statusCode ?? 'no response'} ${e.message}` : (e as Error).message);

/** Keys Grafana sets on its side (ignored when comparing). */
const SERVER_KEYS = new Set(['id', 'version']);

function canonical(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(canonical);
  if (x && typeof x === 'object')
    return Object.fromEntries(
      Object.keys(x)
        .filter((k) => !SERVER_KEYS.has(k))
        .sort()
        .map((k) => [k, canonical((x as Record<string, unknown>)[k])]),
    );
  return x;
}

function panelTitles(d: Record<string, unknown>): Map<string, string> {
  const m = new Map<string, string>();
  for (const p of (d.panels as Array<Record<string, unknown>> | undefined) ?? []) m.set(String(p.title ?? ''), JSON.stringify(canonical(p)));
  return m;
}

/** What differs, in panel titles: "+ added, - removed, ~ changed", or the top-level keys. */
export function diffSummary(have: Record<string, unknown>, want: Record<string, unknown>): string {
  const a = panelTitles(have);
  const b = panelTitles(want);
  const parts: string[] = [];
  for (const [t, j] of b) if (!a.has(t)) parts.push(`+ ${t}`);
  else if (a.get(t) !== j) parts.push(`~ ${t}`);
  for (const t of a.keys()) if (!b.has(t)) parts.push(`- ${t}`);
  const keys = [...new Set([...Object.keys(have), ...Object.keys(want)])].filter((k) => k !== 'panels' && !SERVER_KEYS.has(k) && JSON.stringify(canonical(have[k])) !== JSON.stringify(canonical(want[k])));
  if (keys.length) parts.push(`settings: ${keys.sort().join(', ')}`);
  return parts.join('; ');
}

export async function publishDashboards(env: PublishEnv, o: PublishOptions = {}): Promise<PublishResult> {
  const log = o.log ?? (() => undefined);
  if (!env.url) throw new PublishConfigError('GRAFANA_URL (or --url) is not set: the Grafana base URL, e.g. http://localhost:3000');
  if (!env.token) throw new PublishConfigError('GRAFANA_TOKEN is not set: a Grafana service account token with the Editor role');
  let base: URL;
  try {
    base = new URL(env.url);
  } catch {
    throw new PublishConfigError(`GRAFANA_URL: not a URL`);
  }
  if (base.username || base.password) throw new PublishConfigError('GRAFANA_URL must not carry credentials: use GRAFANA_TOKEN');
  const client = new GrafanaClient({ baseUrl: base.toString(), apiKey: env.token, ...(env.orgId ? { organizationId: env.orgId } : {}), timeout: 15000 });
  const tag = o.dryRun ? '(dry run) ' : '';
  const health = await client.getHealth().catch((e: unknown) => {
    throw new Error(`Grafana at ${base.origin} not reachable: ${describe(e)}`);
  });
  log(`${tag}Grafana ${health.version ?? '?'} at ${base.origin}`);

  try {
    await client.getFolder(FOLDER.uid);
  } catch (e) {
    if (status(e) !== 404) throw new Error(`folder ${FOLDER.uid}: ${describe(e)}`);
    log(`${tag}create folder ${FOLDER.uid} "${FOLDER.title}"`);
    if (!o.dryRun) await client.createFolder({ uid: FOLDER.uid, title: FOLDER.title });
  }

  const res: PublishResult = { changes: [], failed: 0 };
  for (const d of o.dashboards ?? buildDashboards()) {
    const want = d.json as unknown as Record<string, unknown>;
    const uid = String(want.uid);
    const title = String(want.title);
    let change: Change = 'create';
    let detail = '';
    try {
      const have = await client.getDashboard(uid);
      detail = diffSummary(have.dashboard, want);
      change = detail === '' && have.meta.folderUid === FOLDER.uid ? 'unchanged' : 'update';
      if (change === 'update' && detail === '') detail = `move to folder ${FOLDER.uid}`;
    } catch (e) {
      if (status(e) !== 404) {
        res.failed++;
        log(`${tag}${uid}: ${describe(e)}`);
        continue;
      }
    }
    log(`${tag}${change} ${uid} "${title}"${detail ? `: ${detail}` : ''}`);
    res.changes.push({ uid, title, change, detail });
    if (o.dryRun || change === 'unchanged') continue;
    try {
      await client.post('dashboards/db', { dashboard: { ...want, id: null }, folderUid: FOLDER.uid, overwrite: true, message: 'ubi-edge dashboards publish' });
    } catch (e) {
      res.failed++;
      log(`${uid}: ${describe(e)}`);
    }
  }
  return res;
}
