// The generated dashboards against Grafana's Dashboard JSON Schema (generated from @grafana/schema)
// and our InfluxQL target schema, both with ajv in strict mode; stable uids; committed output current.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { buildDashboards, DATASOURCE_UID, UID, writeDashboards } from '../../dashboards/src/index.js';
import { ANNOTATION_TARGET_KEYS } from '../../dashboards/src/influxql.js';
import { validators } from './schema.js';

const ROOT = path.resolve(__dirname, '../../..');

describe('dashboards: schema', function () {
  this.timeout(30000);
  const v = validators();
  const built = buildDashboards();

  for (const d of built) {
    it(`${d.file} validates against @grafana/schema's Dashboard`, () => {
      assert.ok(v.dashboard(d.json), JSON.stringify(v.dashboard.errors?.slice(0, 5), null, 1));
    });
    it(`${d.file}: every target is an InfluxQL target of the provisioned datasource`, () => {
      const targets = (d.json.panels ?? []).flatMap((p) => ('targets' in p ? (p.targets ?? []) : []));
      assert.ok(targets.length > 0);
      for (const t of targets) assert.ok(v.target(t), `${JSON.stringify(t)}: ${JSON.stringify(v.target.errors)}`);
      for (const a of d.json.annotations?.list ?? []) {
        if (!a.target) continue;
        const t: Record<string, unknown> = { ...a.target };
        for (const k of ANNOTATION_TARGET_KEYS) delete t[k];
        assert.ok(v.target(t), JSON.stringify(v.target.errors));
      }
    });
  }

  it('the target schema rejects what Grafana would not run', () => {
    const good = { refId: 'A', datasource: { type: 'influxdb', uid: DATASOURCE_UID }, rawQuery: true, query: 'SELECT 1', resultFormat: 'table', policy: 'long', measurement: 'trip' };
    assert.ok(v.target(good));
    assert.ok(!v.target({ ...good, datasource: { type: 'prometheus', uid: 'x' } }));
    assert.ok(!v.target({ ...good, measurement: 'trips' }));
    assert.ok(!v.target({ ...good, rawQuery: false }));
    assert.ok(!v.target({ ...good, querry: 'x' }));
  });

  it('stable uids, one per dashboard, and template variables depot -> vehicle -> driver in order', () => {
    assert.deepEqual(built.map((d) => d.json.uid), [UID.depot, UID.vehicle, UID.drivers, UID.insurance]);
    assert.deepEqual(JSON.stringify(buildDashboards()), JSON.stringify(built), 'deterministic');
    const names = (i: number) => (built[i]!.json.templating?.list ?? []).map((x) => x.name);
    assert.deepEqual(names(0), ['depot']);
    assert.deepEqual(names(1), ['depot', 'vehicle']);
    assert.deepEqual(names(2), ['depot', 'vehicle', 'driver']);
    const vehicleVar = built[2]!.json.templating!.list!.find((x) => x.name === 'vehicle')!;
    assert.match(String(vehicleVar.query), /WHERE "depot" =~ \/\^\$depot\$\//);
  });

  it('build writes the dashboards and provisioning YAML Grafana reads; committed dashboards/generated is current', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'ubi-dash-'));
    try {
      writeDashboards(out);
      const ds = parseYaml(fs.readFileSync(path.join(out, 'provisioning/datasources/ubi-edge.yaml'), 'utf8')) as { apiVersion: number; datasources: Array<Record<string, unknown> & { jsonData: Record<string, unknown> }> };
      assert.equal(ds.apiVersion, 1);
      assert.equal(ds.datasources[0]!.type, 'influxdb');
      assert.equal(ds.datasources[0]!.uid, DATASOURCE_UID);
      assert.ok(ds.datasources[0]!.jsonData.dbName);
      const pv = parseYaml(fs.readFileSync(path.join(out, 'provisioning/dashboards/ubi-edge.yaml'), 'utf8')) as { providers: Array<{ type: string; options: { path: string } }> };
      assert.equal(pv.providers[0]!.type, 'file');
      for (const rel of ['dashboards/depot-overview.json', 'dashboards/vehicle.json', 'dashboards/drivers.json', 'dashboards/insurance.json', 'provisioning/datasources/ubi-edge.yaml', 'provisioning/dashboards/ubi-edge.yaml']) {
        const committed = path.join(ROOT, 'dashboards/generated', rel);
        assert.equal(fs.readFileSync(committed, 'utf8'), fs.readFileSync(path.join(out, rel), 'utf8'), `${committed} is stale: run ubi-edge dashboards build`);
      }
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
