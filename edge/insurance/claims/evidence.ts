// Evidence bundle: a directory per claim with
//   frames.log      raw CAN frames of the replay window, candump -L, byte-exact from the archive
//   recording.json  the incident's decoded recording (columnar, as the incident engine made it)
//   incident.json   the incident record (figures, triggers, positions) without the recording
//   versions.json   DBC / VSS map / scoring / incident configuration versions, replay window
//   <attachments>   e.g. the DBC files themselves (names given by the caller)
//   manifest.json   every file above with its size and SHA-256; the bundle's hash is the SHA-256 of
//                   manifest.json's bytes (what the FNOL record carries)
// Everything is a pure function of the incident, the archive and the versions: rebuilding the
// bundle gives the same bytes and the same hash.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Incident } from '../../incidents/types.js';

export interface EvidenceFile {
  name: string;
  bytes: number;
  sha256: string;
  mediaType: string;
}

export interface EvidenceManifest {
  bundle: 'ubi-edge/evidence/1';
  fnolId: string;
  incidentId: string;
  /** frames window, µs since the epoch: [fromUs, toUs) */
  frames: { fromUs: number; toUs: number; count: number };
  files: EvidenceFile[];
}

export interface EvidenceVersions {
  dbc?: string;
  vssMap?: string;
  scoring?: string;
  [k: string]: string | undefined;
}

export interface EvidenceInput {
  fnolId: string;
  incident: Incident;
  /** raw frames of [fromUs, toUs) as candump -L (CanArchive.extract); empty when there is no archive */
  frames: Buffer;
  fromUs: number;
  toUs: number;
  versions: EvidenceVersions;
  attachments?: Array<{ name: string; data: Buffer; mediaType?: string }>;
}

const SAFE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
export const sha256 = (b: Buffer | string): string => crypto.createHash('sha256').update(b).digest('hex');

/** Builds (or finds, when already complete) the bundle under dir/<fnolId>/; returns its manifest and hash. */
export function writeEvidence(dir: string, e: EvidenceInput): { manifest: EvidenceManifest; sha256: string; dir: string } {
  const files = new Map<string, { data: Buffer; mediaType: string }>();
  const { recording, ...figures } = e.incident;
  files.set('frames.log', { data: e.frames, mediaType: 'text/plain' });
  files.set('recording.json', { data: Buffer.from(JSON.stringify(recording)), mediaType: 'application/json' });
  files.set('incident.json', { data: Buffer.from(JSON.stringify(figures, null, 2)), mediaType: 'application/json' });
  const versions = { ...e.versions, incidentConfig: e.incident.configVersion, framesFromUs: String(e.fromUs), framesToUs: String(e.toUs) };
  files.set('versions.json', { data: Buffer.from(JSON.stringify(versions, Object.keys(versions).sort(), 2)), mediaType: 'application/json' });
  for (const a of e.attachments ?? []) {
    if (!SAFE.test(a.name) || files.has(a.name) || a.name === 'manifest.json') throw new Error(`evidence: attachment name "${a.name}" is not usable`);
    files.set(a.name, { data: a.data, mediaType: a.mediaType ?? 'application/octet-stream' });
  }
  let count = 0;
  for (let i = e.frames.indexOf(10); i >= 0; i = e.frames.indexOf(10, i + 1)) count++;
  const manifest: EvidenceManifest = {
    bundle: 'ubi-edge/evidence/1',
    fnolId: e.fnolId,
    incidentId: e.incident.id,
    frames: { fromUs: e.fromUs, toUs: e.toUs, count },
    files: [...files.entries()].map(([name, f]) => ({ name, bytes: f.data.length, sha256: sha256(f.data), mediaType: f.mediaType })),
  };
  const mBytes = Buffer.from(JSON.stringify(manifest, null, 2));
  const final = path.join(dir, e.fnolId);
  if (fs.existsSync(path.join(final, 'manifest.json'))) {
    const have = fs.readFileSync(path.join(final, 'manifest.json'));
    if (have.equals(mBytes) && verifyEvidence(final).ok) return { manifest, sha256: sha256(mBytes), dir: final };
    fs.rmSync(final, { recursive: true, force: true }); // half-built or stale: rebuild
  }
  fs.mkdirSync(dir, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(dir, `.tmp-${e.fnolId}-`));
  for (const [name, f] of files) writeSync(path.join(tmp, name), f.data);
  writeSync(path.join(tmp, 'manifest.json'), mBytes);
  fs.rmSync(final, { recursive: true, force: true });
  fs.renameSync(tmp, final);
  syncDir(dir);
  return { manifest, sha256: sha256(mBytes), dir: final };
}

function writeSync(file: string, data: Buffer): void {
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function syncDir(d: string): void {
  try {
    const fd = fs.openSync(d, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    /* not supported everywhere */
  }
}

export interface EvidenceCheck {
  ok: boolean;
  sha256: string | null;
  problems: string[];
}

/** Recomputes every file's hash against the manifest. */
export function verifyEvidence(bundleDir: string, expectSha?: string): EvidenceCheck {
  const problems: string[] = [];
  let mBytes: Buffer;
  try {
    mBytes = fs.readFileSync(path.join(bundleDir, 'manifest.json'));
  } catch {
    return { ok: false, sha256: null, problems: ['manifest.json missing'] };
  }
  const h = sha256(mBytes);
  if (expectSha && h !== expectSha) problems.push(`manifest hash ${h} is not ${expectSha}`);
  let m: EvidenceManifest;
  try {
    m = JSON.parse(mBytes.toString('utf8')) as EvidenceManifest;
  } catch {
    return { ok: false, sha256: h, problems: ['manifest.json is not JSON'] };
  }
  for (const f of m.files ?? []) {
    if (!SAFE.test(f.name)) {
      problems.push(`${f.name}: bad name`);
      continue;
    }
    try {
      const d = fs.readFileSync(path.join(bundleDir, f.name));
      if (d.length !== f.bytes) problems.push(`${f.name}: ${d.length} bytes, manifest says ${f.bytes}`);
      if (sha256(d) !== f.sha256) problems.push(`${f.name}: SHA-256 differs from the manifest`);
    } catch {
      problems.push(`${f.name}: missing`);
    }
  }
  return { ok: problems.length === 0, sha256: h, problems };
}

/** A bundle file by name (only names listed in the manifest). */
export function evidenceFile(bundleDir: string, name: string): { data: Buffer; mediaType: string } | null {
  if (name !== 'manifest.json' && !SAFE.test(name)) return null;
  try {
    if (name === 'manifest.json') return { data: fs.readFileSync(path.join(bundleDir, name)), mediaType: 'application/json' };
    const m = JSON.parse(fs.readFileSync(path.join(bundleDir, 'manifest.json'), 'utf8')) as EvidenceManifest;
    const f = m.files.find((x) => x.name === name);
    if (!f) return null;
    return { data: fs.readFileSync(path.join(bundleDir, name)), mediaType: f.mediaType };
  } catch {
    return null;
  }
}
