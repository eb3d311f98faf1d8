// ubi-renewal inside the real Node-RED runtime: the sample depot register imported from CSV, a run
// at a given instant, reminders/quotes/referrals on their outputs, points for the store, status,
// bad config, and a clean close.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import helper from 'node-red-node-test-helper';
import renewalNode from '../../nodes/ubi-renewal/ubi-renewal.js';
import { validatePoint, type StorePoint } from '../../edge/store/point.js';
import type { Reminder } from '../../edge/insurance/schedule.js';
import type { Quote, Referral } from '../../edge/insurance/quote.js';
import { score } from '../insurance/helpers.js';
import { TimerTracker } from '../support/timer-tracker.js';

helper.init(require.resolve('node-red'));

const FIX = path.resolve(__dirname, '../../../test/fixtures/insurance');
const read = (f: string): string => fs.readFileSync(path.join(FIX, f), 'utf8');

interface Msg {
  topic?: string;
  payload: unknown;
  time?: string;
  report?: unknown;
}
interface TestNode {
  on(ev: 'input', fn: (msg: Msg) => void): void;
  on(ev: 'call:error' | 'call:warn', fn: (call: { args: unknown[] }) => void): void;
  receive(msg: Msg): void;
  status: { args: Array<[{ fill?: string; text?: string }]> };
  warn: { args: unknown[][] };
  error: { args: unknown[][] };
}

