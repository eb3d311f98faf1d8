// Vehicle identification (SAE J1939-71, PGN 65260): the VIN as ASCII, variable length, ended by a
// '*' delimiter; longer than 8 bytes, so it travels by transport protocol (BAM).
//
// Real ECUs put more than the VIN before the '*': the John Deere tractor in the shared logs sends
// "1L06130RELP969468" followed by ten binary bytes and then '*'. So the VIN is the leading run of
// letters and digits (ISO 3779 characters; lower case tolerated) after any padding, and whatever
// follows it up to the delimiter is ignored.

function isVinChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/** The VIN text; undefined when the field holds no letters or digits before junk or '*'. */
export function decodeVin(data: Uint8Array, off = 0, len = data.length - off): string | undefined {
  let i = off;
  const end = off + len;
  // leading padding some ECUs use
  while (i < end && (data[i] === 0x20 || data[i] === 0 || data[i] === 0xff)) i++;
  let s = '';
  for (; i < end && isVinChar(data[i]!); i++) s += String.fromCharCode(data[i]!);
  return s.length > 0 ? s : undefined;
}
