// Node-RED's credentialSecret encrypts node credentials in the flows' _cred file.
// From the environment, or generated once and kept in the data directory (mode 0600).
import crypto from 'node:crypto';
import path from 'node:path';
import { readSecretFile, writeSecretFile } from './secure-file.js';

export const CREDENTIAL_SECRET_ENV = 'UBI_CREDENTIAL_SECRET';

export interface SecretSource {
  secret: string;
  /** where it came from, for the start-up log (never the secret itself) */
  origin: string;
}

export function loadCredentialSecret(dataDir: string, env: NodeJS.ProcessEnv = process.env): SecretSource {
  const fromEnv = env[CREDENTIAL_SECRET_ENV];
  if (fromEnv) return { secret: fromEnv, origin: `environment ${CREDENTIAL_SECRET_ENV}` };
  const file = path.join(dataDir, 'credential-secret');
  const existing = readSecretFile(file)?.trim();
  if (existing) return { secret: existing, origin: file };
  const secret = crypto.randomBytes(32).toString('hex');
  writeSecretFile(file, secret + '\n');
  return { secret, origin: `${file} (generated now)` };
}
