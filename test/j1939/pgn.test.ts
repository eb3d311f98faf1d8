import assert from 'node:assert/strict';
import { destinationOf, isPdu1, j1939Id, pgnOf, priorityOf, sourceOf } from '../../edge/dbc/j1939/pgn.js';

// Field layout of a 29-bit J1939 id (J1939-21): bits 28-26 priority, 25 EDP, 24 DP, 23-16 PF,
// 15-8 PS, 7-0 SA. Each expectation below is that split done by hand on the hex digits.
describe('j1939: PGN, priority, source and destination from a 29-bit id', () => {
  it('PDU2 (PF >= 240): PS is the group extension, destination is global', () => {
    // 0x18FECA00: 0x18 = 110 0 0 -> priority 6; PF 0xFE, PS 0xCA -> PGN 0x0FECA = 65226 (DM1); SA 0
    assert.equal(priorityOf(0x18feca00), 6);
    assert.equal(pgnOf(0x18feca00), 65226);
    assert.equal(sourceOf(0x18feca00), 0);
    assert.equal(destinationOf(0x18feca00), 0xff);
    // 0x0CF00400 EEC1: priority 3 (0x0C = 011 0 0), PGN 0xF004 = 61444
    assert.equal(priorityOf(0x0cf00400), 3);
    assert.equal(pgnOf(0x0cf00400), 61444);
  });

  it('PDU1 (PF < 240): PS is the destination and the PGN low byte is 0', () => {
    // 0x18EA0017: PF 0xEA (< 240) -> request PGN 0xEA00 = 59904 from SA 0x17 to DA 0x00
    assert.equal(pgnOf(0x18ea0017), 59904);
    assert.equal(destinationOf(0x18ea0017), 0x00);
    assert.equal(sourceOf(0x18ea0017), 0x17);
    // 0x18ECFF00: TP.CM 60416 to global
    assert.equal(pgnOf(0x18ecff00), 60416);
    assert.equal(destinationOf(0x18ecff00), 0xff);
    // 0x0C000F03: TSC1 (PGN 0) from 0x03 to 0x0F
    assert.equal(pgnOf(0x0c000f03), 0);
    assert.equal(destinationOf(0x0c000f03), 0x0f);
    assert.ok(isPdu1(0xea00));
    assert.ok(!isPdu1(0xfeca));
  });

  it('DP and EDP are part of the PGN', () => {
    // 0x19FEF100: 0x19 = 110 0 1 -> priority 6, DP 1 -> PGN 0x1FEF1 = 130801
    assert.equal(priorityOf(0x19fef100), 6);
    assert.equal(pgnOf(0x19fef100), 0x1fef1);
    // 0x1A...: EDP set -> PGN bit 17
    assert.equal(pgnOf(0x1afef100), 0x2fef1);
  });

  it('priority does not change the PGN (test_priority.log: 0C/18/1CF00400)', () => {
    for (const [id, prio] of [[0x0cf00400, 3], [0x18f00400, 6], [0x1cf00400, 7]] as const) {
      assert.equal(pgnOf(id), 61444);
      assert.equal(priorityOf(id), prio);
    }
  });

  it('builds ids back from the fields', () => {
    assert.equal(j1939Id(6, 65226, 0x00), 0x18feca00);
    assert.equal(j1939Id(7, 60416, 0x00, 0xff), 0x1cecff00);
    assert.equal(j1939Id(6, 0xea00, 0x17, 0x00), 0x18ea0017);
    // a PDU2 PGN ignores da (its PS is the group extension)
    assert.equal(j1939Id(3, 61444, 0x00, 0x25), 0x0cf00400);
  });
});
