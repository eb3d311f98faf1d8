// ubi-claim + ubi-insurer inside the Node-RED runtime: an Incident in becomes pending -> sent ->
// acknowledged status messages, delivered to the test insurer over HTTPS with the secret from the
// credentials; a redelivered incident is the same claim; a bad config names its field; the REST
// registry follows the config node.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import helper from 'node-red-node-test-helper';
import insurerNode from '../../nodes/ubi-insurer/ubi-insurer.js';
import claimNode from '../../nodes/ubi-claim/ubi-claim.js';
import { activeClaimsService, type ClaimStatus } from '../../edge/insurance/claims/index.js';
import { makePki, TestInsurer, type Pki } from '../support/test-insurer.js';
import { incident, register, tmpdir, until, VIN1 } from '../claims/helpers.js';

helper.init(require.resolve('node-red'));

const SECRET = 'node-test-secret-0123456789abcdef';

interface TestNode {
  on(ev: 'input', fn: (msg: { payload: unknown; topic?: string }) => void): void;
  receive(msg: { payload: unknown }): void;
  status: { args: Array<[{ text?: string; fill?: string }]>; thisValues: unknown[] };
  error: { args: unknown[][]; thisValues: unknown[] };
}
const own = <A>(n: TestNode, spy: { args: A[]; thisValues: unknown[] }): A[] => spy.args.filter((_, i) => spy.thisValues[i] === n);

describe('ubi-claim node', function () {
  this.timeout(30000);
  let pki: Pki;
  let insurer: TestInsurer;
  let work: string;
  before(async () => {
    pki = makePki();
    insurer = new TestInsurer(pki, SECRET);
    await insurer.start();
  });
  after(async () => {
    await insurer.close();
  });
  beforeEach((done) => {
    work = tmpdir('node');
    fs.writeFileSync(path.join(work, 'ca.pem'), pki.caCert);
    register(path.join(work, 'register.db')).close();
    helper.startServer(done);
  });
  afterEach(async () => {
    await helper.unload();
    await new Promise<void>((r) => helper.stopServer(() => r()));
  });

  const flow = (extra: Record<string, unknown> = {}) => [
    { id: 'ins', type: 'ubi-insurer', url: insurer.url, caFile: path.join(work, 'ca.pem'), timeoutS: 1, retryBaseS: 0.02, retryMaxS: 0.1, dir: path.join(work, 'claims'), registerFile: path.join(work, 'register.db'), vehicles: JSON.stringify({ V1: VIN1 }), ...extra },
    { id: 'c', type: 'ubi-claim', insurer: 'ins', wires: [['out']] },
    { id: 'out', type: 'helper' },
  ];
  const load = (f: unknown[], cred: Record<string, unknown>) => new Promise<void>((resolve) => helper.load([insurerNode, claimNode], f, cred, () => resolve()));

  it('Incident in -> pending, sent, acknowledged out; the same incident again is the same claim', async () => {
    await load(flow(), { ins: { secret: SECRET } });
    const c = helper.getNode('c') as unknown as TestNode;
    const out = helper.getNode('out') as unknown as TestNode;
    const got: ClaimStatus[] = [];
    out.on('input', (m) => got.push(m.payload as ClaimStatus));
    assert.ok(activeClaimsService(), 'registered for the REST API');
    c.receive({ payload: { kind: 'incident_alert', id: 'x' } }); // ignored
    c.receive({ payload: incident(1) });
    await until(() => got.some((s) => s.state === 'acknowledged'), 8000, 'acknowledged');
    assert.deepEqual(got.map((s) => s.state), ['pending', 'sent', 'acknowledged']);
    assert.equal(got[2]!.claimNumber, [...insurer.claims.values()][0]!.claimNumber);
    c.receive({ payload: incident(1) });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(got.length, 3, 'no second claim');
    assert.equal(insurer.claims.size, 1);
    const st = own(c, c.status).map((a) => a[0].text);
    assert.equal(st.at(-1), '1 acknowledged');
    await helper.unload();
    assert.equal(activeClaimsService(), null, 'unregistered on close');
  });

  it('a missing secret or a bad URL is reported naming the field, and nothing crashes', async () => {
    await load(flow({ url: 'http://insecure.example/fnol' }), { ins: { secret: 'short' } });
    const c = helper.getNode('c') as unknown as TestNode;
    const st = own(c, c.status).map((a) => a[0]);
    assert.equal(st.at(-1)!.fill, 'red');
    assert.match(st.at(-1)!.text!, /url: must be https/);
    c.receive({ payload: incident(2) }); // no crash
    await helper.unload();
    await load(flow(), { ins: {} });
    const c2 = helper.getNode('c') as unknown as TestNode;
    assert.match(own(c2, c2.status).at(-1)![0].text!, /secret: required/);
  });
});
