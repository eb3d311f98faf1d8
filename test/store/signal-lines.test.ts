// Closed signal windows straight to line protocol (signal-lines.ts) against the general path,
// pointToLine(windowPoint(c)): the same line for every window it accepts, and the general path (and
// so the quarantine with its reason) for every window it refuses.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { pointToLine } from '../../edge/store/point.js';
import { windowPoint, type ClosedWindow } from '../../edge/store/signal-aggregator.js';
import { SignalLines } from '../../edge/store/signal-lines.js';
import { Store } from '../../edge/store/store.js';
import { fromSamples } from '../../edge/signals/signal-batch.js';

const T0 = Date.UTC(2025, 0, 1); // ms

// names with what line protocol escapes (, = space), what the schema refuses (newline, backslash), quotes and non-ASCII
const name = fc.oneof(
  fc.constantFrom('v1', 'Vehicle.Speed', 'car 7', 'a,b=c', 'Ünïcode', 'x"y', 'line\nbreak', 'back\\slash', ''),
  fc.string({ maxLength: 12 }),
);
const num = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: -1e6, max: 1e6 }), fc.constantFrom(0, -0, 1e308, -1e308, 0.1, 5e-324));
const windowArb: fc.Arbitrary<ClosedWindow> = fc.record({
  vehicle: name,
  signal: name,
  acc: fc.record({
    w: fc.oneof(fc.integer({ min: T0 - 1e9, max: T0 + 1e9 }).map((t) => Math.floor(t / 1000) * 1000), fc.constantFrom(0, 946684800000, 946684799999, 7258118400000, 7258118400001, 1.6e9)),
    sum: fc.oneof(num, fc.constantFrom(Infinity, -Infinity)),
    min: num,
    max: num,
    last: num,
    lastT: fc.constant(0),
    n: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1000 })),
    text: fc.option(fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('say "hi"', 'a\\b', 'x'.repeat(64 * 1024 + 1))), { nil: undefined }),
    textT: fc.constant(0),
  }),
});

describe('store: signal windows to lines', () => {
  const defaultTags: Array<Record<string, string>> = [{}, { depot: 'north depot' }, { depot: '' }];
  for (const defaults of defaultTags) {
    it(`gives pointToLine's line for every window it accepts and leaves the rest to it (default tags ${JSON.stringify(defaults)})`, () => {
      const lines = new SignalLines(defaults);
      let fast = 0;
      let refused = 0;
      fc.assert(
        fc.property(windowArb, (c) => {
          const general = pointToLine(windowPoint(c), defaults);
          const line = lines.line(c);
          if (typeof general === 'string') {
            assert.equal(line, general);
            fast++;
          } else {
            assert.equal(line, undefined, `refused by pointToLine (${general.reason}) but given a line`);
            refused++;
          }
        }),
        { numRuns: 3000, seed: 20261122 },
      );
      assert.ok(fast > 500 && refused > 100, `both paths exercised (${fast} lines, ${refused} refused)`);
    });
  }

  it('the store quarantines a window pointToLine refuses, with its reason, and stores the others', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ubi-signal-lines-'));
    try {
      const s = new Store({ dir, healthIntervalMs: 0, depot: 'd1' });
      const t = T0 / 1000;
      // two finite samples whose sum overflows: mean is not finite
      const b = fromSamples('v', [
        { t, name: 'Huge', value: 1.7e308 },
        { t: t + 0.5, name: 'Huge', value: 1.7e308 },
        { t, name: 'Speed', value: 10 },
        { t: t + 0.5, name: 'Speed', value: 20 },
      ]);
      const r1 = await s.accept(b);
      assert.deepEqual([r1.points, r1.quarantined], [0, 0], 'windows still open');
      const r2 = await s.flushSignals();
      assert.deepEqual([r2.points, r2.quarantined], [1, 1]);
      const q = s.quarantine.read();
      assert.equal(q.length, 1);
      assert.match(q[0]!.reason, /^signal: field mean: Infinity is not a finite number$/);
      assert.equal(s.stats().pending, 1);
      await s.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
