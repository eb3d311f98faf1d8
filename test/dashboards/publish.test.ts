// `dashboards publish` against a local HTTP double of Grafana's API: paths, methods, the bearer
// token, bodies; dry-run writes nothing; the token never reaches the output.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { buildDashboards, FOLDER } from '../../dashboards/src/index.js';
import { publishDashboards } from '../../dashboards/src/publish.js';

const TOKEN = 'glsa_test_0123456789abcdef_secret';
const ROOT = path.resolve(__dirname, '../../..');

interface Req {
  method: string;
  url: string;
  auth: string | undefined;
  body: unknown;
}

class GrafanaDouble {
  reqs: Req[] = [];
  folders = new Map<string, { uid: string; title: string }>();
  dashboards = new Map<string, { dashboard: Record<string, unknown>; folderUid: string; version: number }>();
  private srv = http.createServer((req, res) => this.handle(req, res));
  url = '';

  async start(): Promise<void> {
    await new Promise<void>((r) => this.srv.listen(0, '127.0.0.1', () => r()));
    this.url = `http://127.0.0.1:${(this.srv.address() as AddressInfo).port}`;
  }
  close(): Promise<void> {
    return new Promise((r) => this.srv.close(() => r()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString()));
    req.on('end', () => {
      const body = text ? (JSON.parse(text) as unknown) : undefined;
      this.reqs.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, body });
      const send = (code: number, obj: unknown) => {
        res.writeHead(code, { 'content-type': 'application/json' });
        res.end(JSON.stringify(obj));
      };
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(401, { message: 'invalid API key' });
      const u = req.url!;
      if (req.method === 'GET' && u === '/api/health') return send(200, { database: 'ok', version: '12.0.0' });
      let m = /^\/api\/folders\/([^/?]+)$/.exec(u);
      if (req.method === 'GET' && m) return this.folders.has(m[1]!) ? send(200, { id: 1, ...this.folders.get(m[1]!) }) : send(404, { message: 'folder not found' });
      if (req.method === 'POST' && u === '/api/folders') {
        const f = body as { uid: string; title: string };
        if (!f.uid || !f.title) return send(400, { message: 'uid and title' });
        this.folders.set(f.uid, f);
        return send(200, { id: 1, ...f });
      }
      m = /^\/api\/dashboards\/uid\/([^/?]+)$/.exec(u);
      if (req.method === 'GET' && m) {
        const d = this.dashboards.get(m[1]!);
        return d ? send(200, { dashboard: { ...d.dashboard, id: 7, version: d.version }, meta: { folderUid: d.folderUid, version: d.version } }) : send(404, { message: 'Dashboard not found' });
      }
      if (req.method === 'POST' && u === '/api/dashboards/db') {
        const b = body as { dashboard: Record<string, unknown>; folderUid: string; overwrite: boolean };
        if (!b.dashboard?.uid || !b.dashboard.title || b.overwrite !== true || !this.folders.has(b.folderUid)) return send(400, { message: 'bad request' });
        const v = (this.dashboards.get(String(b.dashboard.uid))?.version ?? 0) + 1;
        this.dashboards.set(String(b.dashboard.uid), { dashboard: b.dashboard, folderUid: b.folderUid, version: v });
        return send(200, { id: 7, uid: b.dashboard.uid, status: 'success', version: v });
      }
      send(404, { message: `no route ${req.method} ${u}` });
    });
  }
}

