import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parseCandump } from '../../edge/can/candump.js';
import { parseDbc } from '../../edge/dbc/index.js';
import { J1939Decoder } from '../../edge/dbc/j1939/decoder.js';
import { FIX, batchOf, recorder } from './helpers.js';

// Frames below are written by hand from J1939-21: TP.CM = PGN 0xEC00 (id xxEC<da><sa>), TP.DT = PGN
// 0xEB00 (id xxEB<da><sa>). TP.CM bytes: control, size lo, size hi, packets, (max per CTS | 0xFF),
// PGN lo, mid, hi. CTS: 0x11, packets, next, FF, FF, PGN. TP.DT: sequence number + 7 data bytes.

// A DM1 of 14 bytes (2 packets): lamps 0x44 (01 00 01 00: MIL on, AWL on), flash 0xFF;
// SPN 100 FMI 1 OC 2 = 64 00 01 02; SPN 110 FMI 0 OC 5 = 6E 00 00 05;
// SPN 524000 = 0x7FEE0 FMI 4 OC 1 = E0 FE (7 << 5 | 4 = E4) 01
const RTS_DM1 = '1CECF900#100E0002FFCAFE00'; // 00 -> F9: RTS, 14 bytes, 2 packets
const CTS_ALL = '1CEC00F9#110201FFFFCAFE00'; // F9 -> 00: CTS, 2 packets from 1
const DT1 = '1CEBF900#0144FF640001026E';
const DT2 = '1CEBF900#02000005E0FEE401';
const EOMA = '1CEC00F9#130E0002FFCAFE00';
const DM1_DTCS = [
  { spn: 100, fmi: 1, oc: 2, cm: 0 },
  { spn: 110, fmi: 0, oc: 5, cm: 0 },
  { spn: 524000, fmi: 4, oc: 1, cm: 0 },
];

function run(frames: ReadonlyArray<readonly [number, string]>, dec = new J1939Decoder(undefined)) {
  const r = recorder();
  dec.decode(batchOf(frames), r.sink);
  return { ...r, dec, c: dec.counters() };
}

