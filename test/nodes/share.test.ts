// nodes/lib/share.ts: ubi-decode's messages reach ubi-score / ubi-incident / ubi-influx-out without
// Node-RED's per-recipient deep copy, and only when every recipient of the message is one of those.
// Unit cases on the SendEvents, then the real runtime: the car drive through decode -> score +
// incident with and without the hook gives the same outputs, and the two nodes get one object.
import assert from 'node:assert/strict';
import path from 'node:path';
import helper from 'node-red-node-test-helper';
import canBusNode from '../../nodes/ubi-can-bus/ubi-can-bus.js';
import canInNode from '../../nodes/ubi-can-in/ubi-can-in.js';
import decodeNode from '../../nodes/ubi-decode/ubi-decode.js';
import scoreNode from '../../nodes/ubi-score/ubi-score.js';
import incidentNode from '../../nodes/ubi-incident/ubi-incident.js';
import { SHARE_HOOK, unclone } from '../../nodes/lib/share.js';

helper.init(require.resolve('node-red'));

const ROOT = path.resolve(__dirname, '../../..');
const CAR_LOG = path.join(ROOT, 'assets/logs/3BA199E2-00000164-00000001-60FE3F04.log.gz');
const GNSS_DBC = path.join(ROOT, 'test/fixtures/dbc/j1939/gnss.dbc');

interface Hooks {
  add(id: string, fn: (e: { msg: unknown; destination: { id: string } }) => void): void;
  remove(id: string): void;
  has(id: string): boolean;
}
// the @node-red/util instance the runtime routes messages through
const hooks = (require(require.resolve('@node-red/util', { paths: [path.dirname(require.resolve('node-red'))] })) as { hooks: Hooks }).hooks;

type Ev = Parameters<typeof unclone>[0][number];
const types: Record<string, string> = { sc: 'ubi-score', inc: 'ubi-incident', out: 'ubi-influx-out', fn: 'function', dbg: 'debug' };
const getNode = (id: string) => (types[id] ? { type: types[id] } : null);
function events(from: string, sends: Array<[object, string[]]>): Ev[] {
  const out: Ev[] = [];
  for (const [msg, dests] of sends) for (const d of dests) out.push({ msg: msg as Ev['msg'], source: { id: 'x', node: { type: from } }, destination: { id: d }, cloneMessage: out.length > 0 });
  return out;
}
const clones = (evs: Ev[]) => evs.map((e) => e.cloneMessage);

