/**
 * In-order delivery to an application consumer: retransmissions and overlaps (first copy wins),
 * out-of-order segments, gaps (lost and snaplen-cut), a response split across many segments, and
 * the 32-bit sequence wrap. Hand-made segments through StreamReassembly directly.
 */
import test from 'ava';
import { ACK, FIN, RST, SYN, Segment } from '../../src/decode/segment.js';
import { StreamReassembly, type Arrival, type StreamConsumer, type StreamEnd } from '../../src/tcp/stream-reassembly.js';

type Event = { kind: 'data'; dir: 0 | 1; text: string; frame: number } | { kind: 'gap'; dir: 0 | 1; n: number; frame: number } | { kind: 'end'; dir: 0 | 1; how: StreamEnd; frame: number };

class Recorder implements StreamConsumer {
  readonly events: Event[] = [];
  data(dir: 0 | 1, bytes: Uint8Array, start: number, end: number, at: Arrival): void {
    this.events.push({ kind: 'data', dir, text: Buffer.from(bytes.subarray(start, end)).toString('latin1'), frame: at.frame });
  }
  gap(dir: 0 | 1, n: number, at: Arrival): void {
    this.events.push({ kind: 'gap', dir, n, frame: at.frame });
  }
  end(dir: 0 | 1, how: StreamEnd, at: Arrival): void {
    this.events.push({ kind: 'end', dir, how, frame: at.frame });
  }
  /** Direction `dir` as a string, gaps shown as `<gap N>`. */
  stream(dir: 0 | 1): string {
    return this.events.filter((e) => e.dir === dir).map((e) => (e.kind === 'data' ? e.text : e.kind === 'gap' ? `<gap ${e.n}>` : `<${e.how}>`)).join('');
  }
}

let frameNo = 0;
function seg(flags: number, seq: number, payload: string, ack = 0, cutTo = -1): Segment {
  const s = new Segment();
  s.frame = ++frameNo;
  s.time = frameNo / 1000;
  s.flags = flags;
  s.seq = seq >>> 0;
  s.ack = ack >>> 0;
  const bytes = Buffer.from(payload, 'latin1');
  s.data = new Uint8Array(bytes.length + 10);
  s.data.set(bytes, 10);
  s.payloadOffset = 10;
  s.payloadLength = bytes.length;
  s.payloadCaptured = cutTo >= 0 ? cutTo : bytes.length;
  return s;
}

function setup(isn = 1000): { r: StreamReassembly; rec: Recorder; isn: number } {
  frameNo = 0;
  const rec = new Recorder();
  const r = new StreamReassembly(rec, undefined, true);
  r.add(seg(SYN, isn - 1, ''), 0);
  return { r, rec, isn };
}

test('a retransmitted segment in the middle of a header block is delivered once', (t) => {
  const { r, rec, isn } = setup();
  r.add(seg(ACK, isn, 'GET / HTTP/1.1\r\n'), 0);
  r.add(seg(ACK, isn + 16, 'Host: a\r\n'), 0);
  r.add(seg(ACK, isn + 16, 'Host: a\r\n'), 0); // retransmission
  r.add(seg(ACK, isn + 25, '\r\n'), 0);
  t.is(rec.stream(0), 'GET / HTTP/1.1\r\nHost: a\r\n\r\n');
  t.is(r.counters.duplicateBytes, 9);
  t.is(r.counters.inconsistentBytes, 0);
});

test('an overlap with different bytes keeps the first copy and counts the difference', (t) => {
  const { r, rec, isn } = setup();
  r.add(seg(ACK, isn, 'abcdef'), 0);
  r.add(seg(ACK, isn + 3, 'XYZghi'), 0); // overlaps def with XYZ
  t.is(rec.stream(0), 'abcdefghi');
  t.is(r.counters.duplicateBytes, 3);
  t.is(r.counters.inconsistentBytes, 3);
});

