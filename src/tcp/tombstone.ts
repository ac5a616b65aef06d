import { ACK, RST, SYN, type Segment } from '../decode/segment.js';
import type { ConnectionSummary } from './record.js';
import type { Connection } from './connection.js';
import { FlowKey } from './flow-key.js';

/**
 * What stays in the flow table after a finished connection was summarised: its 4-tuple, its id and
 * its record. A late packet (a retransmitted FIN, an ACK in TIME_WAIT) still lands on the same id,
 * as in Wireshark, and is counted on the record; only a bare SYN with a new ISN opens a new id.
 * About 100 bytes instead of the several kilobytes of a live Connection.
 */
export class Tombstone extends FlowKey {
  nextInBucket: Connection | Tombstone | null = null;
  readonly id: number;
  private readonly seqFrom0: number;
  private readonly seqFrom1: number;
  private readonly seqSet: number;
  private readonly client: 0 | 1;

  constructor(c: Connection, readonly record: ConnectionSummary) {
    super();
    this.keyFrom(c);
    this.id = c.id;
    // As int32 bit patterns: small integers cost no heap box (uint32 values above 2^31 would).
    this.seqFrom0 = c.dirs[0].wsBase | 0;
    this.seqFrom1 = c.dirs[1].wsBase | 0;
    this.seqSet = (c.dirs[0].wsBaseSet ? 1 : 0) | (c.dirs[1].wsBaseSet ? 2 : 0);
    this.client = c.client;
  }

  isNewSynFrom(side: 0 | 1, seg: Segment): boolean {
    if ((seg.flags & (SYN | ACK)) !== SYN) return false;
    return (this.seqSet & (side === 0 ? 1 : 2)) !== 0 && (seg.seq | 0) !== (side === 0 ? this.seqFrom0 : this.seqFrom1);
  }

  /** A late packet: counted on the record, not analysed further. */
  addLate(seg: Segment, side: 0 | 1): void {
    this.record.addLatePacket(side === this.client, seg.payloadLength, seg.frame, seg.tsSec, seg.tsNsec);
    // A RST still changes the story (it ends a TIME_WAIT early): never lose one.
    if ((seg.flags & RST) !== 0) this.record.addLateReset(side === this.client, seg.frame, seg.time);
  }
}
