/**
 * For each connection a finding points at: a ladder diagram of its segments and a tcptrace-style
 * time-sequence graph, both drawn from every segment the capture holds (re-read for these few
 * connections), or from the events the record kept when the capture could not be read again.
 */
import type { ConnectionRecord, EventRecord } from '../../model/report.js';
import type { SegmentDetail } from '../../model/segments.js';
import { chart, legend, PALETTE } from './chart.js';
import { endpointText, offset, seconds } from './format.js';
import { html, type Html } from './template.js';
import { httpOf } from '../../model/http.js';
import { waterfallSection } from './waterfall.js';

/** Zero-window probes and keep-alive probes (their acks too): one colour in the ladder and the graph. */
const isProbe = (classes: readonly string[]): boolean => classes.some((k) => /robe|eepAlive|keep-alive/.test(k));

const FIN = 0x01;
const SYN = 0x02;
const RST = 0x04;
const PSH = 0x08;
const ACK = 0x10;

/** The segments of a connection as drawn, with what the engine classified on the same frames. */
interface Drawn extends SegmentDetail {
  classes: readonly string[];
  /** Drawn from an event that kept no flags, ACK or window (NAMED_LATER). */
  unknownFlags?: boolean;
}

const EVENT_FLAGS: Partial<Record<EventRecord['kind'], number>> = { syn: SYN, 'syn-ack': SYN | ACK, fin: FIN | ACK, rst: RST };
/**
 * Events that name an earlier, plain segment (a lost segment's first transmission, the last data
 * before an idle period): the record keeps its seq and length only, so drawn from the events alone
 * its flags, ACK and window are unknown and shown as such, not as a bare segment without an ACK.
 */
const NAMED_LATER: ReadonlySet<EventRecord['kind']> = new Set(['first-transmission', 'last-data']);

function segmentsOf(c: ConnectionRecord, detail: SegmentDetail[] | undefined): Drawn[] {
  const classes = new Map<number, string[]>();
  for (const e of c.events) {
    const list = classes.get(e.frame) ?? [];
    list.push(...(e.classes ?? []), e.kind);
    classes.set(e.frame, list);
  }
  if (detail !== undefined) return detail.map((s) => ({ ...s, classes: classes.get(s.frame) ?? [] }));
  const seen = new Set<number>();
  const out: Drawn[] = [];
  for (const e of c.events) {
    if (seen.has(e.frame)) continue;
    seen.add(e.frame);
    out.push({
      frame: e.frame, time: e.time, fromClient: e.by === 'client', flags: (EVENT_FLAGS[e.kind] ?? 0) | (e.ack >= 0 ? ACK : 0),
      seq: e.seq, ack: e.ack, len: e.len, window: e.window, classes: classes.get(e.frame) ?? [], unknownFlags: NAMED_LATER.has(e.kind),
    });
  }
  return out;
}

function flagText(flags: number): string {
  return [[SYN, 'SYN'], [FIN, 'FIN'], [RST, 'RST'], [PSH, 'PSH'], [ACK, 'ACK']].filter(([b]) => flags & (b as number)).map(([, n]) => n).join(',');
}

/** Retransmission classes and kinds ('retransmission', 'fastRetransmission' …), not 'first-transmission'. */
function isRetransmission(s: Drawn): boolean {
  return s.classes.some((k) => /etransmission/.test(k) && k !== 'first-transmission');
}

/** What the ladder writes of a segment's flags, ACK and window; '?' where the record kept none. */
function headerText(s: Drawn): { flags: string; ack: string; window: string } {
  if (s.unknownFlags === true) return { flags: '?', ack: '?', window: '?' };
  return { flags: flagText(s.flags), ack: s.ack < 0 ? '-' : String(s.ack), window: s.window < 0 ? '-' : String(s.window) };
}

export function renderConnectionDetail(c: ConnectionRecord, detail: SegmentDetail[] | undefined, evidence: ReadonlySet<number>, start: number, note: string | null): Html {
  const segs = segmentsOf(c, detail);
  const source = detail !== undefined
    ? `${segs.length} segment(s), every one the capture holds for this connection`
    : `${segs.length} notable segment(s) the analysis kept of ${c.packets.client + c.packets.server} (${note ?? 'the capture was not read again'})`;
  return html`<article class="conn" id="conn-${c.id}"><h3>Connection #${c.id}: ${endpointText(c.client)} → ${endpointText(c.server)}</h3>
<p>${c.packets.client + c.packets.server} packets, frames ${c.firstFrame}–${c.lastFrame}, ${offset(c.startEpoch, start)} for ${seconds(c.durationSec)};
final states client ${c.finalState.client}, server ${c.finalState.server}. Drawn from ${source}.</p>
<div class="pair">${ladder(c, segs, evidence, start)}${timeSequence(c, segs, start)}</div>
${waterfallSection(c, httpOf(c), start)}</article>`;
}

