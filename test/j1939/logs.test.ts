import assert from 'node:assert/strict';
import path from 'node:path';
import { readCandumpFile } from '../../edge/can/candump-file.js';
import { loadDbcSync } from '../../edge/dbc/index.js';
import { J1939Decoder, type J1939Sink } from '../../edge/dbc/j1939/decoder.js';
import { hasXz } from '../can/candump-ref.js';
import { FIX, recorder } from './helpers.js';

const CSS = path.join(FIX, 'candump', 'css-electronics');
const TRUCK = path.join(CSS, '11111111-00000012-00000001.log.xz');
const TRACTOR = path.join(CSS, 'FCBF0606-00003482-00000001-60B621D9.log.xz');
const J1939_DBC = path.join(FIX, 'dbc', 'j1939', 'CSS-Electronics-SAE-J1939-DEMO.dbc');
const TP_DBC = path.join(FIX, 'dbc', 'j1939', 'tp_j1939.dbc');

/** Feeds can0 of a log through the decoder, chunk by chunk as a node would. */
async function decodeCan0(file: string, dec: J1939Decoder, sink: J1939Sink): Promise<void> {
  for await (const chunk of readCandumpFile(file)) {
    for (const b of chunk.batches) if (b.iface === 'can0' && b.count > 0) dec.decode(b, sink);
  }
}

