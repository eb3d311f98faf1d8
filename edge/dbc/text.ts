// DBC files carry no declared encoding. CANdb++ writes cp1252; newer tools and opendbc write UTF-8.
// Valid UTF-8 is taken as UTF-8 (a cp1252 file with accented letters is almost never valid UTF-8),
// anything else as windows-1252 so that no byte is ever rejected.

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
const cp1252 = new TextDecoder('windows-1252');

export type DbcEncoding = 'utf-8' | 'windows-1252';

export function decodeDbcBytes(bytes: Uint8Array): { text: string; encoding: DbcEncoding } {
  try {
    return { text: utf8.decode(bytes), encoding: 'utf-8' };
  } catch {
    return { text: cp1252.decode(bytes), encoding: 'windows-1252' };
  }
}
