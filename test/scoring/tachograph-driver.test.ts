// Driver attribution from the tachograph, end to end: a truck drive from the motion model whose
// tachograph broadcasts the driver cards (J1939 DI, PGN 65131, by BAM on can0), rendered to CAN
// frames, decoded by the decode engine (DI -> Vehicle.Driver.Identifier.Subject texts), scored.
// The driver changes at a stop mid-drive; trips, events and driver scores must follow the cards,
// and the cards win over a depot roster.
import assert from 'node:assert/strict';
import path from 'node:path';
import { loadDbcSync } from '../../edge/dbc/index.js';
import { PGN, pgnOf } from '../../edge/dbc/j1939/pgn.js';
import { IncidentEngine, resolveIncidentConfig, type Incident } from '../../edge/incidents/index.js';
import { resolveConfig, ScoringEngine, type ScoringConfig, type ScoringOutput } from '../../edge/scoring/index.js';
import { CO_DRIVER_ID_TEXT, DRIVER_ID_TEXT } from '../../edge/signals/j1939-frames.js';
import type { SignalBatch } from '../../edge/signals/signal-batch.js';
import { drive, phaseAt, type Drive, type DriveOptions, type Phase } from '../support/motion-model.js';
import { events, scores, trips } from './helpers.js';
import { decodeModelFrames, ROOT } from './real-log.js';

const dbc = (rel: string) => loadDbcSync(path.join(ROOT, 'test/fixtures/dbc', rel), { strict: false });
const J1939_DBC = dbc('j1939/CSS-Electronics-SAE-J1939-DEMO.dbc');
const GNSS_DBC = dbc('j1939/gnss.dbc');

const A = 'DK00000012345601';
const B = 'SE00000098765402';
const C = 'NO00000055555503'; // B's co-driver
const T0 = 1_700_000_000;
const ROSTER: ScoringConfig['roster'] = [{ driver: 'roster-anna', from: new Date((T0 - 3600) * 1000).toISOString(), to: new Date((T0 + 6 * 3600) * 1000).toISOString() }];

/** A model drive's frames through the truck decoder (can0 J1939 with the demo DBC, can1 gnss.dbc). */
const decodeDrive = (d: Drive, frames = d.frames(J1939_DBC, GNSS_DBC)): SignalBatch[] => decodeModelFrames(frames, 'T1');

function score(bs: readonly SignalBatch[], roster: ScoringConfig['roster'] = []): ScoringOutput[] {
  const e = new ScoringEngine({ config: resolveConfig('rigid_truck', { roster }) });
  const out: ScoringOutput[] = [];
  for (const b of bs) out.push(...e.push(b));
  return out.concat(e.finish());
}

// Driver A: warm-up, ~10 km at 72 km/h with a harsh stop, then to a standstill. Parked: engine on
// 30 s, then off; A takes the card out, a minute later B puts in theirs (co-driver C). Driver B: ~10
// km at 72 km/h with a harsh corner, stop, engine off. The 400 s engine-off stops end each trip.
const PHASES: Phase[] = [
  { duration: 5 },
  { duration: 12, accel: 1.5 },
  { duration: 10 },
  { duration: 2, accel: 1 },
  { duration: 500 },
  { duration: 2, accel: -4.5, label: 'brake' },
  { duration: 10 },
  { duration: 11, accel: -1 },
  { duration: 30, label: 'park' },
  { duration: 60, engine: false, label: 'card-out' },
  { duration: 340, engine: false, label: 'card-in' },
  { duration: 20, accel: 1, label: 'b-go' },
  { duration: 500 },
  { duration: 2.5, lateral: 4.5, label: 'turn' },
  { duration: 10 },
  { duration: 20, accel: -1 },
  { duration: 400, engine: false },
];
const TACHO: DriveOptions['tachograph'] = {
  cards: [
    { from: 0, driver: A },
    { from: 'card-out', driver: '' },
    { from: 'card-in', driver: B, coDriver: C },
  ],
};

