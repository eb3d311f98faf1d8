// Child process of the exactly-once test: an appliance that files N incidents (again on every start:
// the same incidents, as a replay after a crash would) and delivers them, until every claim's delivery
// is final. The parent kills it with SIGKILL at random moments and starts it again.
import path from 'node:path';
import { ClaimsService } from '../../edge/insurance/claims/index.js';
import { incident, register, VEHICLES } from './helpers.js';

interface Args {
  dir: string;
  url: string;
  ca: string;
  secret: string;
  n: number;
}

async function main(): Promise<void> {
  const a = JSON.parse(process.env.UBI_CHILD_ARGS ?? '{}') as Args;
  const reg = register(path.join(a.dir, 'register.db'));
  const svc = new ClaimsService({
    dir: path.join(a.dir, 'claims'),
    register: reg,
    vehicles: VEHICLES,
    endpoint: { url: a.url, secret: a.secret, ca: a.ca, timeoutMs: 250 },
    retry: { baseMs: 20, maxMs: 200 },
  });
  svc.on('warning', (m) => process.stdout.write(`WARN ${m}\n`));
  await svc.start();
  process.stdout.write('STARTED\n');
  const ids: string[] = [];
  for (let k = 1; k <= a.n; k++) {
    const s = await svc.submitIncident(incident(k, k % 2 ? 'V1' : 'V2'));
    ids.push(s.fnolId);
    await new Promise((r) => setTimeout(r, 15));
  }
  process.stdout.write('SUBMITTED\n');
  const done = (): boolean => ids.every((id) => {
    const c = svc.get(id);
    return c !== null && (c.state === 'acknowledged' || c.state === 'dead' || c.state === 'rejected');
  });
  while (!done()) await new Promise((r) => setTimeout(r, 20));
  await svc.close();
  reg.close();
  process.stdout.write('DONE\n');
}

main().catch((e: unknown) => {
  process.stdout.write(`FAILED ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
