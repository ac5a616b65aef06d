/**
 * A finished connection is summarised a second after its last packet and leaves a tombstone; a late
 * packet must give the same answer whether or not that has happened yet (it depends on how busy the
 * rest of the capture is). Built on the tracker directly, with hand-made segments.
 */
import test from 'ava';
import { Segment, ACK, FIN, RST, SYN } from '../../src/decode/segment.js';
import { TcpTracker } from '../../src/tcp/tracker.js';

/** Hand-made segments with consecutive frame numbers. */
function segmentMaker(): (t: number, src: number, sp: number, dst: number, dp: number, flags: number, seq: number, ack: number) => Segment {
  let frame = 0;
  return (t, src, sp, dst, dp, flags, seq, ack) => {
    const s = new Segment();
    s.frame = ++frame;
    s.tsSec = Math.floor(t);
    s.tsNsec = Math.round((t - Math.floor(t)) * 1e9);
    s.time = t;
    s.addr[3] = src;
    s.addr[7] = dst;
    s.srcPort = sp;
    s.dstPort = dp;
    s.flags = flags;
    s.seq = seq >>> 0;
    s.ack = ack >>> 0;
    s.window = 65535;
    s.frameLength = 60;
    return s;
  };
}

const C = 0x0a000001;
const S = 0x0a000002;

/** A tracker that has seen the SYN and SYN/ACK of C:40000 → S:80. */
function opened(seg: ReturnType<typeof segmentMaker>): TcpTracker {
  const tracker = new TcpTracker();
  tracker.add(seg(0, C, 40000, S, 80, SYN, 1000, 0));
  tracker.add(seg(0.01, S, 80, C, 40000, SYN | ACK, 5000, 1001));
  return tracker;
}

function run(filler: boolean) {
  const seg = segmentMaker();
  const tracker = opened(seg);
  tracker.add(seg(0.02, C, 40000, S, 80, ACK, 1001, 5001));
  tracker.add(seg(0.03, C, 40000, S, 80, FIN | ACK, 1001, 5001));
  tracker.add(seg(0.04, S, 80, C, 40000, FIN | ACK, 5001, 1002));
  tracker.add(seg(0.05, C, 40000, S, 80, ACK, 1002, 5002));
  // Enough traffic elsewhere for the tracker to sweep and summarise the finished connection.
  if (filler) for (let i = 0; i < 9000; i++) tracker.add(seg(0.1 + i * 0.001, 0x0b000001, 50000, 0x0b000002, 9999, ACK, 1 + i, 1));
  // The server resets the client's TIME_WAIT socket 20 s later.
  tracker.add(seg(20, S, 80, C, 40000, RST, 5002, 0));
  const r = tracker.finish(100)[0]!;
  return {
    resets: r.resets.map((x) => `${x.by}@${x.time}`),
    final: r.finalState,
    client: r.states.client.map((x) => `${x.state}@${x.time}`),
  };
}

test('a RST in TIME_WAIT after the connection was summarised is kept and ends TIME_WAIT, as when it was not', (t) => {
  const quiet = run(false);
  const busy = run(true);
  t.deepEqual(quiet.resets, ['server@20']);
  t.deepEqual(quiet.client, ['SYN_SENT@0', 'ESTABLISHED@0.01', 'FIN_WAIT_1@0.03', 'TIME_WAIT@0.04', 'CLOSED@20']);
  t.deepEqual(busy.resets, quiet.resets);
  t.deepEqual(busy.client, quiet.client);
  t.deepEqual(busy.final, { client: 'CLOSED', server: 'CLOSED' });
});

test('a storm of late RSTs on a summarised 4-tuple is listed up to 256 and counted in full, in linear time', (t) => {
  const seg = segmentMaker();
  const tracker = opened(seg);
  tracker.add(seg(0.02, C, 40000, S, 80, RST, 1001, 0));
  for (let i = 0; i < 9000; i++) tracker.add(seg(0.1 + i * 0.001, 0x0b000001, 50000, 0x0b000002, 9999, ACK, 1 + i, 1));
  const storm = 20_000;
  for (let i = 0; i < storm; i++) tracker.add(seg(20 + i * 1e-4, C, 40000, S, 80, RST, 1001, 0));
  const r = tracker.finish(100)[0]!;
  t.is(r.resets.length, 256);
  t.is(r.latePackets, storm);
  t.is(r.packets.client, storm + 2);
  t.deepEqual(r.finalState, { client: 'CLOSED', server: 'CLOSED' });
});
