// The admin account for the editor, the admin API and the HTTP API.
//
// There is no default password. Credentials come from the environment (a bcrypt hash, never a
// plain password) or from <data>/admin.json written by `ubi-edge set-password`. They are read on
// every check, so setting the password on a running appliance opens the editor without a restart.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import bcrypt from 'bcryptjs';
import { readSecretFile, writeSecretFile } from './secure-file.js';

export const ADMIN_USER_ENV = 'UBI_ADMIN_USER';
export const ADMIN_HASH_ENV = 'UBI_ADMIN_PASSWORD_HASH';
export const MIN_PASSWORD_LENGTH = 12;
const BCRYPT_ROUNDS = 12;

export interface AdminAccount {
  username: string;
  hash: string;
  origin: string;
}

const BCRYPT_RE = /^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/;

export class AdminCredentials {
  private readonly file: string;
  /** successful checks, keyed by a digest of user+password+hash, so Basic auth doesn't pay bcrypt per request */
  private readonly verified = new Map<string, number>();

  constructor(
    dataDir: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.file = path.join(dataDir, 'admin.json');
  }

  get filePath(): string {
    return this.file;
  }

  /** The configured account, or undefined when none is set up yet. Throws on a broken configuration. */
  account(): AdminAccount | undefined {
    const envHash = this.env[ADMIN_HASH_ENV];
    if (envHash) {
      if (!BCRYPT_RE.test(envHash)) {
        throw new Error(`${ADMIN_HASH_ENV} is not a bcrypt hash ($2b$12$... , 60 characters); create one with: ubi-edge hash-password`);
      }
      return { username: this.env[ADMIN_USER_ENV] || 'admin', hash: envHash, origin: `environment ${ADMIN_HASH_ENV}` };
    }
    const text = readSecretFile(this.file);
    if (text === undefined) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new Error(`${this.file}: not valid JSON (${(e as Error).message}); set the password again with: ubi-edge set-password`);
    }
    const rec = parsed as { username?: unknown; hash?: unknown };
    if (typeof rec.username !== 'string' || !rec.username || typeof rec.hash !== 'string' || !BCRYPT_RE.test(rec.hash)) {
      throw new Error(`${this.file}: expected {"username": "...", "hash": "<bcrypt>"}; set the password again with: ubi-edge set-password`);
    }
    return { username: rec.username, hash: rec.hash, origin: this.file };
  }

  isConfigured(): boolean {
    try {
      return this.account() !== undefined;
    } catch {
      return false;
    }
  }

  /** Checks a username and password; constant-time with respect to which of the two is wrong. */
  async verify(username: string, password: string): Promise<boolean> {
    let acc: AdminAccount | undefined;
    try {
      acc = this.account();
    } catch {
      return false;
    }
    if (!acc) return false;
    const key = crypto.createHash('sha256').update(`${username}\0${password}\0${acc.hash}`).digest('hex');
    const until = this.verified.get(key);
    if (until !== undefined && until > Date.now()) return true;
    const ok = (await bcrypt.compare(password, acc.hash)) && timingSafeEqualStr(username, acc.username);
    if (ok) {
      if (this.verified.size > 100) this.verified.clear();
      this.verified.set(key, Date.now() + 5 * 60_000);
    }
    return ok;
  }

  /** Stores a new password (hashed) in the data directory. */
  async setPassword(username: string, password: string): Promise<void> {
    checkPasswordStrength(password);
    if (!/^[A-Za-z0-9_.@-]{1,64}$/.test(username)) {
      throw new Error(`username "${username}": use 1-64 letters, digits, _ . @ -`);
    }
    const hash = await hashPassword(password);
    writeSecretFile(this.file, JSON.stringify({ username, hash }, null, 2) + '\n');
    this.verified.clear();
  }

  /** True when the data dir holds a file (as opposed to env-configured credentials). */
  hasFile(): boolean {
    return fs.existsSync(this.file);
  }
}

export function checkPasswordStrength(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new Error(`password too short: at least ${MIN_PASSWORD_LENGTH} characters`);
  }
}

export async function hashPassword(password: string): Promise<string> {
  checkPasswordStrength(password);
  return bcrypt.hash(password, BCRYPT_ROUNDS);
}

function timingSafeEqualStr(a: string, b: string): boolean {
  const ha = crypto.createHash('sha256').update(a).digest();
  const hb = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(ha, hb);
}

/** The text the appliance prints while no admin account exists. */
export function setupInstructions(dataDir: string): string {
  return [
    'No admin account is set up, so the editor and the APIs stay closed (only GET /healthz answers).',
    'Set one, either:',
    `  1. on this machine:  npx ubi-edge set-password --data ${dataDir}   (asks for the password; takes effect at once)`,
    `  2. or in the environment: ${ADMIN_HASH_ENV}="$(npx ubi-edge hash-password)" [${ADMIN_USER_ENV}=admin], then restart`,
  ].join('\n');
}