test('an out-of-order overlap keeps the copy that arrived first', (t) => {
  const { r, rec, isn } = setup();
  r.add(seg(ACK, isn + 4, 'EFGH'), 0); // held
  r.add(seg(ACK, isn + 2, 'cdxxIJ'), 0); // its xx overlaps the held EF
  r.add(seg(ACK, isn, 'ab'), 0);
  // IJ at +6..+8 is covered by GH (held earlier): first copy wins.
  t.is(rec.stream(0), 'abcdEFGH');
});

test('out-of-order segments are released in order, with the frame each arrived in', (t) => {
  const { r, rec, isn } = setup();
  r.add(seg(ACK, isn + 4, '4567'), 0); // frame 2
  r.add(seg(ACK, isn + 8, '89'), 0); // frame 3
  t.is(rec.stream(0), '');
  r.add(seg(ACK, isn, '0123'), 0); // frame 4
  t.is(rec.stream(0), '0123456789');
  t.deepEqual(rec.events.map((e) => e.frame), [4, 2, 3]);
});

test('a hole the peer acknowledges is a gap, and delivery goes on after it', (t) => {
  const { r, rec, isn } = setup();
  r.add(seg(ACK, isn, 'abc'), 0);
  r.add(seg(ACK, isn + 10, 'klm'), 0); // held: 7 bytes missing
  r.add(seg(ACK, 5000, '', isn + 13), 1); // the receiver acknowledges all
  t.is(rec.stream(0), 'abc<gap 7>klm');
  t.is(r.counters.gapBytes, 7);
});

test('a segment cut by the snaplen is its captured bytes, then a gap', (t) => {
  const { r, rec, isn } = setup();
  r.add(seg(ACK, isn, 'HTTP/1.1 200 OK\r\n', 0, 5), 0);
  r.add(seg(ACK, isn + 17, 'next'), 0);
  t.is(rec.stream(0), 'HTTP/<gap 12>next');
});

test('a response split across many segments arrives whole, and FIN ends it', (t) => {
  const { r, rec, isn } = setup();
  const body = 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n' + 'x'.repeat(100);
  for (let i = 0; i < body.length; i += 7) r.add(seg(ACK, isn + i, body.slice(i, i + 7)), 0);
  r.add(seg(FIN | ACK, isn + body.length, ''), 0);
  t.is(rec.stream(0), body + '<fin>');
});

test('a FIN after a hole declares the hole a gap; RST ends the direction at once', (t) => {
  const { r, rec, isn } = setup();
  r.add(seg(ACK, isn, 'ab'), 0);
  r.add(seg(FIN | ACK, isn + 5, 'f'), 0);
  t.is(rec.stream(0), 'ab<gap 3>f<fin>');
  r.add(seg(ACK, 9000, 'srv'), 1);
  r.add(seg(RST, 9003, ''), 1);
  r.add(seg(ACK, 9003, 'late'), 1);
  t.is(rec.stream(1), 'srv<rst>');
});

test('sequence numbers wrap past 2^32', (t) => {
  const { r, rec, isn } = setup(0xfffffffd);
  r.add(seg(ACK, isn, 'abcdef'), 0);
  r.add(seg(ACK, (isn + 6) >>> 0, 'gh'), 0);
  r.add(seg(ACK, isn, 'abc'), 0);
  t.is(rec.stream(0), 'abcdefgh');
});

test('the hold bound turns the oldest hole into a gap instead of growing', (t) => {
  frameNo = 0;
  const rec = new Recorder();
  const r = new StreamReassembly(rec, { maxHeldBytes: 1000, maxHeldSegments: 3 });
  r.add(seg(SYN, 99, ''), 0);
  for (let i = 0; i < 4; i++) r.add(seg(ACK, 100 + 10 + i * 2, 'zz'), 0);
  t.true(rec.stream(0).startsWith('<gap 10>zz'));
  r.finish();
  t.is(rec.stream(0), '<gap 10>zzzzzzzz');
});

test('finish delivers what is held at the end of the capture', (t) => {
  const { r, rec, isn } = setup();
  r.add(seg(ACK, isn + 3, 'def'), 0);
  r.finish();
  t.is(rec.stream(0), '<gap 3>def');
});
