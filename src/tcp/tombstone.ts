import { ACK, SYN, type Segment } from '../decode/segment.js';
import type { ConnectionSummary } from './record.js';
import type { Connection } from './connection.js';

/**
 * What stays in the flow table after a finished connection was summarised: its 4-tuple, its id and
 * its record. A late packet (a retransmitted FIN, an ACK in TIME_WAIT) still lands on the same id,
 * as in Wireshark, and is counted on the record; only a bare SYN with a new ISN opens a new id.
 * About 100 bytes instead of the several kilobytes of a live Connection.
 */
export class Tombstone {
  nextInBucket: Connection | Tombstone | null = null;
  readonly id: number;
  private readonly a0: number; private readonly a1: number; private readonly a2: number; private readonly a3: number;
  private readonly b0: number; private readonly b1: number; private readonly b2: number; private readonly b3: number;
  private readonly aPort: number;
  private readonly bPort: number;
  private readonly seqFrom0: number;
  private readonly seqFrom1: number;
  private readonly seqSet: number;
  private readonly client: 0 | 1;

  constructor(c: Connection, readonly record: ConnectionSummary) {
    this.id = c.id;
    [this.a0, this.a1, this.a2, this.a3] = [c.aAddr[0]!, c.aAddr[1]!, c.aAddr[2]!, c.aAddr[3]!];
    [this.b0, this.b1, this.b2, this.b3] = [c.bAddr[0]!, c.bAddr[1]!, c.bAddr[2]!, c.bAddr[3]!];
    this.aPort = c.aPort;
    this.bPort = c.bPort;
    this.seqFrom0 = c.dirs[0].wsBase;
    this.seqFrom1 = c.dirs[1].wsBase;
    this.seqSet = (c.dirs[0].wsBaseSet ? 1 : 0) | (c.dirs[1].wsBaseSet ? 2 : 0);
    this.client = c.client;
  }

  sideOf(seg: Segment): 0 | 1 | -1 {
    const x = seg.addr;
    if (seg.srcPort === this.aPort && seg.dstPort === this.bPort && x[0] === this.a0 && x[1] === this.a1 &&
        x[2] === this.a2 && x[3] === this.a3 && x[4] === this.b0 && x[5] === this.b1 && x[6] === this.b2 && x[7] === this.b3) return 0;
    if (seg.srcPort === this.bPort && seg.dstPort === this.aPort && x[0] === this.b0 && x[1] === this.b1 &&
        x[2] === this.b2 && x[3] === this.b3 && x[4] === this.a0 && x[5] === this.a1 && x[6] === this.a2 && x[7] === this.a3) return 1;
    return -1;
  }

  isNewSynFrom(side: 0 | 1, seg: Segment): boolean {
    if ((seg.flags & (SYN | ACK)) !== SYN) return false;
    return (this.seqSet & (side === 0 ? 1 : 2)) !== 0 && seg.seq !== (side === 0 ? this.seqFrom0 : this.seqFrom1);
  }

  /** A late packet: counted on the record, not analysed further. */
  addLate(seg: Segment, side: 0 | 1): void {
    this.record.addLatePacket(side === this.client, seg.payloadLength, seg.frame, seg.tsSec, seg.tsNsec);
  }
}
