// Issue 7's "done when": a depot's register imported from CSV gives KPIs that land in InfluxDB for the
// dashboards: ubi-renewal (output 4) -> ubi-influx-out -> a real influxd, queried back.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import helper from 'node-red-node-test-helper';
import renewalNode from '../../nodes/ubi-renewal/ubi-renewal.js';
import configNode from '../../nodes/ubi-influx-config/ubi-influx-config.js';
import outNode from '../../nodes/ubi-influx-out/ubi-influx-out.js';
import { Influxd } from '../support/influxd.js';
import { waitFor } from '../support/wait-for.js';

helper.init(require.resolve('node-red'));

const FIX = path.resolve(__dirname, '../../../test/fixtures/insurance');
const read = (f: string): string => fs.readFileSync(path.join(FIX, f), 'utf8');

interface TestNode {
  receive(msg: { topic?: string; payload: unknown }): void;
}


describe('renewal KPIs into InfluxDB (ubi-renewal -> ubi-influx-out -> influxd)', function () {
  this.timeout(60000);
  let influxd: Influxd;
  let dir: string;
  before(async () => {
    influxd = await Influxd.start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ubi-kpi-'));
  });
  after(async () => {
    await influxd.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  beforeEach((done) => {
    helper.startServer(done);
  });
  afterEach(async () => {
    await helper.unload();
    await new Promise<void>((r) => helper.stopServer(() => r()));
  });

  it('imports the sample register from CSV and writes the renewal-rate KPIs, overall and per depot', async () => {
    const flow = [
      { id: 'ren', type: 'ubi-renewal', db: path.join(dir, 'register.db'), timeZone: 'Europe/London', runAt: '08:00', stages: '60,30,15', followUpAttempts: 3, followUpEveryDays: 3, quoteConfig: '', depot: 'leeds', wires: [[], [], [], ['out']] },
      { id: 'cfg', type: 'ubi-influx-config', url: influxd.url, database: 'ubi_kpi', capMB: '8', dir: path.join(dir, 'outbox') },
      { id: 'out', type: 'ubi-influx-out', influx: 'cfg' },
    ];
    await new Promise<void>((resolve) => helper.load([renewalNode, configNode, outNode], flow, () => resolve()));
    const ren = helper.getNode('ren') as unknown as TestNode;
    ren.receive({ topic: 'import/schemes', payload: read('depot-schemes.csv') });
    ren.receive({ topic: 'import/policies', payload: read('depot-policies.csv') });
    ren.receive({ topic: 'kpi', payload: { from: '2025-01-01', to: '2026-01-01' } });

    // kpi points live in the `long` retention policy (README, InfluxDB schema), as the dashboards query them.
    // Worked out from depot-policies.csv for terms ending in 2025:
    //   P-1001 (365 d) renewed by P-1007: same VIN and plate        -> renewed
    //   P-1002, P-1003, P-1006 (P-1006: 2024-02-29..2025-02-28, 365 d): no successor -> not renewed
    //   P-1004 renewed by P-1008: same VIN, new plate               -> renewed (matched by VIN)
    //   P-1005: 2024-09-01..2025-03-01 is 181 days (< 183)          -> not renewable
    // renewable 5, renewed 2, rate 0.4; leeds: 1001 1002 1003 1006 -> 1/4; york: 1004 -> 1/1
    const kpiAll = () => influxd.rows(`SELECT renewal_rate, renewable, renewed FROM "long"."kpi" WHERE "split"='all'`, 'ubi_kpi');
    await waitFor(async () => (await kpiAll()).length > 0, 20000, 'the kpi point');
    const all = await kpiAll();
    assert.deepEqual(all.map((r) => [r.renewal_rate, r.renewable, r.renewed]), [[0.4, 5, 2]]);
    // the period starts at local midnight 2025-01-01 in Europe/London (UTC+0 in winter)
    assert.equal(all[0]!.time, Date.parse('2025-01-01T00:00:00Z') * 1000);
    const depots = await influxd.rows(`SELECT renewal_rate, renewable, renewed FROM "long"."kpi" WHERE "split"='depot' GROUP BY "group"`, 'ubi_kpi');
    const byDepot = Object.fromEntries(depots.map((r) => [r.group, [r.renewal_rate, r.renewable, r.renewed]]));
    assert.deepEqual(byDepot, { leeds: [0.25, 4, 1], york: [1, 1, 1] });
  });
});
