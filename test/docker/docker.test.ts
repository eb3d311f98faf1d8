// Offline checks of docker/: the compose file's structure and the Dockerfile's instructions.
// (Debian's docker-compose `config -q` or dclint can be added on top when installed.)
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';

const DOCKER = path.resolve(__dirname, '../../../docker');

interface Service {
  image?: string;
  network_mode?: string;
  restart?: string;
  env_file?: string;
  volumes?: string[];
  deploy?: { resources?: { limits?: { memory?: string } } };
}

const mb = (m: string): number => (/^(\d+)([MG])$/.exec(m) ? Number(RegExp.$1) * (RegExp.$2 === 'G' ? 1024 : 1) : NaN);

describe('docker: compose and Dockerfile (offline)', () => {
  const compose = parseYaml(fs.readFileSync(path.join(DOCKER, 'compose.yaml'), 'utf8')) as { services: Record<string, Service> };

  it('compose: appliance on the host network, InfluxDB 1.x, Grafana with provisioning; restart policies; limits fit a 4 GB Pi', () => {
    const s = compose.services;
    assert.deepEqual(Object.keys(s).sort(), ['appliance', 'grafana', 'influxdb']);
    assert.equal(s.appliance!.network_mode, 'host');
    assert.match(s.influxdb!.image!, /^influxdb:1\./);
    let total = 0;
    for (const [n, svc] of Object.entries(s)) {
      assert.ok(['unless-stopped', 'always', 'on-failure'].includes(svc.restart ?? ''), `${n} restart`);
      const m = mb(svc.deploy?.resources?.limits?.memory ?? '');
      assert.ok(m > 0, `${n} memory limit`);
      total += m;
      assert.equal(svc.env_file, 'depot.env', `${n} reads secrets from the env file`);
    }
    assert.ok(total <= 3 * 1024, `limits ${total} MiB leave the OS room on 4 GB`);
    for (const v of s.grafana!.volumes!.filter((x) => x.startsWith('../'))) assert.ok(fs.existsSync(path.join(DOCKER, v.split(':')[0]!)), `${v} exists`);
  });

  it('secrets: depot.env is git-ignored; the example names every key and no real secret', () => {
    assert.match(fs.readFileSync(path.join(DOCKER, '.gitignore'), 'utf8'), /^depot\.env$/m);
    const ex = fs.readFileSync(path.join(DOCKER, 'depot.env.example'), 'utf8');
    for (const k of ['INFLUXDB_READ_USER_PASSWORD', 'INFLUXDB_WRITE_USER_PASSWORD', 'GF_SECURITY_ADMIN_PASSWORD', 'UBI_ADMIN_PASSWORD_HASH']) assert.match(ex, new RegExp(`^${k}=`, 'm'));
    for (const l of ex.split('\n').filter((x) => /PASSWORD=/.test(x))) assert.match(l, /=(change-me)?$/);
  });

  it('Dockerfile: Node 24 non-minimal build stage, non-root user, data volume, healthcheck on /healthz', () => {
    const lines = fs.readFileSync(path.join(DOCKER, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ').split('\n').filter((l) => l.trim() && !l.startsWith('#'));
    const ins = lines.map((l) => l.trim().split(/\s+/)[0]!);
    for (const i of ins) assert.ok(['FROM', 'WORKDIR', 'RUN', 'COPY', 'ENV', 'VOLUME', 'USER', 'EXPOSE', 'HEALTHCHECK', 'STOPSIGNAL', 'CMD'].includes(i), `unknown instruction ${i}`);
    const froms = lines.filter((l) => l.startsWith('FROM'));
    assert.match(froms[0]!, /^FROM node:24-bookworm AS build$/);
    assert.match(froms.at(-1)!, /^FROM node:24/);
    const user = lines.filter((l) => l.startsWith('USER')).at(-1);
    assert.ok(user && !/root|\b0\b/.test(user), 'runs as a non-root user');
    assert.ok(lines.some((l) => /^VOLUME .*\/data/.test(l)));
    assert.ok(lines.some((l) => /^HEALTHCHECK .*\/healthz/.test(l)));
    assert.ok(lines.some((l) => l === 'STOPSIGNAL SIGINT'));
  });

  it('systemd unit: restart on failure, SIGINT stop, memory flag; can0 networkd files', () => {
    const u = fs.readFileSync(path.join(DOCKER, 'ubi-edge.service'), 'utf8');
    assert.match(u, /^Restart=on-failure$/m);
    assert.match(u, /^KillSignal=SIGINT$/m);
    assert.match(u, /--max-old-space-size=\d+/);
    assert.match(fs.readFileSync(path.join(DOCKER, '80-can0.network'), 'utf8'), /^BitRate=\d+K$/m);
    assert.match(fs.readFileSync(path.join(DOCKER, '80-can0.link'), 'utf8'), /^TransmitQueueLength=\d+$/m);
  });
});
