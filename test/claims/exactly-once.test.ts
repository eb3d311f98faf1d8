// Exactly once: the insurer fails for a long stretch (500s, replies lost after it stored the claim,
// no replies at all, random mixes) while the delivering process is killed with SIGKILL several times,
// at random moments, including while it is still filing the incidents. Every incident must end as
// exactly one claim at the insurer, acknowledged at the gateway with the insurer's number.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ClaimStore, fnolIdOf } from '../../edge/insurance/claims/index.js';
import { makePki, TestInsurer, type FailMode } from '../support/test-insurer.js';
import { incident, tmpdir, until } from './helpers.js';

const SECRET = 'exactly-once-secret-0123456789';
const N = 12;

describe('claims: exactly once across kill -9 and a failing insurer', function () {
  this.timeout(60000);

  it(`${N} incidents -> ${N} claims at the insurer, each acknowledged once, after 6 kills`, async () => {
    const pki = makePki();
    const insurer = new TestInsurer(pki, SECRET, { seed: 11 });
    await insurer.start();
    const dir = tmpdir('once');
    let out = '';
    let child: ChildProcess | null = null;
    let exited = false;
    const startChild = (): ChildProcess => {
      exited = false;
      const c = spawn(process.execPath, [path.join(__dirname, 'deliver-child.js')], {
        env: { ...process.env, UBI_CHILD_ARGS: JSON.stringify({ dir, url: insurer.url, ca: pki.caCert, secret: SECRET, n: N }) },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      c.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      c.on('exit', () => (exited = true));
      return c;
    };
    const kill = async (): Promise<void> => {
      if (!child || exited) return;
      child.kill('SIGKILL');
      await until(() => exited, 5000, 'child gone');
    };
    try {
      const stretch: Array<{ mode: FailMode; ms: number }> = [
        { mode: 'drop-after', ms: 260 }, // killed while still filing
        { mode: 'timeout-after', ms: 900 },
        { mode: '500', ms: 700 },
        { mode: 'drop-after', ms: 800 },
        { mode: 'flaky', ms: 1100 },
        { mode: 'drop-before', ms: 600 },
      ];
      let kills = 0;
      for (const s of stretch) {
        insurer.mode = s.mode;
        out = '';
        child = startChild();
        await until(() => out.includes('STARTED') || exited, 10000, 'child started');
        await new Promise((r) => setTimeout(r, s.ms));
        if (s.mode !== 'flaky') assert.ok(!out.includes('DONE'), `the child must not finish while the insurer fails (${s.mode})`);
        await kill();
        kills++;
      }
      assert.equal(kills, 6);
      const storedDuringOutage = insurer.claims.size;
      // the insurer recovers; the appliance starts once more and finishes
      insurer.mode = 'none';
      out = '';
      child = startChild();
      await until(() => exited, 30000, 'child finished');
      assert.match(out, /DONE/, out);
      assert.doesNotMatch(out, /FAILED/);

      const keys = [...insurer.claims.keys()].sort();
      const want = Array.from({ length: N }, (_, k) => fnolIdOf(incident(k + 1, (k + 1) % 2 ? 'V1' : 'V2').id)).sort();
      assert.deepEqual(keys, want, 'exactly one claim per incident at the insurer');
      assert.ok(storedDuringOutage > 0, 'some claims were stored while their replies were lost');
      assert.ok([...insurer.claims.values()].some((c) => c.requests > 1), 'some keys were sent again and answered with the same claim');
      assert.deepEqual(insurer.refusals, [], 'nothing refused (signature, key, schema)');
      assert.ok(insurer.requests > N * 2, `retries happened (${insurer.requests} requests)`);
      const st = new ClaimStore(path.join(dir, 'claims', 'claims.db'));
      try {
        for (const id of want) {
          const c = st.get(id);
          assert.ok(c, id);
          assert.equal(c.state, 'acknowledged', `${id}: ${c.state} ${c.reason}`);
          assert.equal(c.claimNumber, insurer.claims.get(id)!.claimNumber, 'the insurer number stored');
        }
        assert.equal(st.list().length, N);
      } finally {
        st.close();
      }
    } finally {
      await kill();
      await insurer.close();
    }
  });
});