const LADDER_MAX = 120;
/** Segments up to which every mark of a time-sequence graph has its own hover text. */
const MARKS_WITH_TITLES = 400;

/** Client and server as two vertical lines, one arrow per segment; long quiet gaps compressed and labelled. */
function ladder(c: ConnectionRecord, all: Drawn[], evidence: ReadonlySet<number>, start: number): Html {
  let segs: (Drawn | { omitted: number })[] = all;
  if (all.length > LADDER_MAX) {
    // The first and last segments, and those around the evidence frames: where the story is.
    const keep = new Set<number>();
    all.forEach((s, i) => {
      if (i < 30 || i >= all.length - 30 || evidence.has(s.frame)) for (let k = Math.max(0, i - 3); k <= Math.min(all.length - 1, i + 3); k++) keep.add(k);
    });
    const picked = [...keep].sort((a, b) => a - b).slice(0, LADDER_MAX);
    segs = [];
    let last = -1;
    for (const i of picked) {
      if (i > last + 1) segs.push({ omitted: i - last - 1 });
      segs.push(all[i]!);
      last = i;
    }
    if (last < all.length - 1) segs.push({ omitted: all.length - 1 - last });
  }
  const step = 18;
  // Each segment takes a step, each labelled quiet gap 8 px more: counted first, the SVG's height is exact.
  let gaps = 0;
  let before: number | null = null;
  for (const s of segs) {
    if ('omitted' in s) before = null;
    else {
      if (before !== null && s.time - before > 1) gaps++;
      before = s.time;
    }
  }
  const height = 50 + segs.length * step + gaps * 8 + 30;
  const { svg, fill, done } = chart(520, height, `Ladder diagram of connection ${c.id}`, 'ladder');
  const cx = 110;
  const sx = 410;
  svg.append('text').attr('x', cx).attr('y', 14).attr('text-anchor', 'middle').attr('class', 'chart-title').text(`client ${endpointText(c.client)}`);
  svg.append('text').attr('x', sx).attr('y', 14).attr('text-anchor', 'middle').attr('class', 'chart-title').text(`server ${endpointText(c.server)}`);
  svg.append('line').attr('x1', cx).attr('x2', cx).attr('y1', 22).attr('y2', height - 26).attr('class', 'axis-line');
  svg.append('line').attr('x1', sx).attr('x2', sx).attr('y1', 22).attr('y2', height - 26).attr('class', 'axis-line');
  let y = 40;
  let prevTime: number | null = null;
  const marks: Html[] = [];
  for (const s of segs) {
    if ('omitted' in s) {
      marks.push(html`<text x="260" y="${y + 4}" text-anchor="middle" class="gap">⋮ ${s.omitted} segment(s) not drawn ⋮</text>`);
      y += step;
      prevTime = null;
      continue;
    }
    if (prevTime !== null && s.time - prevTime > 1) {
      y += 8;
      marks.push(html`<text x="260" y="${y - 8}" text-anchor="middle" class="gap">… ${seconds(s.time - prevTime)} …</text>`);
    }
    prevTime = s.time;
    const [x1, x2] = s.fromClient ? [cx, sx] : [sx, cx];
    const color = s.flags & RST ? PALETTE.vermillion : s.flags & (SYN | FIN) ? PALETTE.green
      : s.classes.includes('zeroWindow') || s.classes.includes('zero-window') ? '#b8860b'
      : isProbe(s.classes) ? PALETTE.purple : isRetransmission(s) ? PALETTE.orange : 'currentColor';
    const h = headerText(s);
    const title = `frame ${s.frame}, ${offset(s.time, start)}: ${s.fromClient ? 'client → server' : 'server → client'} ${h.flags}` +
      ` seq ${s.seq} ack ${h.ack} len ${s.len} window ${h.window}${s.classes.length > 0 ? ` (${[...new Set(s.classes)].join(', ')})` : ''}`;
    marks.push(html`<g class="${evidence.has(s.frame) ? 'seg evidence' : 'seg'}">${[
      html`<line x1="${x1}" x2="${x2 + (x2 > x1 ? -6 : 6)}" y1="${y}" y2="${y + 8}" stroke="${color}" stroke-width="1.5"></line>`,
      html`<path d="${x2 > x1 ? `M${x2},${y + 9}l-8,-5l1,6z` : `M${x2},${y + 9}l8,-5l-1,6z`}" fill="${color}"></path>`,
      html`<text x="260" y="${y + 2}" text-anchor="middle" class="seg-label">${h.flags} seq=${s.seq} ack=${h.ack} len=${s.len} win=${h.window}</text>`,
      html`<text x="${s.fromClient ? cx - 6 : sx + 6}" y="${y + 4}" text-anchor="${s.fromClient ? 'end' : 'start'}" class="frame-no">#${s.frame} ${offset(s.time, start)}</text>`,
      html`<title>${title}</title>`,
    ]}</g>`);
    y += step;
  }
  fill(svg.append('g').attr('class', 'segs'), marks);
  legend(svg, 10, height - 14, [
    { label: 'SYN/FIN', color: PALETTE.green, mark: 'line' }, { label: 'RST', color: PALETTE.vermillion, mark: 'line' },
    { label: 'retransmission', color: PALETTE.orange, mark: 'line' }, { label: 'zero window', color: '#b8860b', mark: 'line' },
    { label: 'probe / keep-alive', color: PALETTE.purple, mark: 'line' },
  ]);
  return done();
}

/**
 * Stevens / tcptrace time-sequence graph of the side that sent more data: a vertical bar per data
 * segment (retransmissions in orange), the peer's ACK line and its window's upper edge (ACK + window);
 * SYN/FIN/RST, zero windows, probes and duplicate ACKs marked.
 */
function timeSequence(c: ConnectionRecord, segs: Drawn[], start: number): Html {
  const senderIsClient = c.uniqueBytes.client >= c.uniqueBytes.server;
  const width = 560;
  const height = 420;
  const { d3, svg, done } = chart(width, height, `Time-sequence graph of connection ${c.id}`, 'tseq');
  const sent = segs.filter((s) => s.fromClient === senderIsClient);
  const acks = segs.filter((s) => s.fromClient !== senderIsClient && s.ack >= 0);
  const t0 = segs.length > 0 ? segs[0]!.time : c.startEpoch;
  const t1 = Math.max(t0 + 1e-3, segs.length > 0 ? segs[segs.length - 1]!.time : c.endEpoch);
  // The window edge may sit far above the data (64 KiB open, 200 bytes sent): then it is clamped at the top.
  // Loops, not Math.max(...list): a long transfer has more segments than a call may take arguments.
  let maxData = 1;
  for (const s of sent) maxData = Math.max(maxData, s.seq + s.len);
  let maxEdge = 0;
  for (const s of acks) {
    maxData = Math.max(maxData, s.ack);
    maxEdge = Math.max(maxEdge, s.ack + s.window);
  }
  const maxSeq = maxEdge <= 3 * maxData ? Math.max(maxData, maxEdge) : maxData * 1.25;
  const x = d3.scaleLinear().domain([t0, t1]).range([70, width - 20]);
  const y = d3.scaleLinear().domain([0, maxSeq]).nice().range([height - 60, 24]).clamp(true);
  svg.append('text').attr('x', 70).attr('y', 14).attr('class', 'chart-title')
    .text(`${senderIsClient ? 'client' : 'server'} → ${senderIsClient ? 'server' : 'client'}: relative sequence number over time`);
  for (const tick of y.ticks(6)) {
    svg.append('line').attr('class', 'gridline').attr('x1', 70).attr('x2', width - 12).attr('y1', y(tick)).attr('y2', y(tick));
    svg.append('text').attr('class', 'tick').attr('x', 64).attr('y', y(tick) + 4).attr('text-anchor', 'end').text(d3.format('~s')(tick));
  }
  for (let i = 0; i <= 4; i++) {
    const t = t0 + (i / 4) * (t1 - t0);
    svg.append('text').attr('class', 'tick').attr('x', x(t)).attr('y', height - 44).attr('text-anchor', i === 4 ? 'end' : 'middle').text(offset(t, start));
  }
  const step = (pts: [number, number][]) => d3.line().curve(d3.curveStepAfter)(pts) ?? '';
  if (acks.length > 0) {
    svg.append('path').attr('d', step(acks.map((s) => [x(s.time), y(s.ack)]))).attr('fill', 'none').attr('stroke', PALETTE.green).attr('stroke-width', 1.5);
    svg.append('path').attr('d', step(acks.map((s) => [x(s.time), y(s.ack + s.window)]))).attr('fill', 'none').attr('stroke', PALETTE.sky).attr('stroke-width', 1.5);
  }
  // Beyond this many segments, the ordinary marks (data in sequence, duplicate-ACK ticks) are drawn
  // as one path each: a mark per segment with its own hover text cost the 181 k-connection report
  // most of its chart time and cannot be told apart at this width anyway. Retransmissions, probes,
  // zero windows and SYN/FIN/RST keep a mark and a hover text each.
  const bulk = segs.length > MARKS_WITH_TITLES;
  let dupTicks = '';
  let dataBars = '';
  // Placed before the other marks, so the retransmissions and probes are drawn over it.
  const bars = svg.append('path').attr('class', 'data-bars').attr('fill', 'none');
  let lastAck = -1;
  for (const s of acks) {
    const dup = s.ack === lastAck && s.len === 0 && !(s.flags & (SYN | FIN | RST));
    lastAck = s.ack;
    if (s.window === 0 || s.classes.includes('zeroWindow')) {
      svg.append('circle').attr('cx', x(s.time)).attr('cy', y(s.ack)).attr('r', 3.5).attr('fill', PALETTE.yellow).attr('stroke', '#8a6d00')
        .append('title').text(`zero window, frame ${s.frame}, ${offset(s.time, start)}`);
    } else if (dup || s.classes.includes('duplicateAck')) {
      if (bulk) dupTicks += `M${x(s.time)},${y(s.ack) - 4}v8`;
      else {
        svg.append('line').attr('x1', x(s.time)).attr('x2', x(s.time)).attr('y1', y(s.ack) - 4).attr('y2', y(s.ack) + 4).attr('stroke', PALETTE.green)
          .append('title').text(`duplicate ACK, frame ${s.frame}`);
      }
    }
  }
  let highest = 0;
  for (const s of sent) {
    const control = s.flags & (SYN | FIN | RST);
    const retrans = isRetransmission(s) || (s.len > 0 && s.seq + s.len <= highest);
    const probe = isProbe(s.classes);
    highest = Math.max(highest, s.seq + s.len);
    if (s.len > 0) {
      const y1 = y(s.seq);
      const y2 = Math.min(y1 - 2, y(s.seq + s.len));
      if (bulk && !retrans && !probe) dataBars += `M${x(s.time)},${y1}V${y2}`;
      else {
        svg.append('line').attr('x1', x(s.time)).attr('x2', x(s.time)).attr('y1', y1).attr('y2', y2)
          .attr('stroke', probe ? PALETTE.purple : retrans ? PALETTE.orange : 'currentColor').attr('stroke-width', retrans || probe ? 2.5 : 1.2)
          .append('title').text(`frame ${s.frame}, ${offset(s.time, start)}: seq ${s.seq}–${s.seq + s.len}${retrans ? ' retransmission' : ''}${probe ? ' probe' : ''}`);
      }
    } else if (probe) {
      svg.append('path').attr('d', `M${x(s.time)},${y(s.seq) - 5}l4,5l-4,5l-4,-5z`).attr('fill', PALETTE.purple)
        .append('title').text(`probe, frame ${s.frame}, ${offset(s.time, start)}`);
    }
    if (control) {
      const label = s.flags & RST ? 'R' : s.flags & SYN ? 'S' : 'F';
      svg.append('text').attr('x', x(s.time)).attr('y', y(s.seq) - 6).attr('text-anchor', 'middle')
        .attr('class', 'ctl').attr('fill', s.flags & RST ? PALETTE.vermillion : PALETTE.green).text(label)
        .append('title').text(`${flagText(s.flags)} frame ${s.frame}`);
    }
  }
  if (dataBars !== '') {
    bars.attr('d', dataBars).attr('stroke', 'currentColor').attr('stroke-width', 1.2)
      .append('title').text(`${sent.length} segments sent; the data in sequence drawn as one path (retransmissions, probes and SYN/FIN/RST have their own hover texts)`);
  } else bars.remove();
  if (dupTicks !== '') {
    svg.append('path').attr('class', 'dup-acks').attr('d', dupTicks).attr('fill', 'none').attr('stroke', PALETTE.green)
      .append('title').text('duplicate ACKs');
  }
  legend(svg, 10, height - 30, [
    { label: 'data', color: 'currentColor', mark: 'line' }, { label: 'retransmission', color: PALETTE.orange, mark: 'line' },
    { label: 'ACK', color: PALETTE.green, mark: 'line' }, { label: 'window edge', color: PALETTE.sky, mark: 'line' },
  ]);
  legend(svg, 10, height - 14, [
    { label: 'zero window', color: PALETTE.yellow }, { label: 'probe / keep-alive', color: PALETTE.purple },
    { label: 'S/F/R: SYN FIN RST', color: PALETTE.green },
  ]);
  return done();
}