describe('end to end: tachograph driver id (J1939 DI) -> decode -> scoring', function () {
  this.timeout(120000);
  const d = drive(PHASES, { seed: 65131, t0: T0, tachograph: TACHO });
  let frames: ReturnType<Drive['frames']> = [];
  let decoded: SignalBatch[] = [];
  before(() => {
    frames = d.frames(J1939_DBC, GNSS_DBC);
    decoded = decodeDrive(d, frames);
  });

  it('the decoder emits the card changes as texts (DI every 10 s, text on change and every 60 s)', () => {
    const texts = decoded.flatMap((b) => b.texts).filter((x) => x.name === DRIVER_ID_TEXT);
    // each change once, at the BAM's last packet (a "**" DI fits in one frame)
    const changes = texts.filter((x, i) => i === 0 || x.value !== texts[i - 1]!.value);
    assert.deepEqual(
      changes.map((x) => x.value),
      [A, '', B],
    );
    assert.ok(Math.abs(changes[1]!.t - phaseAt(d, 'card-out').t0) < 1e-6);
    assert.ok(Math.abs(changes[2]!.t - (phaseAt(d, 'card-in').t0 + 0.25)) < 1e-6);
    // refreshes only: far fewer texts than DI broadcasts
    const span = d.t1 - d.t0;
    assert.ok(texts.length <= Math.ceil(span / 60) + 3, `${texts.length} driver texts`);
    const co = decoded.flatMap((b) => b.texts).filter((x) => x.name === CO_DRIVER_ID_TEXT);
    assert.deepEqual([...new Set(co.map((x) => x.value))], ['', C]);
  });

  it('trips, events and driver scores go to the tachograph ids', () => {
    const out = score(decoded);
    const tr = trips(out);
    assert.equal(tr.length, 2);
    assert.deepEqual(
      tr.map((x) => [x.driver, x.drivers]),
      [
        [A, [A]],
        [B, [B]],
      ],
    );
    // trip 1 ends when the engine stops (the first engine-speed frame at 0 after it), trip 2 starts
    // after B's card is in
    assert.ok(Math.abs(tr[0]!.t1 - phaseAt(d, 'card-out').t0) < 0.2 && tr[1]!.t0 > phaseAt(d, 'card-in').t0, JSON.stringify(tr.map((x) => [x.t0, x.t1])));
    const ev = events(out).filter((e) => e.type !== 'idling');
    assert.deepEqual(
      ev.map((e) => [e.type, e.driver]),
      [
        ['harsh_braking', A],
        ['harsh_cornering', B],
      ],
    );
    assert.ok(Math.abs(ev[0]!.t0 - phaseAt(d, 'brake').t0) < 0.5 && Math.abs(ev[1]!.t0 - phaseAt(d, 'turn').t0) < 0.5);
    assert.deepEqual(
      scores(out, 'trip').map((s) => s.driver),
      [A, B],
    );
    assert.deepEqual(
      scores(out, 'driver').map((s) => s.key),
      [A, B],
    );
  });

  it('the tachograph wins over the depot roster; without it the roster names the driver', () => {
    const withRoster = score(decoded, ROSTER);
    assert.deepEqual(
      trips(withRoster).map((x) => x.driver),
      [A, B],
    );
    assert.deepEqual(
      scores(withRoster, 'driver').map((s) => s.key),
      [A, B],
    );
    assert.ok(events(withRoster).every((e) => e.driver === A || e.driver === B));
    // the same drive without a tachograph: every other frame identical, the roster decides
    const plain = drive(PHASES, { seed: 65131, t0: T0 });
    const diPgns: readonly number[] = [PGN.DI, PGN.TP_CM, PGN.TP_DT];
    const isDi = (id: number) => diPgns.includes(pgnOf(id));
    const f1 = frames.filter((f) => !(f.frame.ext && isDi(f.frame.id)));
    const f2 = plain.frames(J1939_DBC, GNSS_DBC);
    assert.equal(f1.length, f2.length);
    assert.ok(f1.every((f, i) => f.frame.t === f2[i]!.frame.t && f.frame.id === f2[i]!.frame.id && Buffer.compare(f.frame.data, f2[i]!.frame.data) === 0));
    const rostered = score(decodeDrive(plain), ROSTER);
    assert.deepEqual(
      trips(rostered).map((x) => x.driver),
      ['roster-anna', 'roster-anna'],
    );
  });

  it('driving with no card in the tachograph: nobody, even with a roster (what vehicle.ts does once a tachograph has spoken)', () => {
    const ph: Phase[] = [{ duration: 5 }, { duration: 20, accel: 1 }, { duration: 200 }, { duration: 20, accel: -1 }, { duration: 400, engine: false }];
    const nd = drive(ph, { seed: 7, t0: T0, imuHz: 0, tachograph: { cards: [{ from: 0, driver: '' }] } });
    const out = score(decodeDrive(nd), ROSTER);
    const tr = trips(out);
    assert.equal(tr.length, 1);
    assert.equal(tr[0]!.driver, undefined);
    assert.deepEqual(tr[0]!.drivers, []);
    assert.deepEqual(scores(out, 'driver'), []);
  });

  it('incidents carry the tachograph driver too', () => {
    const ph: Phase[] = [{ duration: 5 }, { duration: 10, accel: 1.5 }, { duration: 25 }, { duration: 0.1, accel: -150, label: 'crash' }, { duration: 15 }];
    const cd = drive(ph, { seed: 602, t0: T0, tachograph: { cards: [{ from: 0, driver: B, coDriver: C }] } });
    const e = new IncidentEngine({ config: resolveIncidentConfig({}) });
    const out = decodeDrive(cd).flatMap((b) => e.push(b)).concat(e.finish());
    const inc = out.filter((x): x is Incident => x.kind === 'incident');
    assert.equal(inc.length, 1);
    assert.equal(inc[0]!.driver, B);
  });
});
