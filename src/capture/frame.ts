/**
 * One record of a capture file, as the readers hand it on. The object is reused by its reader: a
 * consumer must copy what it wants to keep before asking for the next frame.
 */
export interface Frame {
  /** 1-based record number in the (merged) input: Wireshark's `frame.number`. */
  no: number;
  /** Index of the input file this record came from (0-based, in command-line order). */
  fileIndex: number;
  /** 1-based record number inside its own file. */
  fileFrameNo: number;
  /** Whole seconds since the Unix epoch. */
  tsSec: number;
  /** Nanoseconds within `tsSec` (0 … 999,999,999). */
  tsNsec: number;
  /** LINKTYPE_* of the frame's interface; `NO_PACKET` for pcapng records that carry no packet. */
  linkType: number;
  /** Global interface index (pcapng: counted over all sections in file order; pcap: 0). */
  interfaceId: number;
  /** Bytes present in the file. */
  caplen: number;
  /** Bytes the packet had on the wire. */
  origlen: number;
  /** Buffer holding the packet bytes at `offset … offset + caplen`. Valid until the next frame. */
  data: Uint8Array;
  offset: number;
}

/** linkType of a pcapng record that Wireshark shows as a frame but that holds no packet. */
export const NO_PACKET = -1;

export function newFrame(): Frame {
  return {
    no: 0, fileIndex: 0, fileFrameNo: 0, tsSec: 0, tsNsec: 0, linkType: NO_PACKET, interfaceId: 0,
    caplen: 0, origlen: 0, data: new Uint8Array(0), offset: 0,
  };
}

/** Compare two timestamps exactly. */
export function compareTime(aSec: number, aNsec: number, bSec: number, bNsec: number): number {
  return aSec !== bSec ? aSec - bSec : aNsec - bNsec;
}

/** Seconds JavaScript dates can represent (±8.64e15 ms); damaged timestamps may lie beyond. */
const MAX_DATE_SECONDS = 8.64e12;

/** ISO-8601 UTC with all nine fractional digits, e.g. 2013-03-07T21:42:06.869344000Z. */
export function isoTime(sec: number, nsec: number): string {
  if (!(Math.abs(sec) < MAX_DATE_SECONDS)) return `${epochString(sec, nsec)}s-after-epoch`;
  if (sec !== isoCacheSec) {
    isoCacheSec = sec;
    isoCacheBase = new Date(sec * 1000).toISOString().slice(0, 19); // 2013-03-07T21:42:06
  }
  return `${isoCacheBase}.${String(nsec).padStart(9, '0')}Z`;
}
let isoCacheSec = NaN;
let isoCacheBase = '';

/** Epoch seconds with nine fractional digits, the way tshark prints `frame.time_epoch`. */
export function epochString(sec: number, nsec: number): string {
  if (sec < 0 && nsec > 0) return `-${-sec - 1}.${String(1e9 - nsec).padStart(9, '0')}`;
  return `${sec}.${String(nsec).padStart(9, '0')}`;
}