describe('ubi-renewal node', function () {
  this.timeout(30000);
  let dir: string;
  beforeEach((done) => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ubi-renewal-'));
    helper.startServer(done);
  });
  afterEach(async () => {
    await helper.unload();
    await new Promise<void>((r) => helper.stopServer(() => r()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const flow = (o: Record<string, unknown> = {}) => [
    { id: 'ren', type: 'ubi-renewal', db: path.join(dir, 'register.db'), timeZone: 'Europe/London', runAt: '08:00', stages: '60,30,15', followUpAttempts: 3, followUpEveryDays: 3, quoteConfig: '', depot: 'leeds', wires: [['rem'], ['quo'], ['ref'], ['pts']], ...o },
    { id: 'rem', type: 'helper' },
    { id: 'quo', type: 'helper' },
    { id: 'ref', type: 'helper' },
    { id: 'pts', type: 'helper' },
  ];
  const load = (f: unknown[]) => new Promise<void>((r) => helper.load(renewalNode, f, () => r()));
  const collect = (id: string): Msg[] => {
    const out: Msg[] = [];
    (helper.getNode(id) as unknown as TestNode).on('input', (m) => out.push(m));
    return out;
  };
  const settle = () => new Promise((r) => setTimeout(r, 100));

  it('imports the depot register and sends reminders, quotes and referrals on separate outputs, once', async () => {
    await load(flow());
    const ren = helper.getNode('ren') as unknown as TestNode;
    const [rem, quo, ref, pts] = ['rem', 'quo', 'ref', 'pts'].map(collect) as [Msg[], Msg[], Msg[], Msg[]];
    ren.receive({ topic: 'import/schemes', payload: read('depot-schemes.csv') });
    ren.receive({ topic: 'import/policies', payload: read('depot-policies.csv') });
    // P-1002 expires 15 May 2025 (60 days before: 16 March), P-1003 on 30 June (60 days: 1 May)
    ren.receive({ payload: [score('vehicle', 'WF0XXXTTGXKA00002', 93), score('vehicle', 'WF0XXXTTGXKA00003', 42)] });
    ren.receive({ topic: 'run', payload: null, time: '2025-03-16T08:00:00+00:00' });
    await settle();
    assert.deepEqual(rem.map((m) => [(m.payload as Reminder).policyNumber, (m.payload as Reminder).stage, m.topic]), [['P-1002', 60, 'reminder/sms']]);
    assert.equal(quo.length, 1);
    const q = quo[0]!.payload as Quote;
    // 1350.50 x 0.85 = 1147.925 -> 1147.93; ACME-STAFF 12.5 % -> 1004.43875 -> 1004.44
    assert.equal(q.premiumCents, 100444);
    assert.equal(ref.length, 0);
    const points = pts[0]!.payload as StorePoint[];
    assert.equal(points.length, 1);
    assert.equal(points[0]!.fields.quoted_premium, 1004.44);
    for (const p of points) assert.ok(validatePoint(p).ok);
    // the same day again: nothing new
    ren.receive({ topic: 'run', payload: null, time: '2025-03-16T12:00:00+00:00' });
    ren.receive({ topic: 'run', payload: null, time: '2025-05-01T08:00:00+01:00' });
    await settle();
    // 1 May: P-1002 is 14 days out (its 30-day stage on 15 April was never run: skipped, straight to the call); P-1003 is 60 days out
    assert.equal(rem.length, 3);
    assert.deepEqual(rem.slice(1).map((m) => [(m.payload as Reminder).policyNumber, (m.payload as Reminder).stage, (m.payload as Reminder).action]), [['P-1002', 15, 'call'], ['P-1003', 60, 'message']]);
    assert.equal(ref.length, 1);
    assert.equal((ref[0]!.payload as Referral).policyNumber, 'P-1003');
    assert.deepEqual((ref[0]!.payload as Referral).reasons.map((r) => r.rule), ['scoreBelow']);
    // KPIs as points
    ren.receive({ topic: 'kpi', payload: { from: '2025-01-01', to: '2026-01-01' }, time: '2025-12-31T12:00:00Z' });
    await settle();
    const kpi = pts.at(-1)!;
    assert.equal(kpi.topic, 'kpi');
    for (const p of kpi.payload as StorePoint[]) assert.ok(validatePoint(p).ok, JSON.stringify(validatePoint(p)));
  });

  it('warns about bad CSV rows with their lines and shows what is due this week', async () => {
    await load(flow());
    const ren = helper.getNode('ren') as unknown as TestNode;
    const warned: string[] = [];
    ren.on('call:warn', (c) => warned.push(String(c.args[0])));
    ren.receive({ topic: 'import/schemes', payload: read('depot-schemes.csv') });
    ren.receive({ topic: 'import/policies', payload: read('depot-policies-bad.csv') });
    await settle();
    assert.equal(warned.length, 1);
    assert.match(warned[0]!, /^import policies: 3 of 10 rows imported; line 3 start_date: /);
    assert.match(warned[0]!, /line 9 policy_number: "P-2001" already on line 2/);
    const texts = ren.status.args.map((a) => a[0].text ?? '');
    assert.match(texts.at(-1)!, /^\d+ reminders? due this week · next run \d\d-\d\d \d\d:\d\d$/);
  });

  it('shows a red status naming the bad setting and stays harmless', async () => {
    await load(flow({ timeZone: 'Mars/Olympus', runAt: '25:00' }));
    const ren = helper.getNode('ren') as unknown as TestNode;
    const st = ren.status.args.at(-1)![0];
    assert.equal(st.fill, 'red');
    assert.match(st.text!, /timeZone: "Mars\/Olympus"/);
    ren.receive({ topic: 'run', payload: null });
    await settle();
  });

  it('closes cleanly: no timer of its own left, register file closed', async () => {
    const tracker = new TimerTracker();
    tracker.start();
    try {
      await load(flow());
      const ours = /[/\\]edge[/\\]insurance[/\\]|[/\\]nodes[/\\]ubi-renewal[/\\]/;
      assert.ok(tracker.pending(ours).length > 0, 'the daily timer is tracked');
      await helper.unload();
      assert.deepEqual(tracker.pending(ours), []);
      // the file can be opened and written again
      const again = await import('../../edge/insurance/register.js');
      const r = new again.PolicyRegister(path.join(dir, 'register.db'));
      r.setMeta('x', 'y');
      r.close();
    } finally {
      tracker.stop();
    }
  });
});
