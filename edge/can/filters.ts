// Kernel receive filters written as text in a node's config: one `id/mask` per entry, separated by
// commas or new lines. Ids above 0x7FF, or with an `x` suffix, are extended (29-bit).
// Examples: "7E8/7F8" (OBD responses), "18FEF100/3FFFF00x" (PGN 65265 from any source).

export interface CanFilter {
  id: number;
  mask: number;
  ext: boolean;
}

export class FilterSyntaxError extends Error {}

const ENTRY = /^(?:0x)?([0-9a-f]{1,8})(?:\s*\/\s*(?:0x)?([0-9a-f]{1,8}))?\s*(x?)$/i;

export function parseFilters(text: string, where = 'filters'): CanFilter[] {
  const out: CanFilter[] = [];
  const entries = text.split(/[,\n]/);
  entries.forEach((raw, i) => {
    const s = raw.trim();
    if (!s) return;
    const m = ENTRY.exec(s);
    if (!m) throw new FilterSyntaxError(`${where} entry ${i + 1} "${s}": expected id/mask in hex, e.g. 7E8/7F8 or 18FEF100/3FFFF00x`);
    const id = parseInt(m[1]!, 16);
    const ext = m[3] === 'x' || m[3] === 'X' || id > 0x7ff;
    const full = ext ? 0x1fffffff : 0x7ff;
    const mask = m[2] === undefined ? full : parseInt(m[2], 16);
    if (id > 0x1fffffff || mask > 0x1fffffff) {
      throw new FilterSyntaxError(`${where} entry ${i + 1} "${s}": id and mask must fit in 29 bits`);
    }
    out.push({ id, mask, ext });
  });
  return out;
}