describe('sharing read-only batches (nodes/lib/share.ts)', function () {
  this.timeout(120000);

  it('no copy when every recipient of a ubi-decode message is ubi-score, ubi-incident or ubi-influx-out', () => {
    const full = {};
    const down = {};
    const evs = events('ubi-decode', [
      [full, ['sc', 'inc']],
      [down, ['out']],
    ]);
    unclone(evs, getNode);
    assert.deepEqual(clones(evs), [false, false, false]);
  });

  it('copies as Node-RED does when any recipient of that message is another node, or the sender is not ubi-decode', () => {
    const full = {};
    const down = {};
    // a function node among the recipients of `full`: its copies stay; `down` alone to the store is still shared
    let evs = events('ubi-decode', [
      [full, ['sc', 'fn', 'inc']],
      [down, ['out']],
    ]);
    unclone(evs, getNode);
    assert.deepEqual(clones(evs), [false, true, true, false]);
    // the function node first (it gets the original): ubi-score must not share it
    evs = events('ubi-decode', [[full, ['fn', 'sc']]]);
    unclone(evs, getNode);
    assert.deepEqual(clones(evs), [false, true]);
    // a node that is gone (redeploy) counts as unknown
    evs = events('ubi-decode', [[full, ['sc', 'gone']]]);
    unclone(evs, getNode);
    assert.deepEqual(clones(evs), [false, true]);
    // other senders are left alone
    for (const from of ['ubi-score', 'ubi-incident', 'function']) {
      evs = events(from, [[full, ['sc', 'inc']]]);
      unclone(evs, getNode);
      assert.deepEqual(clones(evs), [false, true], from);
    }
  });

  describe('in the runtime', () => {
    const registryUtil = (helper as unknown as { _registryUtil: { createNodeApi(n: unknown): Record<string, unknown> } })._registryUtil;
    const create = registryUtil.createNodeApi;
    before(() => {
      // the helper's node API lacks RED.hooks, which the real runtime hands every node
      registryUtil.createNodeApi = (n) => ({ ...create.call(registryUtil, n), hooks });
    });
    after(() => {
      registryUtil.createNodeApi = create;
      if (hooks.has(SHARE_HOOK)) hooks.remove(SHARE_HOOK);
    });
    beforeEach((done) => {
      helper.startServer(done);
    });
    afterEach(async () => {
      await helper.unload();
      await new Promise<void>((r) => helper.stopServer(() => r()));
      if (hooks.has(SHARE_HOOK)) hooks.remove(SHARE_HOOK);
    });

    const OUT = ['ev', 'tr', 'scr', 'cal', 'al', 'incd', 'dist'];
    const flow = (decodeWires: string[]) => [
      { id: 'bus1', type: 'ubi-can-bus', vehicle: 'seat-1', source: 'replay', interfaces: '', bitrate: '500000', fd: false, filters: '', replayFile: CAR_LOG, speed: 'max', loop: false },
      { id: 'in1', type: 'ubi-can-in', bus: 'bus1', maxFrames: '1000', maxAgeMs: '100', statsInterval: '10', wires: [['dec'], []] },
      { id: 'dec', type: 'ubi-decode', interfaces: `can0: obd\ncan1: ${GNSS_DBC}`, map: 'car-obd-gnss', emit: 'mapped', signals: '', period: '1', mode: 'last', statsInterval: '10', wires: [decodeWires, ['down']] },
      { id: 'sc', type: 'ubi-score', vehicleClass: 'van', timeZone: 'Europe/Copenhagen', roster: '', overrides: '', mergeS: '600', statsInterval: '1', wires: [['ev'], ['tr'], ['scr'], ['cal']] },
      { id: 'inc', type: 'ubi-incident', accelThresholdG: '', preS: '', postS: '', crashSignals: '', overrides: '', mergeS: '600', wires: [['al'], ['incd'], ['dist']] },
      ...['sig', 'down', ...OUT].map((id) => ({ id, type: 'helper' })),
    ];

    /** Runs the drive to its end; what score and incident sent, and the message objects they were handed. */
    async function run(share: boolean, decodeWires: string[]) {
      if (hooks.has(SHARE_HOOK)) hooks.remove(SHARE_HOOK);
      if (!share) registryUtil.createNodeApi = create;
      // the replay starts with the flow: watch deliveries from before it is loaded
      const seen: Record<string, unknown[]> = { sc: [], inc: [] };
      hooks.add('preDeliver.shareTest', (e) => {
        if (e.destination.id === 'sc' || e.destination.id === 'inc') seen[e.destination.id]!.push(e.msg);
      });
      try {
        await new Promise<void>((r) => helper.load([canBusNode, canInNode, decodeNode, scoreNode, incidentNode], flow(decodeWires), () => r()));
      } finally {
        registryUtil.createNodeApi = (n) => ({ ...create.call(registryUtil, n), hooks });
      }
      assert.equal(hooks.has(SHARE_HOOK), share);
      const got: Record<string, string[]> = {};
      let last = Date.now();
      for (const id of OUT) {
        got[id] = [];
        (helper.getNode(id) as unknown as { on(ev: 'input', fn: (m: { payload: unknown }) => void): void }).on('input', (m) => {
          got[id]!.push(JSON.stringify(m.payload));
          last = Date.now();
        });
      }
      (helper.getNode('down') as unknown as { on(ev: 'input', fn: () => void): void }).on('input', () => (last = Date.now()));
      const inStatus = () => ((helper.getNode('in1') as unknown as { status: { args: Array<[{ text?: string }]> } }).status.args ?? []).map((a) => a[0]?.text ?? '');
      const deadline = Date.now() + 60000;
      try {
        while (!(inStatus().some((t) => /^ended/.test(t)) && Date.now() - last > 300)) {
          if (Date.now() > deadline) throw new Error('replay did not end');
          await new Promise((r) => setTimeout(r, 50));
        }
      } finally {
        hooks.remove('preDeliver.shareTest');
      }
      return { got, seen };
    }

    it('the car drive: score and incident get one batch object, and send exactly what they send with copies', async () => {
      const shared = await run(true, ['sc', 'inc']);
      await helper.unload();
      const copied = await run(false, ['sc', 'inc']);
      assert.ok(shared.seen.sc!.length > 20, `${shared.seen.sc!.length} batches`);
      assert.equal(shared.seen.inc!.length, shared.seen.sc!.length);
      shared.seen.sc!.forEach((m, i) => assert.equal(m, shared.seen.inc![i], `batch ${i} is one object`));
      copied.seen.sc!.forEach((m, i) => assert.notEqual(m, copied.seen.inc![i], `batch ${i} copied without the hook`));
      assert.ok(shared.got.tr!.length >= 1 && shared.got.cal!.length >= 1, 'the drive gives a trip and a calibration');
      for (const id of OUT) assert.deepEqual(shared.got[id], copied.got[id], `output ${id}`);
    });

    it('with another node on the same output, score and incident get their own copies', async () => {
      const r = await run(true, ['sc', 'sig', 'inc']);
      assert.ok(r.seen.sc!.length > 20);
      r.seen.sc!.forEach((m, i) => assert.notEqual(m, r.seen.inc![i], `batch ${i}`));
    });
  });
});
