// Request signing, both ways (documented for insurers in DESIGN.md):
//
//   UBI-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body bytes>")>
//
// The receiver recomputes the HMAC over the exact bytes received, compares in constant time, and
// refuses a timestamp more than `toleranceS` (300 s) away from its clock (replay protection). Several
// v1= entries may be present during a secret rotation; any match is accepted.
import crypto from 'node:crypto';

export const SIGNATURE_HEADER = 'UBI-Signature';

export function sign(secret: string, body: string | Buffer, nowMs: number): string {
  const t = Math.floor(nowMs / 1000);
  return `t=${t},v1=${hmac(secret, t, body)}`;
}

function hmac(secret: string, t: number | string, body: string | Buffer): string {
  return crypto.createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex');
}

export type Verdict = { ok: true; t: number } | { ok: false; reason: string };

export function verify(secrets: string | readonly string[], header: string | undefined, body: string | Buffer, nowMs: number, toleranceS = 300): Verdict {
  if (!header) return { ok: false, reason: `missing ${SIGNATURE_HEADER} header` };
  let t: string | undefined;
  const sigs: string[] = [];
  for (const part of header.split(',')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    const k = part.slice(0, i).trim();
    const v = part.slice(i + 1).trim();
    if (k === 't') t = v;
    else if (k === 'v1') sigs.push(v);
  }
  if (!t || !/^\d{1,12}$/.test(t)) return { ok: false, reason: 'signature: no valid t=' };
  if (sigs.length === 0) return { ok: false, reason: 'signature: no v1=' };
  if (Math.abs(nowMs / 1000 - Number(t)) > toleranceS) return { ok: false, reason: `signature: timestamp outside ${toleranceS} s` };
  for (const secret of typeof secrets === 'string' ? [secrets] : secrets) {
    if (!secret) continue;
    const want = Buffer.from(hmac(secret, t, body), 'hex');
    for (const s of sigs) {
      if (!/^[0-9a-f]{64}$/.test(s)) continue;
      if (crypto.timingSafeEqual(want, Buffer.from(s, 'hex'))) return { ok: true, t: Number(t) };
    }
  }
  return { ok: false, reason: 'signature: no match' };
}
