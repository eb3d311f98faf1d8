// Every DBC of the shared test data (copied to test/fixtures/dbc with its LICENSE and SOURCE) parses,
// or is rejected for the reason cantools' strict load rejects it; every file loads with strict: false,
// and every message of every file compiles and decodes.
import { sharedDataDir } from '../support/shared-data.js';
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { DbcSemanticError, loadDbcSync } from '../../edge/dbc/index.js';
import { FIXTURES } from './helpers.js';

const FOLDERS = ['cantools', 'j1939', 'opendbc'];

/** Files rejected by a strict (cantools-compatible) load, and the first error cantools' checks give. */
const STRICT_REJECTS: Record<string, RegExp> = {
  // cantools' own deliberately broken files
  'cantools/bad_message_length.dbc': /The signal Signal1 does not fit in message Message1\./,
  'cantools/issue_63.dbc': /The signals HtrRes and MaxRes are overlapping in message AFT1PSI2\./,
  'cantools/issue_199.dbc': /Standard frame id 0x10630000 is more than 11 bits in message DriverDoorStatus\./,
  'cantools/issue_199_extended.dbc': /Extended frame id 0x7fffffff is more than 29 bits in message DriverDoorStatus\./,
  // real opendbc files that break the same rules (cantools' strict load rejects them too): they need
  // strict: false, which keeps every message and lists these as problems
  'opendbc/_toyota_2017.dbc': /The signals PCS_TEMP and SET_ME_X10 are overlapping in message PCS_HUD\./,
  'opendbc/fca_giorgio.dbc': /Standard frame id 0x1e36001e is more than 11 bits in message CAM_UNKNOWN_6\./,
  'opendbc/hyundai_canfd.dbc': /The signals SCC_ObjSta and ZEROS_10 are overlapping in message SCC_CONTROL\./,
  'opendbc/toyota_2017_ref_pt.dbc': /Standard frame id 0x40140639 is more than 11 bits in message BDB1F01_14\./,
  'opendbc/vw_mqb.dbc': /The signals PLA_Bremsverzoegerung and PLA_Bremsmoment are overlapping in message PLA_01\./,
};

function dbcFiles(root: string): string[] {
  return FOLDERS.flatMap((d) =>
    readdirSync(path.join(root, d))
      .filter((f) => /\.dbc$/i.test(f))
      .map((f) => `${d}/${f}`),
  ).sort();
}

describe('dbc: conformance over every shared DBC', () => {
  const files = dbcFiles(FIXTURES);

  it('the fixtures hold every DBC of ../shared/data/dbc (when that folder is there)', function () {
    const shared = path.join(sharedDataDir(), 'dbc');
    if (!existsSync(shared)) this.skip();
    assert.deepEqual(files, dbcFiles(shared));
  });

  for (const f of files) {
    it(`${f}: strict load ${STRICT_REJECTS[f] ? 'rejects as cantools does' : 'parses'}; lenient load decodes every message`, () => {
      const full = path.join(FIXTURES, f);
      const re = STRICT_REJECTS[f];
      if (re) {
        assert.throws(
          () => loadDbcSync(full),
          (e: unknown) => e instanceof DbcSemanticError && re.test(e.first.message) && e.first.line > 0 && e.first.file === full,
        );
      } else {
        const db = loadDbcSync(full);
        assert.ok(db.problems.every((p) => p.severity === 'warning'));
      }
      const db = loadDbcSync(full, { strict: false });
      assert.equal(db.problems.some((p) => p.severity === 'error'), re !== undefined);
      for (const m of db.messages) {
        const out = new Float64Array(m.signals.length);
        for (const fill of [0x00, 0xff, 0x5a]) {
          const data = new Uint8Array(Math.max(m.length, 1)).fill(fill);
          m.decode(data, 0, data.length, out);
          for (const s of m.signals) {
            if (s.valueType === 'integer' && s.bytesNeeded <= data.length && !Number.isNaN(out[s.index]!)) assert.ok(Number.isFinite(out[s.index]!), `${m.name}.${s.name}`);
          }
        }
      }
    });
  }

  it('counts: 217 messages in vehicle.dbc, 331 in the Ford file, the GNSS file\'s 18', () => {
    assert.equal(loadDbcSync(path.join(FIXTURES, 'cantools/vehicle.dbc')).messages.length, 217);
    assert.equal(loadDbcSync(path.join(FIXTURES, 'opendbc/ford_lincoln_base_pt.dbc')).messages.length, 331);
    assert.equal(loadDbcSync(path.join(FIXTURES, 'j1939/gnss.dbc')).messages.length, 18);
  });

  it('parses the 800 kB Ford file in well under a second', () => {
    const t0 = performance.now();
    loadDbcSync(path.join(FIXTURES, 'opendbc/ford_lincoln_base_pt.dbc'));
    assert.ok(performance.now() - t0 < 1000);
  });
});