describe('dashboards: publish (grafana-api) against a Grafana HTTP double', function () {
  this.timeout(30000);
  let g: GrafanaDouble;
  beforeEach(async () => {
    g = new GrafanaDouble();
    await g.start();
  });
  afterEach(() => g.close());

  it('dry run on an empty Grafana: reads only, says create for the folder and each dashboard', async () => {
    const lines: string[] = [];
    const r = await publishDashboards({ url: g.url, token: TOKEN }, { dryRun: true, log: (l) => lines.push(l) });
    assert.deepEqual(r.changes.map((c) => c.change), ['create', 'create', 'create', 'create']);
    assert.ok(g.reqs.every((q) => q.method === 'GET'), 'a dry run writes nothing');
    assert.ok(g.reqs.every((q) => q.auth === `Bearer ${TOKEN}`));
    assert.ok(lines.some((l) => /create folder ubi-edge/.test(l)));
    assert.equal(g.dashboards.size, 0);
  });

  it('publish creates the folder and the dashboards with the bodies Grafana expects; again: unchanged; a change: update naming the panel', async () => {
    let r = await publishDashboards({ url: g.url, token: TOKEN }, {});
    assert.equal(r.failed, 0);
    const posts = g.reqs.filter((q) => q.method === 'POST');
    assert.deepEqual(posts.map((q) => q.url), ['/api/folders', '/api/dashboards/db', '/api/dashboards/db', '/api/dashboards/db', '/api/dashboards/db']);
    assert.deepEqual(posts[0]!.body, { uid: FOLDER.uid, title: FOLDER.title });
    const built = buildDashboards();
    for (const [i, d] of built.entries()) {
      const b = posts[i + 1]!.body as { dashboard: Record<string, unknown>; folderUid: string; overwrite: boolean };
      assert.equal(b.folderUid, FOLDER.uid);
      assert.equal(b.overwrite, true);
      assert.equal(b.dashboard.id, null, 'id null: Grafana matches by uid');
      assert.deepEqual({ ...b.dashboard, id: undefined }, { ...JSON.parse(JSON.stringify(d.json)), id: undefined });
    }
    g.reqs = [];
    r = await publishDashboards({ url: g.url, token: TOKEN }, {});
    assert.deepEqual(r.changes.map((c) => c.change), ['unchanged', 'unchanged', 'unchanged', 'unchanged']);
    assert.equal(g.reqs.filter((q) => q.method === 'POST').length, 0);
    // someone edited a panel title in Grafana: dry run names it, publish restores it
    const stored = g.dashboards.get('ubi-vehicle')!;
    const panels = stored.dashboard.panels as Array<Record<string, unknown>>;
    panels[0] = { ...panels[0], title: 'Speed (edited)' };
    const lines: string[] = [];
    r = await publishDashboards({ url: g.url, token: TOKEN }, { dryRun: true, log: (l) => lines.push(l) });
    const c = r.changes.find((x) => x.uid === 'ubi-vehicle')!;
    assert.equal(c.change, 'update');
    assert.match(c.detail, /\+ Speed;.*- Speed \(edited\)/);
    assert.ok(lines.every((l) => !l.includes(TOKEN)));
  });

  it('a wrong token fails clearly, missing settings are configuration errors, and the token is never printed', async () => {
    await assert.rejects(publishDashboards({ url: g.url, token: 'wrong' }, {}), (e: Error) => /401|invalid API key/.test(e.message) && !e.message.includes('wrong'));
    await assert.rejects(publishDashboards({ url: g.url }, {}), (e: Error & { exitCode?: number }) => e.exitCode === 78 && /GRAFANA_TOKEN/.test(e.message));
    await assert.rejects(publishDashboards({ token: TOKEN }, {}), (e: Error & { exitCode?: number }) => e.exitCode === 78);
    // the CLI: dry run, token from the environment, never in stdout/stderr
    // (async: the double answers from this process)
    const out = await promisify(execFile)(process.execPath, [path.join(ROOT, 'bin/ubi-edge.js'), 'dashboards', 'publish', '--dry-run'], { env: { ...process.env, GRAFANA_URL: g.url, GRAFANA_TOKEN: TOKEN }, encoding: 'utf8', timeout: 20000 });
    assert.match(out.stdout, /\(dry run\) create ubi-depot-overview/);
    assert.ok(!out.stdout.includes(TOKEN) && !out.stderr.includes(TOKEN));
  });
});
