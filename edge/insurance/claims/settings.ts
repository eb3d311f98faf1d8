// Editor settings of the ubi-insurer config node (strings as the editor saves them) + its Node-RED
// credentials -> a validated ClaimsServiceOptions. Every problem names the field. Secrets (the HMAC
// secret, the client key and its passphrase) come only from credentials and never appear in messages.
import fs from 'node:fs';
import path from 'node:path';
import type { InsurerEndpoint } from './delivery.js';
import { endpointProblem } from './delivery.js';
import type { ClaimsServiceOptions } from './service.js';

export interface InsurerSettings {
  url?: string;
  /** PEM file of the CA(s) to trust for the insurer's certificate; empty: the system's */
  caFile?: string;
  /** PEM file of the client certificate (mutual TLS); its key is a credential */
  certFile?: string;
  timeoutS?: string | number;
  retryBaseS?: string | number;
  retryMaxS?: string | number;
  test?: boolean;
  /** where claims.db, evidence/ and the claims outbox live; empty: <data dir>/claims */
  dir?: string;
  /** policy register (SQLite); empty: UBI_REGISTER_DB or <data dir>/register.db */
  registerFile?: string;
  /** JSON object vehicle id -> VIN or plate */
  vehicles?: string;
  leadS?: string | number;
  dbcVersion?: string;
  vssMapVersion?: string;
  scoringVersion?: string;
  /** DBC files to put in every evidence bundle, separated by ';' */
  attachFiles?: string;
  evidenceBaseUrl?: string;
}

export interface InsurerCredentials {
  secret?: string;
  key?: string;
  passphrase?: string;
}

export class SettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
  }
}

function num(v: string | number | undefined, dflt: number, min: number, max: number, field: string, problems: string[]): number {
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) {
    problems.push(`${field}: must be a number from ${min} to ${max}`);
    return dflt;
  }
  return n;
}

function readPem(file: string, field: string, problems: string[]): string | undefined {
  if (!file) return undefined;
  try {
    const t = fs.readFileSync(file, 'utf8');
    if (!t.includes('-----BEGIN')) problems.push(`${field}: ${file} is not a PEM file`);
    return t;
  } catch (e) {
    problems.push(`${field}: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    return undefined;
  }
}

export interface ResolvedInsurer {
  options: Omit<ClaimsServiceOptions, 'register'>;
  registerFile: string;
  describe: string;
}

export function resolveInsurer(s: InsurerSettings, c: InsurerCredentials, dataDir: string, env: NodeJS.ProcessEnv = process.env): ResolvedInsurer {
  const problems: string[] = [];
  const url = (s.url ?? '').trim();
  const timeoutMs = num(s.timeoutS, 15, 1, 300, 'timeout (s)', problems) * 1000;
  const baseMs = num(s.retryBaseS, 1, 0.01, 3600, 'first retry after (s)', problems) * 1000;
  const maxMs = num(s.retryMaxS, 300, 0.1, 86400, 'longest retry interval (s)', problems) * 1000;
  const leadS = num(s.leadS, 60, 0, 3600, 'frames before the recording (s)', problems);
  let endpoint: InsurerEndpoint | null = null;
  if (url !== '') {
    const ep: InsurerEndpoint = { url, secret: c.secret ?? '', timeoutMs };
    const ca = readPem((s.caFile ?? '').trim(), 'CA file', problems);
    const cert = readPem((s.certFile ?? '').trim(), 'client certificate file', problems);
    if (ca) ep.ca = ca;
    if (cert) ep.cert = cert;
    if (c.key) ep.key = c.key;
    if (c.passphrase) ep.passphrase = c.passphrase;
    const p = endpointProblem(ep);
    if (p) problems.push(p);
    else endpoint = ep;
  }
  let vehicles: Record<string, string> | undefined;
  if ((s.vehicles ?? '').trim() !== '') {
    try {
      const j = JSON.parse(s.vehicles!) as unknown;
      if (typeof j !== 'object' || j === null || Array.isArray(j) || !Object.values(j).every((v) => typeof v === 'string')) throw new Error('an object of strings');
      vehicles = j as Record<string, string>;
    } catch (e) {
      problems.push(`vehicles: must be a JSON object {"vehicle id": "VIN or plate"} (${(e as Error).message})`);
    }
  }
  if (problems.length) throw new SettingsError(problems);
  const dir = (s.dir ?? '').trim() || env.UBI_CLAIMS_DIR || path.join(dataDir, 'claims');
  const registerFile = (s.registerFile ?? '').trim() || env.UBI_REGISTER_DB || path.join(dataDir, 'register.db');
  const versions: Record<string, string> = {};
  if (s.dbcVersion) versions.dbc = s.dbcVersion;
  if (s.vssMapVersion) versions.vssMap = s.vssMapVersion;
  if (s.scoringVersion) versions.scoring = s.scoringVersion;
  const attachFiles = (s.attachFiles ?? '').split(';').map((x) => x.trim()).filter(Boolean);
  const options: Omit<ClaimsServiceOptions, 'register'> = {
    dir,
    endpoint,
    retry: { baseMs, maxMs },
    leadS,
    versions,
    attachFiles,
    fnol: { test: s.test === true },
    ...(vehicles ? { vehicles } : {}),
    ...(s.evidenceBaseUrl ? { evidenceBaseUrl: s.evidenceBaseUrl } : {}),
  };
  const where = endpoint ? new URL(endpoint.url).host : 'no endpoint (claims are kept queued)';
  return { options, registerFile, describe: `claims to ${where}${endpoint?.cert ? ' (client certificate)' : ''}${s.test ? ', test claims' : ''}; ${dir}` };
}
