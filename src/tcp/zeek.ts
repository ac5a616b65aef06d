import { ACK, FIN, RST, SYN, type Segment } from '../decode/segment.js';
import { C_RETRANSMISSION } from './classes.js';

/**
 * Zeek-compatible connection summary: `history` and `conn_state` as documented for conn.log
 * (https://docs.zeek.org/en/master/scripts/base/protocols/conn/main.zeek.html). Upper case letters
 * are the originator's, lower case the responder's.
 */
export class ZeekTracker {
  private history = '';
  private seen = [0, 0];

  observe(seg: Segment, from: 0 | 1, classes: number, len: number): void {
    const f = seg.flags;
    if ((f & SYN) !== 0) this.add(from, (f & ACK) !== 0 ? 'H' : 'S', 1);
    if ((f & FIN) !== 0) this.add(from, 'F', 2);
    if ((f & RST) !== 0) this.add(from, 'R', 4);
    if ((f & (SYN | FIN | RST)) === 0) {
      if (len > 0) this.add(from, 'D', 8);
      else if ((f & ACK) !== 0) this.add(from, 'A', 16);
    }
    if (classes & C_RETRANSMISSION) this.add(from, 'T', 32);
  }

  private add(from: 0 | 1, letter: string, bit: number): void {
    if (this.seen[from]! & bit) return;
    this.seen[from]! |= bit;
    this.history += from === 0 ? letter : letter.toLowerCase();
  }

  /** `originatorIsA`: whether Zeek's originator is the side we call "a". */
  summarize(): { connState: string; history: string } {
    return { connState: 'OTH', history: this.history };
  }
}
