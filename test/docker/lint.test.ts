// The depot stack checked by real tools (no Docker engine runs here): Debian's docker-compose parses and
// validates the compose file against its schema; dockerfile-utils (the VS Code Docker linter) the Dockerfile.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { validate } from 'dockerfile-utils';

const ROOT = path.resolve(__dirname, '..', '..', '..');

describe('docker/: validated by real tools', function () {
  this.timeout(60000);

  it('docker-compose config -q accepts the compose file (with an env file made from the example)', () => {
    const bin = ['/usr/bin/docker-compose', '/usr/local/bin/docker-compose'].find((f) => fs.existsSync(f));
    assert.ok(bin, 'docker-compose missing: run node scripts/ensure-test-deps.cjs as root (apt package docker-compose)');
    // a copy, so depot.env (secrets, git-ignored) is never written into the repository
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ubi-compose-'));
    try {
      fs.cpSync(path.join(ROOT, 'docker'), path.join(tmp, 'docker'), { recursive: true });
      fs.cpSync(path.join(ROOT, 'dashboards', 'generated'), path.join(tmp, 'dashboards', 'generated'), { recursive: true });
      fs.copyFileSync(path.join(tmp, 'docker', 'depot.env.example'), path.join(tmp, 'docker', 'depot.env'));
      const ok = spawnSync(bin, ['-f', 'compose.yaml', 'config', '-q'], { cwd: path.join(tmp, 'docker'), encoding: 'utf8' });
      assert.equal(ok.status, 0, ok.stderr);
      const resolved = spawnSync(bin, ['-f', 'compose.yaml', 'config'], { cwd: path.join(tmp, 'docker'), encoding: 'utf8' });
      assert.match(resolved.stdout, /network_mode: host/);
      // and the tool does reject a broken file (the check can fail)
      fs.writeFileSync(path.join(tmp, 'docker', 'broken.yaml'), 'services:\n  appliance:\n    restart: sometimes-maybe\n    ports: 12\n');
      const bad = spawnSync(bin, ['-f', 'broken.yaml', 'config', '-q'], { cwd: path.join(tmp, 'docker'), encoding: 'utf8' });
      assert.notEqual(bad.status, 0);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('dockerfile-utils finds no problem in the Dockerfile, and does find one in a broken copy', () => {
    const text = fs.readFileSync(path.join(ROOT, 'docker', 'Dockerfile'), 'utf8');
    const problems = validate(text).map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
    assert.deepEqual(problems, []);
    assert.ok(validate(text.replace(/^HEALTHCHECK .*$/m, 'HEALTHCHECK --interval=abc CMD true')).length > 0);
  });
});
