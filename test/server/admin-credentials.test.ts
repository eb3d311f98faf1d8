import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { AdminCredentials, ADMIN_HASH_ENV } from '../../edge/server/admin-credentials.js';
import { loadCredentialSecret } from '../../edge/server/credential-secret.js';

describe('admin credentials', function () {
  this.timeout(30000);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ubi-cred-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('has no default account', () => {
    const c = new AdminCredentials(dir, {});
    assert.equal(c.account(), undefined);
    assert.equal(c.isConfigured(), false);
  });

  it('stores only a bcrypt hash, in a 0600 file, and verifies against it', async () => {
    const c = new AdminCredentials(dir, {});
    await c.setPassword('depot', 'correct horse battery');
    const st = fs.statSync(c.filePath);
    assert.equal(st.mode & 0o777, 0o600);
    const text = fs.readFileSync(c.filePath, 'utf8');
    assert.ok(!text.includes('correct horse battery'));
    assert.equal(await c.verify('depot', 'correct horse battery'), true);
    assert.equal(await c.verify('depot', 'correct horse batterY'), false);
    assert.equal(await c.verify('admin', 'correct horse battery'), false);
  });

  it('refuses short passwords and odd user names', async () => {
    const c = new AdminCredentials(dir, {});
    await assert.rejects(c.setPassword('admin', 'short'), /at least 12/);
    await assert.rejects(c.setPassword('a b', 'long enough password'), /username/);
  });

  it('prefers a bcrypt hash from the environment and rejects a plain password there', async () => {
    const hash = bcrypt.hashSync('from the environment', 4);
    const c = new AdminCredentials(dir, { [ADMIN_HASH_ENV]: hash, UBI_ADMIN_USER: 'ops' });
    assert.equal(c.account()!.username, 'ops');
    assert.equal(await c.verify('ops', 'from the environment'), true);
    const bad = new AdminCredentials(dir, { [ADMIN_HASH_ENV]: 'hunter2hunter2' });
    assert.throws(() => bad.account(), /not a bcrypt hash/);
    assert.equal(await bad.verify('admin', 'hunter2hunter2'), false);
  });

  it('refuses a credentials file others can read', async () => {
    const c = new AdminCredentials(dir, {});
    await c.setPassword('admin', 'a long enough password');
    fs.chmodSync(c.filePath, 0o644);
    assert.throws(() => c.account(), /chmod 600/);
  });

  it('generates the credential secret once, mode 0600, and takes one from the environment', () => {
    const a = loadCredentialSecret(dir, {});
    const b = loadCredentialSecret(dir, {});
    assert.equal(a.secret, b.secret);
    assert.match(a.origin, /generated now/);
    assert.equal(fs.statSync(path.join(dir, 'credential-secret')).mode & 0o777, 0o600);
    assert.equal(loadCredentialSecret(dir, { UBI_CREDENTIAL_SECRET: 'x'.repeat(40) }).secret, 'x'.repeat(40));
  });
});
