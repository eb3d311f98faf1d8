// Bugs the fuzzer found, kept as plain tests.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { batchOptionsFrom, busConfigFrom, ConfigError } from '../../edge/can/bus-config.js';
import { ClaimsService } from '../../edge/insurance/claims/index.js';
import { DEFAULT_QUOTE_CONFIG } from '../../edge/insurance/quote.js';
import { DEFAULT_SCHEDULE } from '../../edge/insurance/schedule.js';
import { RenewalService } from '../../edge/insurance/service.js';
import { jsonErrorOffset, loadVssMapFile, VssMapError } from '../../edge/signals/vss-map.js';
import { register, tmpdir, VEHICLES } from '../claims/helpers.js';
import { appLikeHost } from './targets/api.js';

describe('fuzz regressions', () => {
  it('the claims API answers when mounted with the insurance API as the host mounts them (was: 404 "no such endpoint" for every /claims path); inherited names are no tables', async () => {
    const src = fs.readFileSync(path.resolve(__dirname, '../../../edge/server/host.ts'), 'utf8');
    const claimsAt = src.indexOf('api.use(createClaimsRouter');
    const insuranceAt = src.indexOf('api.use(createInsuranceRouter');
    assert.ok(claimsAt > 0 && insuranceAt > 0 && claimsAt < insuranceAt, 'host.ts mounts the claims router before the insurance router (whose catch-all 404 ends the chain)');
    const reg = register();
    const svc = new ClaimsService({ dir: tmpdir('fuzz-reg'), register: reg, vehicles: VEHICLES, endpoint: null, fsync: 'interval' });
    await svc.start();
    const server = http.createServer(appLikeHost(new RenewalService(reg, DEFAULT_SCHEDULE, DEFAULT_QUOTE_CONFIG), () => svc));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
    try {
      let r = await fetch(`${base}/claims`);
      assert.equal(r.status, 200);
      r = await fetch(`${base}/claims`, { method: 'POST', body: JSON.stringify({ vin: 'NOT-A-VIN' }), headers: { 'content-type': 'application/json' } });
      assert.equal(r.status, 400);
      assert.deepEqual(((await r.json()) as { errors: Array<{ field: string }> }).errors.map((e) => e.field).sort(), ['description', 'occurredAt', 'vin']);
      r = await fetch(`${base}/policies`);
      assert.equal(r.status, 200, 'the insurance API still answers behind it');
      r = await fetch(`${base}/nope`);
      assert.equal(r.status, 404);
      // was: 500 (a table name inherited from Object.prototype passed the `in` check)
      for (const t of ['__proto__', 'constructor', 'toString']) {
        r = await fetch(`${base}/columns/${t}`);
        assert.equal(r.status, 404, `/columns/${t}`);
        assert.match(((await r.json()) as { error: string }).error, /^table: /);
        r = await fetch(`${base}/import/${t}`, { method: 'POST', body: 'a\n', headers: { 'content-type': 'text/csv' } });
        assert.equal(r.status, 404, `/import/${t}`);
      }
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
      await svc.close();
      reg.close();
    }
  });

  it('a VSS map file with a JSON error V8 gives no position for is named file:line:col (was: the file only)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ubi-fuzz-vss-'));
    const file = path.join(dir, 'map.json');
    fs.writeFileSync(file, '{\n  "vehicleType": "van",\n  "signals": tru\n}\n');
    try {
      assert.throws(
        () => loadVssMapFile(file),
        (e: unknown) => e instanceof VssMapError && e.source === `${file}:3:14`,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    assert.equal(jsonErrorOffset('{"a": tru}'), 6);
    assert.equal(jsonErrorOffset('{"a":'), 5);
    assert.equal(jsonErrorOffset('{"a": 1,}'), 8);
    assert.equal(jsonErrorOffset('{"a": "\\x"}'), 8);
    assert.equal(jsonErrorOffset('[1, 2] x'), 7);
    assert.equal(jsonErrorOffset('{"a": [1, {"b": null}], "c": "\\u00e6"}'), undefined);
  });

  it('a bus config value that cannot be turned into text is a ConfigError naming the field (was: TypeError from String())', () => {
    const evil = JSON.parse('{"toString": null}') as unknown;
    assert.throws(() => busConfigFrom({ vehicle: 'v', source: 'auto', speed: evil }), (e: unknown) => e instanceof ConfigError && e.field === 'speed');
    assert.throws(() => busConfigFrom({ vehicle: 'v', source: 'auto', bitrate: evil }), (e: unknown) => e instanceof ConfigError && e.field === 'bitrate');
    assert.throws(() => batchOptionsFrom({ maxFrames: evil }), (e: unknown) => e instanceof ConfigError && e.field === 'maxFrames');
  });
});
