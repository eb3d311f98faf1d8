// Child process for the power-cut test: streams numbered event points into a Store and prints
// "ack <i>" once append of point i resolved (it is then acknowledged to the caller). With
// DRAIN=1 it only drains the outbox into InfluxDB and prints "drained".
import { Store } from '../../edge/store/store.js';

const [dir, url, db, startStr, t0Str] = process.argv.slice(2);
const start = Number(startStr);
const T0 = Number(t0Str);

async function main(): Promise<void> {
  const store = new Store({
    dir: dir!,
    influx: { url: url!, database: db!, timeoutMs: 3000 },
    writer: { batchSize: 500, maxAgeMs: 20, retryBaseMs: 50, retryMaxMs: 300 },
  });
  if (process.env.DRAIN === '1') {
    while (store.stats().state !== 'connected') await new Promise((r) => setTimeout(r, 20));
    await store.writer!.drained(20, 30000);
    process.stdout.write('drained\n');
    await store.close();
    return;
  }
  for (let i = start; ; i += 50) {
    const pts = [];
    for (let k = i; k < i + 50; k++) pts.push({ measurement: 'event', tags: { vehicle: 'v1', type: 'seq' }, fields: { i: k }, time: T0 + k });
    await store.accept(pts);
    process.stdout.write(`ack ${i + 49}\n`);
    await new Promise((r) => setImmediate(r));
  }
}

main().catch((e: unknown) => {
  process.stderr.write(String((e as Error).stack ?? e) + '\n');
  process.exit(1);
});
