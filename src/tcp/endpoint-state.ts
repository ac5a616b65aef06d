/** RFC 9293 §3.3.2 connection states, as inferred for one endpoint from the wire. */
export const enum TcpState {
  Unknown = 0,
  SynSent,
  SynReceived,
  Established,
  FinWait1,
  FinWait2,
  Closing,
  TimeWait,
  CloseWait,
  LastAck,
  Closed,
}

export const TCP_STATE_NAMES = [
  'UNKNOWN', 'SYN_SENT', 'SYN_RECEIVED', 'ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2', 'CLOSING', 'TIME_WAIT',
  'CLOSE_WAIT', 'LAST_ACK', 'CLOSED',
] as const;

export type TcpStateName = (typeof TCP_STATE_NAMES)[number];

/**
 * One endpoint's inferred state. The capture shows the wire, not the socket: a segment is taken to
 * reach its receiver when it was captured, which is exact enough at the capture point's resolution.
 */
export class EndpointState {
  state: TcpState = TcpState.Unknown;
  /** Every change as three numbers: TcpState, frame (-1 for a timer), epoch seconds. */
  readonly packed: number[] = [];
  /** Numbers in use in `packed` (its capacity is kept when a pooled connection is reused). */
  packedLength = 0;
  enteredAt = 0;

  reset(): void {
    this.state = TcpState.Unknown;
    this.enteredAt = 0;
    this.packedLength = 0;
  }

  set(state: TcpState, frame: number, time: number): void {
    if (state === this.state) return;
    this.state = state;
    this.enteredAt = time;
    const p = this.packed;
    const n = this.packedLength;
    p[n] = state;
    p[n + 1] = frame;
    p[n + 2] = time;
    this.packedLength = n + 3;
  }

  get name(): TcpStateName {
    return TCP_STATE_NAMES[this.state];
  }

  /** Has this endpoint sent its FIN (or been torn down)? */
  get closing(): boolean {
    return this.state >= TcpState.FinWait1 && this.state !== TcpState.CloseWait;
  }
}
