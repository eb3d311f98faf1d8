// Evidence: a crash drive goes through CAN frames -> raw archive + decoder -> incident engine ->
// claims service; the bundle's hashes verify, tampering is found, and replaying the bundle's frames
// through a fresh decoder and incident engine reproduces the incident and the FNOL record exactly.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { FrameBatch } from '../../edge/can/frame.js';
import { formatBatch } from '../../edge/can/candump.js';
import { loadDbcSync } from '../../edge/dbc/index.js';
import { IncidentEngine, resolveIncidentConfig, type Incident } from '../../edge/incidents/index.js';
import { ClaimsService, evidenceFile, fnolFromIncident, verifyEvidence, type EvidenceManifest } from '../../edge/insurance/claims/index.js';
import { CanArchive } from '../../edge/store/can-archive.js';
import { drive, frameBatches, phaseAt } from '../support/motion-model.js';
import { framesInOrder, ROOT, truckDecoder } from '../scoring/real-log.js';
import { register, tmpdir } from './helpers.js';

const DBC = ['j1939/CSS-Electronics-SAE-J1939-DEMO.dbc', 'j1939/gnss.dbc'].map((r) => path.join(ROOT, 'test/fixtures/dbc', r));

/** Decoder + incident engine over a candump file, as the live flow runs them; each frame batch also goes to `onFrames`. */
async function detect(file: string, onFrames?: (b: FrameBatch) => void): Promise<Incident[]> {
  const dec = truckDecoder();
  const eng = new IncidentEngine({ config: resolveIncidentConfig({}) });
  const out: Incident[] = [];
  const take = (xs: ReturnType<IncidentEngine['push']>): void => {
    for (const x of xs) if (x.kind === 'incident') out.push(x);
  };
  for await (const fb of framesInOrder(file, 'V1', 50)) {
    onFrames?.(fb);
    const o = dec.decode(fb);
    if (o.full) take(eng.push(o.full));
  }
  for (const o of dec.flush()) if (o.full) take(eng.push(o.full));
  take(eng.finish());
  return out;
}

describe('claims: evidence bundle', function () {
  this.timeout(60000);

  it('holds the archived frames of the window, the recording, the figures and versions with hashes; replaying its frames reproduces the incident', async () => {
    // 5 s parked, up to 54 km/h, cruise, a frontal crash, 30 s standing (frames after the window exist)
    const d = drive([{ duration: 5 }, { duration: 10, accel: 1.5 }, { duration: 25, label: 'cruise' }, { duration: 0.1, accel: -150, label: 'crash' }, { duration: 30 }], { seed: 501, t0: 1_700_000_000 });
    const frames = d.frames(loadDbcSync(DBC[0]!, { strict: false }), loadDbcSync(DBC[1]!, { strict: false }));
    // the "bus": frames as SocketCAN gives them (µs timestamps), via a candump file
    const work = tmpdir('evidence');
    const live = path.join(work, 'live.log');
    fs.writeFileSync(live, Buffer.concat(frameBatches(frames, 'V1').map((b) => formatBatch(b))));

    const archive = new CanArchive({ dir: path.join(work, 'archive'), segmentSeconds: 20 });
    const found = await detect(live, (b) => archive.append(b));
    await archive.settle();
    assert.equal(found.length, 1, 'one incident');
    const inc = found[0]!;
    assert.ok(Math.abs(inc.t - phaseAt(d, 'crash').t0) < 0.05);

    const svc = new ClaimsService({
      dir: path.join(work, 'claims'),
      register: register(),
      vehicles: { V1: 'TESTVEH0000000001' },
      endpoint: null,
      archive,
      leadS: 30,
      versions: { dbc: 'CSS-Electronics-SAE-J1939-DEMO.dbc + gnss.dbc', vssMap: 'j1939-truck', scoring: 'ubi-score/1' },
      attachFiles: DBC,
    });
    try {
      const st = await svc.submitIncident(inc);
      const rec = svc.get(st.fnolId)!.record;
      const ev = rec.evidence!;
      assert.equal(ev.ref, `/api/v1/claims/${st.fnolId}/evidence`);
      const bdir = path.join(svc.evidenceDir, st.fnolId);
      const check = verifyEvidence(bdir, ev.sha256);
      assert.deepEqual(check.problems, []);
      const m = JSON.parse(fs.readFileSync(path.join(bdir, 'manifest.json'), 'utf8')) as EvidenceManifest;
      assert.deepEqual(m.files.map((f) => f.name).sort(), ['CSS-Electronics-SAE-J1939-DEMO.dbc', 'frames.log', 'gnss.dbc', 'incident.json', 'recording.json', 'versions.json']);
      assert.equal(ev.files, 6);
      // the frames are exactly the archive's window: from 30 s before the recording to 1 s after it
      const want = await archive.extract(m.frames.fromUs, m.frames.toUs);
      assert.ok(want.length > 100000);
      assert.ok(evidenceFile(bdir, 'frames.log')!.data.equals(want));
      assert.equal(m.frames.fromUs, Math.round((inc.recording.from - 30) * 1e6));
      assert.equal(m.frames.toUs, Math.round((inc.recording.to + 1) * 1e6));
      assert.ok(fs.statSync(live).size > want.length, 'frames after the window are not in the bundle');
      const versions = JSON.parse(evidenceFile(bdir, 'versions.json')!.data.toString()) as Record<string, string>;
      assert.equal(versions.vssMap, 'j1939-truck');
      assert.equal(versions.incidentConfig, inc.configVersion);

      // replay: the bundle's frames alone, a fresh decoder and incident engine -> the same incident
      const again = await detect(path.join(bdir, 'frames.log'));
      assert.equal(again.length, 1);
      assert.deepEqual(JSON.parse(JSON.stringify(again[0])), JSON.parse(JSON.stringify(inc)));
      const bundled = { ...(JSON.parse(evidenceFile(bdir, 'incident.json')!.data.toString()) as object), recording: JSON.parse(evidenceFile(bdir, 'recording.json')!.data.toString()) as unknown };
      assert.deepEqual(bundled, JSON.parse(JSON.stringify(again[0])));
      const reg = register();
      assert.equal(JSON.stringify(fnolFromIncident(again[0]!, reg.getPolicy('POL-1')!, ev)), JSON.stringify(rec), 'the FNOL record, byte for byte');
      reg.close();

      // tampering is found, file by file
      fs.appendFileSync(path.join(bdir, 'recording.json'), ' ');
      const tampered = verifyEvidence(bdir, ev.sha256);
      assert.equal(tampered.ok, false);
      assert.equal(tampered.problems.length, 2);
      assert.match(tampered.problems[0]!, /^recording\.json: \d+ bytes, manifest says \d+$/);
      assert.equal(tampered.problems[1], 'recording.json: SHA-256 differs from the manifest');
    } finally {
      await svc.close();
      await archive.close();
    }
  });
});
