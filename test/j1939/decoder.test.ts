import assert from 'node:assert/strict';
import { parseDbc } from '../../edge/dbc/index.js';
import { J1939Decoder } from '../../edge/dbc/j1939/decoder.js';
import { batchOf, recorder } from './helpers.js';

// Two messages of one PGN (EEC1, 61444): one names SA 0x01 (0x8CF00401), one SA 0xFE (0x8CF004FE,
// listed first). Frames from 0x01 take the SA-specific one; any other source takes the first.
// EngineSpeed = bytes 3..4 little endian x 0.125.
const DBC = `VERSION ""
BS_:
BU_:
BO_ 2364540158 EEC1: 8 Vector__XXX
 SG_ EngineSpeed : 24|16@1+ (0.125,0) [0|8031.875] "rpm" Vector__XXX
BO_ 2364539905 EEC1_B: 8 Vector__XXX
 SG_ Speed2 : 24|16@1+ (0.125,0) [0|8031.875] "rpm" Vector__XXX
BO_ 291 Plain: 8 Vector__XXX
 SG_ X : 0|8@1+ (1,0) [0|0] "" Vector__XXX
`;

describe('j1939: decoder matching and counting', () => {
  const db = parseDbc(DBC, 'eec1.dbc', { strict: false });

  it('matches by PGN whatever priority and source; an SA-specific DBC message wins for its source', () => {
    const { seen, sink } = recorder();
    const dec = new J1939Decoder(db);
    dec.decode(
      batchOf([
        [1, '0CF00400#FFFFFF4814FFFFFF'], // SA 0, priority 3: EEC1, 0x1448 x 0.125 = 649
        [2, '18F00417#FFFFFF0010FFFFFF'], // SA 0x17, priority 6: EEC1, 0x1000 x 0.125 = 512
        [3, '0CF00401#FFFFFF0020FFFFFF'], // SA 0x01: EEC1_B, 0x2000 x 0.125 = 1024
      ]),
      sink,
    );
    assert.deepEqual(
      seen.messages.map((m) => [m.name, m.sa, m.da, m.values]),
      [
        ['EEC1', 0, 0xff, { EngineSpeed: 649 }],
        ['EEC1', 0x17, 0xff, { EngineSpeed: 512 }],
        ['EEC1_B', 1, 0xff, { Speed2: 1024 }],
      ],
    );
    assert.deepEqual(seen.messages[0]!.data, [0xff, 0xff, 0xff, 0x48, 0x14, 0xff, 0xff, 0xff]);
  });

  it('counts unknown PGNs, 11-bit frames and short frames without throwing', () => {
    const { seen, sink } = recorder();
    const dec = new J1939Decoder(db);
    dec.decode(
      batchOf([
        [1, '18FEEE00#FFFF'], // PGN 65262, not in the DBC
        [2, '123#01'], // 11-bit: not J1939 even though the DBC has it
        [3, '0CF00400#FFFF'], // EEC1 too short for EngineSpeed (needs 5 bytes)
        [4, '0CF00400#'],
      ]),
      sink,
    );
    assert.deepEqual(seen.unknown, [{ t: 1, pgn: 65262, sa: 0 }]);
    const c = dec.counters();
    assert.deepEqual([c.frames, c.notJ1939, c.unknown, c.decoded, c.truncated], [4, 1, 1, 2, 2]);
    assert.ok(Number.isNaN(seen.messages[0]!.values['EngineSpeed']!));
    assert.deepEqual(seen.messages[1]!.data, []);
  });

  it('without a DBC, DM1 and VIN still come out and everything else is unknown', () => {
    const { seen, sink } = recorder();
    const dec = new J1939Decoder(undefined);
    dec.decode(batchOf([[1, '0CF00400#FFFFFF4814FFFFFF'], [2, '18FECA00#40FF5B000301FFFF']]), sink);
    assert.equal(seen.unknown.length, 1);
    assert.equal(seen.dm1.length, 1);
    assert.equal(dec.messageFor(61444, 0), undefined);
  });
});
