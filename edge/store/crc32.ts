// CRC-32 (IEEE): zlib's native one where Node has it (>= 22.2), else a table-driven fallback.
import zlib from 'node:zlib';

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function jsCrc32(buf: Uint8Array, crc = 0): number {
  let c = (crc ^ 0xffffffff) >>> 0;
  for (let i = 0; i < buf.length; i++) c = TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

type Crc = (data: Uint8Array, value?: number) => number;
const native = (zlib as unknown as { crc32?: Crc }).crc32;

export const crc32: Crc = native ? (d, v = 0) => native(d, v) >>> 0 : jsCrc32;
