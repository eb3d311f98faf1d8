// SAE J1939-21 identifier fields: a 29-bit CAN id is priority (3 bits), EDP, DP, PDU format (PF),
// PDU specific (PS) and source address (SA). PF < 240 is PDU1: PS is the destination address and the
// PGN's low byte is 0. PF >= 240 is PDU2: PS is the group extension, part of the PGN, and the message
// is broadcast (destination "global").

/** destination address meaning "everyone" (PDU2 messages and broadcast PDU1) */
export const GLOBAL_ADDRESS = 0xff;
/** source address of a node that has not claimed an address */
export const NULL_ADDRESS = 0xfe;

export const PGN = {
  /** Transport protocol connection management (TP.CM): BAM, RTS, CTS, EndOfMsgAck, Abort */
  TP_CM: 0xec00,
  /** Transport protocol data transfer (TP.DT) */
  TP_DT: 0xeb00,
  /** DM1: active diagnostic trouble codes */
  DM1: 0xfeca,
  /** Vehicle identification (VI): VIN */
  VI: 0xfeec,
  /** Driver's identification (DI, PGN 65131): tachograph driver card ids */
  DI: 0xfe6b,
  REQUEST: 0xea00,
} as const;

/** 3-bit priority (0 highest) */
export function priorityOf(id: number): number {
  return (id >>> 26) & 7;
}

/** Parameter group number (18 bits: EDP, DP, PF, and PS for PDU2) of a 29-bit id. */
export function pgnOf(id: number): number {
  const pf = (id >>> 16) & 0xff;
  const high = (id >>> 8) & 0x3ff00; // EDP, DP, PF
  return pf < 240 ? high : high | ((id >>> 8) & 0xff);
}

export function sourceOf(id: number): number {
  return id & 0xff;
}

/** Destination address: PS for PDU1, GLOBAL_ADDRESS for PDU2. */
export function destinationOf(id: number): number {
  return ((id >>> 16) & 0xff) < 240 ? (id >>> 8) & 0xff : GLOBAL_ADDRESS;
}

/** PDU1: the PF of the PGN is below 240, so it is sent to a destination (or globally to 0xFF). */
export function isPdu1(pgn: number): boolean {
  return ((pgn >>> 8) & 0xff) < 240;
}

/** Builds a 29-bit id. da is used for PDU1 PGNs only (PDU2 carries its group extension in the PGN). */
export function j1939Id(priority: number, pgn: number, sa: number, da = GLOBAL_ADDRESS): number {
  const ps = isPdu1(pgn) ? da & 0xff : pgn & 0xff;
  return (((priority & 7) << 26) | ((pgn & 0x3ff00) << 8) | (ps << 8) | (sa & 0xff)) >>> 0;
}