describe('j1939: transport protocol reassembly (bus observer)', () => {
  it('RTS/CTS: reassembles a destination-specific DM1 and ignores the EndOfMsgAck after it', () => {
    const { seen, c, dec } = run([[0, RTS_DM1], [0.01, CTS_ALL], [0.02, DT1], [0.03, DT2], [0.04, EOMA]]);
    assert.equal(seen.dm1.length, 1);
    assert.equal(seen.dm1[0]!.sa, 0);
    assert.equal(seen.dm1[0]!.t, 0.03); // delivered with the last data packet
    assert.deepEqual(seen.dm1[0]!.dm1.dtcs, DM1_DTCS);
    assert.equal(seen.dm1[0]!.dm1.mil.status, 1);
    assert.equal(seen.dm1[0]!.dm1.awl.status, 1);
    assert.equal(c.tp.rts, 1);
    assert.equal(c.tp.completed, 1);
    assert.equal(c.tp.strayControl, 0);
    assert.equal(dec.openSessions, 0);
  });

  it('BAM: a VIN in three packets, "*"-delimited', () => {
    // "WDB9634031L123456*" = 18 bytes -> 3 packets, padded with FF
    const { seen, c } = run([
      [10, '1CECFF00#20120003FFECFE00'],
      [10.05, '1CEBFF00#01574442393633 34'.replace(' ', '')],
      [10.1, '1CEBFF00#0230333 14C313233'.replace(' ', '')],
      [10.15, '1CEBFF00#033435362AFFFFFF'],
    ]);
    assert.deepEqual(seen.vin, [{ t: 10.15, sa: 0, vin: 'WDB9634031L123456' }]);
    assert.equal(c.tp.bam, 1);
    assert.equal(c.vin, 1);
  });

  it('pretty_j1939 test_tp_frames.txt: an RTS sent to global (control 0x10, DA 0xFF) is reassembled like a BAM', () => {
    // 18ECFF00#10 0900 02 FF 000000: RTS, 9 bytes, 2 packets, PGN 0 (TSC1), to 0xFF - J1939-21 allows
    // RTS only to a specific address, and no CTS follows, so it is taken as a broadcast and counted.
    // Data: packet 1 = 01..07, packet 2 = 01 02 (then 5 bytes beyond the 9): 01 02 03 04 05 06 07 01 02
    const db = parseDbc(
      'VERSION ""\nBS_:\nBU_:\nBO_ 2147483648 PGN0: 9 Vector__XXX\n SG_ First : 0|8@1+ (1,0) [0|0] "" Vector__XXX\n SG_ Last : 64|8@1+ (1,0) [0|0] "" Vector__XXX\n',
      'pgn0.dbc',
      { strict: false },
    );
    const log = parseCandump(fs.readFileSync(path.join(FIX, 'candump', 'pretty_j1939', 'test_tp_frames.txt')));
    const r = recorder();
    const dec = new J1939Decoder(db);
    dec.decode(log.batches[0]!, r.sink);
    assert.equal(r.seen.messages.length, 1);
    const m = r.seen.messages[0]!;
    assert.deepEqual(m.data, [1, 2, 3, 4, 5, 6, 7, 1, 2]);
    assert.equal(m.sa, 0);
    assert.equal(m.da, 0xff);
    assert.deepEqual(m.values, { First: 1, Last: 2 });
    assert.equal(dec.counters().tp.rtsToGlobal, 1);
    assert.equal(dec.counters().tp.completed, 1);
  });

  it('interleaved BAM sessions from two sources stay apart', () => {
    // SA 00: 40 FF 5B000301 6E000005 (MIL on; SPN 91/3/1, SPN 110/0/5), 10 bytes -> 2 packets
    // SA 03: 10 FF D403097E 61020901 (RSL on; SPN 980/9/126, SPN 609/9/1)
    const { seen, c } = run([
      [0, '1CECFF00#200A0002FFCAFE00'],
      [0.01, '1CECFF03#200A0002FFCAFE00'],
      [0.02, '1CEBFF03#0110FFD403097E61'],
      [0.03, '1CEBFF00#0140FF5B0003016E'],
      [0.04, '1CEBFF00#02000005FFFFFFFF'],
      [0.05, '1CEBFF03#02020901FFFFFFFF'],
    ]);
    assert.equal(c.tp.completed, 2);
    const bySa = new Map(seen.dm1.map((d) => [d.sa, d.dm1]));
    assert.deepEqual(bySa.get(0)!.dtcs, [
      { spn: 91, fmi: 3, oc: 1, cm: 0 },
      { spn: 110, fmi: 0, oc: 5, cm: 0 },
    ]);
    assert.equal(bySa.get(0)!.mil.status, 1);
    assert.deepEqual(bySa.get(3)!.dtcs, [
      { spn: 980, fmi: 9, oc: 126, cm: 0 },
      { spn: 609, fmi: 9, oc: 1, cm: 0 },
    ]);
    assert.equal(bySa.get(3)!.rsl.status, 1);
    assert.equal(bySa.get(3)!.mil.status, 0);
  });

  it('CTS windows of one packet, a hold, and a retransmission request', () => {
    // 3 packets (15 bytes: lamps + 3 DTCs + 1 byte) sent one per CTS; the responder holds once and
    // asks for packet 2 again; the second copy of packet 2 is what counts.
    const { seen, c } = run([
      [0, '18ECF900#100F0003 01CAFE00'.replace(' ', '')], // max 1 packet per CTS
      [0.1, '18EC00F9#110101FFFFCAFE00'],
      [0.2, '18EBF900#0144FF640001026E'],
      [0.3, '18EC00F9#110002FFFFCAFE00'], // hold (0 packets)
      [1.3, '18EC00F9#110102FFFFCAFE00'], // 1.0 s after the hold: inside T4 (1.05 s)
      [1.4, '18EBF900#02FFFFFFFFFFFFFF'], // a corrupted packet 2 ...
      [1.5, '18EC00F9#110102FFFFCAFE00'], // ... which the responder asks for again
      [1.6, '18EBF900#02000005E0FEE401'],
      [2.8, '18EC00F9#110103FFFFCAFE00'], // 1.2 s after the window's last packet: inside T3
      [3.0, '18EBF900#0300FFFFFFFFFFFF'], // 0.2 s after the CTS: inside T2
    ]);
    assert.equal(c.tp.completed, 1);
    assert.equal(c.tp.timeouts, 0);
    assert.deepEqual(seen.dm1[0]!.dm1.dtcs, DM1_DTCS);
  });

  it('timeouts on frame time: T1 between BAM packets, T2 after CTS, T3 waiting for CTS, T4 after hold', () => {
    const bam = '1CECFF00#200A0002FFCAFE00';
    const p1 = '1CEBFF00#0140FF5B0003016E';
    const p2 = '1CEBFF00#02000005FFFFFFFF';
    // 0.74 s between packets: inside T1 (0.75)
    assert.equal(run([[0, bam], [0.74, p1], [1.48, p2]]).c.tp.completed, 1);
    // 0.76 s: the session is gone, the late packet is an orphan
    let r = run([[0, bam], [0.1, p1], [0.86, p2]]);
    assert.deepEqual([r.c.tp.completed, r.c.tp.timeouts, r.c.tp.orphanData, r.seen.dm1.length], [0, 1, 1, 0]);

    // RTS and no CTS: dropped once frame time passes 1.25 s (any frame on the bus moves the clock)
    const other = '0CF00400#607D84481400F084';
    r = run([[0, RTS_DM1], [1.2, other]]);
    assert.equal(r.dec.openSessions, 1);
    r = run([[0, RTS_DM1], [1.3, other]]);
    assert.deepEqual([r.dec.openSessions, r.c.tp.timeouts], [0, 1]);
    // a quiet bus: expire() from a tick
    r = run([[0, RTS_DM1]]);
    r.dec.expire(1.26);
    assert.equal(r.dec.counters().tp.timeouts, 1);

    // CTS, then data 1.24 s later (T2 1.25): fine; 1.26 s: timeout
    assert.equal(run([[0, RTS_DM1], [0.1, CTS_ALL], [1.34, DT1], [1.35, DT2]]).c.tp.completed, 1);
    r = run([[0, RTS_DM1], [0.1, CTS_ALL], [1.36, DT1], [1.37, DT2]]);
    assert.deepEqual([r.c.tp.completed, r.c.tp.timeouts], [0, 1]);

    // hold, then the next CTS after 1.1 s (> T4 1.05): timeout
    r = run([[0, RTS_DM1], [0.1, '1CEC00F9#110001FFFFCAFE00'], [1.2, CTS_ALL], [1.3, DT1], [1.4, DT2]]);
    assert.deepEqual([r.c.tp.completed, r.c.tp.timeouts], [0, 1]);
  });

  it('aborts from either side end the session; later packets are orphans', () => {
    // responder F9 aborts (reason 3: timeout) after packet 1
    let r = run([[0, RTS_DM1], [0.01, CTS_ALL], [0.02, DT1], [0.03, '1CEC00F9#FF03FFFFFFCAFE00'], [0.04, DT2]]);
    assert.deepEqual([r.c.tp.aborted, r.c.tp.completed, r.c.tp.orphanData, r.seen.dm1.length], [1, 0, 1, 0]);
    // originator 00 aborts
    r = run([[0, RTS_DM1], [0.01, CTS_ALL], [0.02, '1CECF900#FF01FFFFFFCAFE00'], [0.03, DT1]]);
    assert.deepEqual([r.c.tp.aborted, r.c.tp.orphanData], [1, 1]);
    // an abort naming another PGN does not end it
    r = run([[0, RTS_DM1], [0.01, CTS_ALL], [0.02, '1CEC00F9#FF01FFFFFFECFE00'], [0.03, DT1], [0.04, DT2]]);
    assert.deepEqual([r.c.tp.aborted, r.c.tp.strayControl, r.c.tp.completed], [0, 1, 1]);
  });

  it('out-of-sequence, duplicate and missing packets drop the session and are counted', () => {
    const bam = '1CECFF00#20150003FFCAFE00'; // 21 bytes, 3 packets
    const p = (n: number) => `1CEBFF00#0${n}40FF5B0003016E`;
    let r = run([[0, bam], [0.1, p(1)], [0.2, p(3)], [0.3, p(2)]]);
    assert.deepEqual([r.c.tp.sequenceErrors, r.c.tp.completed, r.c.tp.orphanData], [1, 0, 1]);
    r = run([[0, bam], [0.1, p(1)], [0.2, p(1)]]);
    assert.equal(r.c.tp.sequenceErrors, 1);
    // a new BAM from the same source while one is open replaces it
    r = run([[0, bam], [0.1, p(1)], [0.2, bam], [0.3, p(1)], [0.4, p(2)], [0.5, p(3)]]);
    assert.deepEqual([r.c.tp.superseded, r.c.tp.completed], [1, 1]);
  });

  it('garbage on the TP ids is counted and never throws', () => {
    const r = run([
      [0, '1CECFF00#2012'], // short TP.CM
      [0.1, '1CECFF00#55120003FFCAFE00'], // unknown control byte
      [0.2, '1CECFF00#20D00705FFCAFE00'], // 2000 bytes: over 1785
      [0.3, '1CECFF00#200A0003FFCAFE00'], // 10 bytes in 3 packets: should be 2
      [0.4, '1CEBFF00#0140FF5B0003016E'], // no session (the announces were rejected)
      [0.5, '1CEC00F9#110201FFFFCAFE00'], // CTS with no session
      [0.6, '1CEBFF00#'], // empty TP.DT
      [0.7, RTS_DM1],
      [0.8, '1CEC00F9#110205FFFFCAFE00'], // CTS asking for packets 5..6 of 2
    ]);
    assert.deepEqual(
      [r.c.tp.shortFrames, r.c.tp.badControl, r.c.tp.badAnnounce, r.c.tp.orphanData, r.c.tp.strayControl],
      [2, 1, 3, 1, 1],
    );
    assert.equal(r.dec.openSessions, 0);

    // seeded random payloads on TP.CM / TP.DT from a few sources: no exception, sessions bounded
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
    const frames: [number, string][] = [];
    for (let i = 0; i < 20000; i++) {
      const sa = rnd() & 3;
      const da = rnd() & 1 ? 0xff : 0xf9;
      const cm = rnd() & 1;
      const len = rnd() % 9;
      const bytes = Array.from({ length: len }, (_, k) => (k === 0 && cm ? [0x10, 0x11, 0x13, 0x20, 0xff][rnd() % 5]! : rnd()));
      const id = (0x1c000000 | ((cm ? 0xec : 0xeb) << 16) | (da << 8) | sa) >>> 0;
      frames.push([i * 0.01, `${id.toString(16)}#${Buffer.from(bytes).toString('hex')}`]);
    }
    const z = run(frames);
    assert.ok(z.dec.openSessions <= 8, `at most one session per (sa, da) pair, got ${z.dec.openSessions}`);
    assert.equal(z.c.frames, 20000);
  });
});