describe('j1939: real truck and tractor logs (CSS Electronics)', function () {
  before(function () {
    if (!hasXz()) this.skip();
  });

  it('truck idling: EEC1 engine speed ~650 rpm and CCVS1 wheel speed 0, matched by PGN whatever SA/priority', async () => {
    // The DBC's ids carry SA 0xFE (EEC1 0x8CF004FE, CCVS1 0x98FEF1FE, priority 6); the truck sends
    // 0CF00400 and 0CFEF100 (SA 0, CCVS1 at priority 3): only a PGN match finds them.
    // By hand: 0CF00400#607D84481400F084 -> bytes 3..4 = 0x1448 = 5192 x 0.125 = 649 rpm; over the
    // file the raw values run 0x1434..0x146E (grep | sort), i.e. 646.5 .. 653.75 rpm.
    // 0CFEF100#F7000004000000FF -> bytes 1..2 = 0 -> 0 km/h, in all 1272 frames.
    const db = loadDbcSync(J1939_DBC, { strict: false });
    const dec = new J1939Decoder(db);
    const rpm: number[] = [];
    const speed: number[] = [];
    await decodeCan0(TRUCK, dec, {
      message(_t, sa, _da, msg, _data, values) {
        assert.equal(sa, 0);
        if (msg.name === 'EEC1') rpm.push(values[msg.signal('EngineSpeed')!.index]!);
        if (msg.name === 'CCVS1') speed.push(values[msg.signal('WheelBasedVehicleSpeed')!.index]!);
      },
    });
    assert.equal(rpm.length, 12719); // frames with id 0CF00400 in the file
    assert.equal(speed.length, 1272); // 0CFEF100
    assert.equal(Math.min(...rpm), 646.5);
    assert.equal(Math.max(...rpm), 653.75);
    const mean = rpm.reduce((a, b) => a + b, 0) / rpm.length;
    assert.ok(Math.abs(mean - 650) < 2, `mean ${mean}`);
    assert.ok(speed.every((v) => v === 0));
    const c = dec.counters();
    assert.equal(c.decoded, 12719 + 1272);
    assert.ok(c.unknown > 0); // everything else the demo DBC does not describe
  });

  it('truck: DM1 by BAM every second with MIL on and four DTCs, worked out by hand', async () => {
    // 1CECFF00#20 1200 03 FF CAFE00: BAM, 18 bytes, 3 packets, PGN 65226. The packets carry
    // 43 FF | D4 03 09 7E | 90 0C 14 02 | 61 02 09 01 | 61 02 0C 03:
    //   0x43 = 01 00 00 11: MIL on, RSL off, AWL off, PL not available; flash FF: not available
    //   D4 03 09 7E: SPN 0x03D4 = 980, FMI 9, OC 126   90 0C 14 02: SPN 0x0C90 = 3216, FMI 20, OC 2
    //   61 02 09 01: SPN 0x0261 = 609, FMI 9, OC 1     61 02 0C 03: SPN 609, FMI 12, OC 3
    const { seen, sink } = recorder();
    const dec = new J1939Decoder(undefined);
    await decodeCan0(TRUCK, dec, sink);
    assert.equal(seen.dm1.length, 127); // 127 announces of CAFE00 in the file, all complete
    for (const d of seen.dm1) {
      assert.equal(d.sa, 0);
      assert.deepEqual([d.dm1.mil.status, d.dm1.rsl.status, d.dm1.awl.status, d.dm1.pl.status], [1, 0, 0, 3]);
      assert.deepEqual(d.dm1.dtcs, [
        { spn: 980, fmi: 9, oc: 126, cm: 0 },
        { spn: 3216, fmi: 20, oc: 2, cm: 0 },
        { spn: 609, fmi: 9, oc: 1, cm: 0 },
        { spn: 609, fmi: 12, oc: 3, cm: 0 },
      ]);
    }
    const c = dec.counters();
    // 127 DM1 + 25 engine configuration (E3FE) announces, all reassembled
    assert.deepEqual([c.tp.bam, c.tp.completed, c.tp.timeouts, c.tp.sequenceErrors, c.tp.orphanData], [152, 152, 0, 0, 0]);
  });

  it('truck: the 39-byte engine configuration (PGN 65251) reassembles and decodes with tp_j1939.dbc', async () => {
    // tp_j1939.dbc EC1 (0x98FEE3FE, 40 bytes): EngineSpeedAtPoint5 = bits 96..111 = bytes 12..13.
    // First BAM: 1CECFF00#20 2700 06 FF E3FE00 (39 bytes, 6 packets); packet 2 = 1C DF C0 2B E1 58 34
    // holds bytes 7..13, so bytes 12..13 = 58 34 -> 0x3458 = 13400 x 0.125 = 1675 rpm.
    const db = loadDbcSync(TP_DBC, { strict: false });
    const dec = new J1939Decoder(db);
    const seen: { len: number; rpm: number }[] = [];
    await decodeCan0(TRUCK, dec, {
      message(_t, _sa, _da, msg, data, values) {
        seen.push({ len: data.length, rpm: values[msg.signal('EngineSpeedAtPoint5')!.index]! });
      },
    });
    assert.equal(seen.length, 25);
    assert.ok(seen.every((s) => s.len === 39 && s.rpm === 1675));
    // 39 bytes of a 40-byte DBC message: not truncated, since every signal (bytes 12..13) fits
    assert.equal(dec.counters().truncated, 0);
  });

  it('tractor (engine off): VIN 1L06130RELP969468 by BAM, CCVS1 from SA 0x47, EEC1 speed 0', async () => {
    // 1CECFF00#20 1C00 04 FF ECFE00: BAM, 28 bytes, 4 packets, PGN 65260. Packets:
    // 31 4C 30 36 31 33 30 | 52 45 4C 50 39 36 39 | 34 36 38 3E 2C 05 29 | 5D 07 01 27 01 01 2A
    // = "1L06130" "RELP969" "468" then binary bytes and the '*': the VIN is the 17 leading
    // characters (a John Deere 6130R's product identification number).
    // EEC1 0CF00400#F0FF7D0000FFFFFF: bytes 3..4 = 0 -> 0 rpm; CCVS1 18FEF147#FF0000FF..: 0 km/h.
    const db = loadDbcSync(J1939_DBC, { strict: false });
    const dec = new J1939Decoder(db);
    const vins = new Set<string>();
    let vinCount = 0;
    const ccvsSources = new Set<number>();
    const values: number[] = [];
    await decodeCan0(TRACTOR, dec, {
      vin(_t, sa, vin) {
        assert.equal(sa, 0);
        vins.add(vin);
        vinCount++;
      },
      message(_t, sa, _da, msg, _data, v) {
        if (msg.name === 'CCVS1') ccvsSources.add(sa);
        values.push(v[msg.signals[0]!.index]!);
      },
    });
    assert.deepEqual([...vins], ['1L06130RELP969468']);
    assert.equal(vinCount, 3);
    assert.deepEqual([...ccvsSources], [0x47]);
    assert.equal(values.length, 577 + 184);
    assert.ok(values.every((v) => v === 0));
  });
});
