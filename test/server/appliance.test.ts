// The appliance as users meet it: `ubi-edge start` in its own process, over HTTP.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { BIN, ROOT, spawnAppliance, stopProcess } from '../support/appliance.js';


interface Running {
  proc: ChildProcess;
  url: string;
  logs: string[];
}

async function startAppliance(dataDir: string, flowFile: string, env: NodeJS.ProcessEnv = {}): Promise<Running> {
  const logs: string[] = [];
  const { proc, url } = await spawnAppliance({ dataDir, flowFile, env, logs });
  return { proc, url, logs };
}

const stop = (r: Running): Promise<number | null> => stopProcess(r.proc);

const basic = (user: string, pw: string) => 'Basic ' + Buffer.from(`${user}:${pw}`).toString('base64');

describe('appliance (ubi-edge start)', function () {
  this.timeout(120000);
  let dir: string;
  let flowFile: string;
  let app: Running | undefined;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ubi-app-'));
    flowFile = path.join(dir, 'flows.json');
    fs.copyFileSync(path.join(ROOT, 'flows', 'flows.json'), flowFile);
  });
  after(async () => {
    if (app) await stop(app);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('starts without an admin account, says how to set one, and serves only /healthz', async () => {
    app = await startAppliance(path.join(dir, 'data'), flowFile);
    const text = app.logs.join('');
    assert.match(text, /CAN input: no CAN interface configured .*replaying 3BA199E2/);
    assert.match(text, /No admin account is set up/);
    assert.match(text, /ubi-edge set-password/);
    const health = await fetch(app.url + '/healthz');
    assert.equal(health.status, 200);
    const h = (await health.json()) as { status: string; adminConfigured: boolean };
    assert.deepEqual([h.status, h.adminConfigured], ['ok', false]);
    for (const p of ['/admin/', '/admin/flows', '/admin/settings', '/http/anything', '/api/v1/openapi.json', '/']) {
      const r = await fetch(app.url + p, { redirect: 'manual' });
      assert.equal(r.status, 503, p);
      assert.match(await r.text(), /set-password/);
    }
  });

  it('opens after set-password without a restart: editor and admin API need a login, /http needs Basic auth', async () => {
    const set = spawnSync(process.execPath, [BIN, 'set-password', '--data', path.join(dir, 'data'), '--user', 'depot', '--stdin'], {
      input: 'a long test password\n',
      encoding: 'utf8',
    });
    assert.equal(set.status, 0, set.stderr);
    const creds = JSON.parse(fs.readFileSync(path.join(dir, 'data', 'admin.json'), 'utf8')) as { hash: string };
    assert.match(creds.hash, /^\$2[aby]\$12\$/);

    // Admin API: refused without a token
    assert.equal((await fetch(app!.url + '/admin/flows')).status, 401);
    // Wrong password: no token
    const bad = await fetch(app!.url + '/admin/auth/token', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: 'node-red-admin', grant_type: 'password', scope: '*', username: 'depot', password: 'wrong password!!' }),
    });
    assert.equal(bad.status, 403);
    const tok = await fetch(app!.url + '/admin/auth/token', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: 'node-red-admin', grant_type: 'password', scope: '*', username: 'depot', password: 'a long test password' }),
    });
    assert.equal(tok.status, 200);
    const { access_token } = (await tok.json()) as { access_token: string };
    const flows = await fetch(app!.url + '/admin/flows', { headers: { authorization: `Bearer ${access_token}` } });
    assert.equal(flows.status, 200);
    const list = (await flows.json()) as Array<{ type: string }>;
    assert.ok(list.some((n) => n.type === 'ubi-can-in'), 'the default flow holds ubi-can-in');
    const nodes = await fetch(app!.url + '/admin/nodes', { headers: { authorization: `Bearer ${access_token}`, accept: 'application/json' } });
    const sets = (await nodes.json()) as Array<{ module: string; types: string[] }>;
    const ours = sets.filter((s) => s.module === 'ubi-edge').flatMap((s) => s.types);
    const declared = Object.keys((JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } })['node-red'].nodes);
    assert.ok(declared.includes('ubi-can-in'));
    assert.deepEqual(ours.sort(), declared.sort(), 'every node in package.json "node-red" loads (each file registers the type it is named after)');
    // The editor page itself loads (it asks for the login in the browser)
    assert.equal((await fetch(app!.url + '/admin/')).status, 200);

    // REST API: Basic auth, OpenAPI description served
    assert.equal((await fetch(app!.url + '/api/v1/openapi.json')).status, 401);
    const api = await fetch(app!.url + '/api/v1/openapi.json', { headers: { authorization: basic('depot', 'a long test password') } });
    assert.equal(api.status, 200);
    const doc = (await api.json()) as { openapi: string; paths: Record<string, unknown> };
    assert.match(doc.openapi, /^3\./);
    assert.ok(Object.keys(doc.paths).length > 3);
    // the claims API sits beside the renewal API (the default flows deploy an insurer, so its service runs)
    const schema = await fetch(app!.url + '/api/v1/claims/schema.json', { headers: { authorization: basic('depot', 'a long test password') } });
    assert.equal(schema.status, 200, await schema.clone().text());
    assert.equal(((await schema.json()) as { title?: string; type?: string }).type, 'object');

    // HTTP-in routes: Basic auth
    assert.equal((await fetch(app!.url + '/http/nothing')).status, 401);
    assert.equal((await fetch(app!.url + '/http/nothing', { headers: { authorization: basic('depot', 'nope nope nope') } })).status, 401);
    assert.equal((await fetch(app!.url + '/http/nothing', { headers: { authorization: basic('depot', 'a long test password') } })).status, 404);
  });

  it('runs the built-in http in node behind the Express 5 host', async () => {
    const tok = await fetch(app!.url + '/admin/auth/token', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: 'node-red-admin', grant_type: 'password', scope: '*', username: 'depot', password: 'a long test password' }),
    });
    const { access_token } = (await tok.json()) as { access_token: string };
    const auth = { authorization: `Bearer ${access_token}` };
    const flow = {
      id: 'b0b0b0b0b0b0b0b0',
      label: 'http test',
      nodes: [
        { id: 'c0c0c0c0c0c0c001', type: 'http in', z: 'b0b0b0b0b0b0b0b0', url: '/echo', method: 'post', wires: [['c0c0c0c0c0c0c002']] },
        { id: 'c0c0c0c0c0c0c002', type: 'change', z: 'b0b0b0b0b0b0b0b0', rules: [{ t: 'set', p: 'payload', pt: 'msg', to: 'payload.n', tot: 'msg' }], wires: [['c0c0c0c0c0c0c003']] },
        { id: 'c0c0c0c0c0c0c003', type: 'http response', z: 'b0b0b0b0b0b0b0b0', statusCode: '201', wires: [] },
      ],
    };
    const add = await fetch(app!.url + '/admin/flow', { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(flow) });
    assert.equal(add.status, 200, await add.text());
    let r: Response | undefined;
    for (let i = 0; i < 50; i++) {
      r = await fetch(app!.url + '/http/echo', {
        method: 'POST',
        headers: { authorization: basic('depot', 'a long test password'), 'content-type': 'application/json' },
        body: JSON.stringify({ n: 42 }),
      });
      if (r.status !== 404) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    assert.equal(r!.status, 201);
    assert.equal(await r!.text(), '42');
  });

  it('stops cleanly on SIGTERM', async () => {
    const code = await stop(app!);
    app = undefined;
    assert.equal(code, 0);
  });
});
