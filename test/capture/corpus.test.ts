/**
 * Every capture of the shared corpus against tshark's and capinfos' answers (reference/NAME.json):
 * frame and packet counts, first/last packet time, TCP segments, link types, file-header facts, and
 * the three damaged files.
 */
import test from 'ava';
import { basename } from 'node:path';
import { captureInfo } from '../../src/pipeline/info.js';
import type { CaptureInfo } from '../../src/model/info.js';
import { CaptureError } from '../../src/capture/errors.js';
import { corpusOrSkip, listCaptures, loadReference, TSHARK_BLIND, type Reference } from '../helpers/corpus.js';

const corpus = corpusOrSkip();

/** capinfos prints 6 or 9 fraction digits, we always 9: equal when capinfos' digits padded with zeros equal ours. */
function sameEpoch(ours: string | null, capinfos: string): boolean {
  if (ours === null) return false;
  const [sec, frac = ''] = capinfos.split('.');
  return ours === `${sec}.${frac.padEnd(9, '0')}`;
}

/** Files whose damage or non-format is checked by their own tests below. */
const SPECIAL = new Set(['pcapparser-malformed.pcap', 'sv-tls-der-incomplete-header.pcap', 'sv-http-mime-truncated.pcap']);

function checkAgainstReference(t: import('ava').ExecutionContext, info: CaptureInfo, ref: Reference, name: string): void {
  const ts = ref.tshark;
  const cap = ref.capinfos;
  const file = info.files[0]!;

  t.is(info.frames, ts.frames_dissected, 'frames == tshark frames_dissected');
  t.is(file.frames, ts.frames_dissected, 'per-file frames');

  const packets = cap['Number of packets'];
  if (packets !== undefined) t.is(info.packets, Number(packets), 'packets == capinfos "Number of packets"');

  const first = cap['First packet time'];
  const last = cap['Last packet time'];
  if (first !== undefined) {
    if (first === 'n/a') t.is(info.firstEpoch, null, 'no first packet');
    else t.true(sameEpoch(info.firstEpoch, first), `first packet time ${info.firstEpoch} vs capinfos ${first}`);
  }
  if (last !== undefined) {
    if (last === 'n/a') t.is(info.lastEpoch, null, 'no last packet');
    else t.true(sameEpoch(info.lastEpoch, last), `last packet time ${info.lastEpoch} vs capinfos ${last}`);
  }

  const expectedTcp = ts.tcp_frames - ts.tcp_headers_inside_icmp_errors.count - ts.tcp_frames_without_stream.count;
  const blind = TSHARK_BLIND[name];
  // Frames of a tunnel tshark does not decode (see TSHARK_BLIND) are TCP segments to us, not to it.
  const unseen = blind === undefined ? 0 : (info.encapsulation.frames as Record<string, number>)[blind.encapsulation] ?? 0;
  if (blind !== undefined) t.true(unseen > 0, `${name}: ${blind.why}`);
  t.is(info.tcpSegments - unseen, expectedTcp, 'TCP segments == tcp_frames - ICMP-quoted - without stream');
  t.is(info.decode.tcp - unseen, expectedTcp, 'decode.tcp');

  const expectedLinks: Record<string, number> = {};
  for (const [lt, n] of Object.entries(ts.linktypes_in_use)) if (lt !== 'none') expectedLinks[lt] = n;
  t.deepEqual(file.packetsByLinkType, expectedLinks, 'link types in use');
  t.is(info.decode.noPacket, ts.linktypes_in_use['none'] ?? 0, 'records without a packet');

  // Every frame is accounted for by exactly one decode outcome.
  t.is(Object.values(info.decode).reduce((a, b) => a + b, 0), info.frames, 'decode outcomes add up to the frames');

  const h = ref.file_header;
  t.is(file.format, h.format, 'format');
  if (h.format === 'pcap') {
    t.is<unknown, unknown>(file.byteOrder, h.byte_order, 'pcap byte order');
    t.is<unknown, unknown>(file.timestampResolution, h.ts_resolution, 'pcap timestamp resolution');
    t.is(file.sections, 1);
    t.is(file.interfaces.length, 1);
    t.is<unknown, unknown>(file.interfaces[0]!.linkType, h.linktype, 'pcap link type');
    t.is<unknown, unknown>(file.interfaces[0]!.snaplen, h.snaplen, 'pcap snaplen');
    t.is(file.interfaces[0]!.timestampDigits, h.ts_resolution === 'ns' ? 9 : 6);
  } else {
    t.is<unknown, unknown>(file.sections, h.sections, 'pcapng sections');
    t.is<unknown, unknown>(file.byteOrder, h.section_byte_orders?.[0], 'byte order of the first section');
    t.deepEqual(
      file.interfaces.map((i) => ({ section: i.section, linktype: i.linkType, snaplen: i.snaplen })),
      h.interfaces,
      'pcapng interfaces (section, link type, snaplen) in file order',
    );
    t.deepEqual(file.interfaces.map((i) => i.id), file.interfaces.map((_, k) => k), 'interface ids are global and in file order');
  }
  t.true(file.complete, 'read to the end');
  t.deepEqual(info.problems, [], 'no problems');
}

if (corpus !== null) {
  const captures = listCaptures();

  test('the corpus has captures and a reference for each', (t) => {
    t.true(captures.length >= 50, `${captures.length} captures`);
    for (const path of captures) t.not(loadReference(path), null, `reference for ${basename(path)}`);
  });

  for (const path of captures) {
    const name = basename(path);
    if (SPECIAL.has(name)) continue;
    test(`corpus ${name}: matches tshark/capinfos`, async (t) => {
      const ref = loadReference(path);
      if (ref === null) return t.fail(`no reference for ${name}`);
      const info = await captureInfo([path]);
      checkAgainstReference(t, info, ref, basename(path));
    });
  }

  test('corpus pcapparser-malformed.pcap: a CaptureError naming the file, "not a capture file"', async (t) => {
    const path = captures.find((p) => basename(p) === 'pcapparser-malformed.pcap');
    if (path === undefined) return t.fail('capture missing');
    const ref = loadReference(path)!;
    t.is(ref.file_header.format, 'unknown');
    const err = await t.throwsAsync(captureInfo([path]), { instanceOf: CaptureError });
    t.truthy(err);
    t.true(err!.message.includes(path), err!.message);
    t.true(err!.message.includes('not a capture file'), err!.message);
    t.is((err as CaptureError).file, path);
    t.is((err as CaptureError).offset, 0);
  });

  test('corpus sv-tls-der-incomplete-header.pcap: 6 frames and one fatal damaged-record problem at byte 5035', async (t) => {
    const path = captures.find((p) => basename(p) === 'sv-tls-der-incomplete-header.pcap');
    if (path === undefined) return t.fail('capture missing');
    const ref = loadReference(path)!;
    const info = await captureInfo([path]);
    t.is(info.frames, 6);
    t.is(info.frames, ref.tshark.frames_dissected);
    t.is(info.packets, 6);
    t.is(info.tcpSegments, 6);
    t.is(info.problems.length, 1);
    const p = info.problems[0]!;
    t.is(p.kind, 'damaged-record');
    t.true(p.fatal);
    t.is(p.offset, 5035);
    t.is(p.file, path);
    t.regex(p.message, /4325376/, 'the absurd length is named');
    t.false(info.files[0]!.complete);
    t.deepEqual(info.files[0]!.packetsByLinkType, { '1': 6 });
  });

  test('corpus sv-http-mime-truncated.pcap: 2696 frames and a truncated-record problem', async (t) => {
    const path = captures.find((p) => basename(p) === 'sv-http-mime-truncated.pcap');
    if (path === undefined) return t.fail('capture missing');
    const ref = loadReference(path)!;
    const info = await captureInfo([path]);
    t.is(info.frames, 2696);
    t.is(info.frames, ref.tshark.frames_dissected);
    t.is(info.packets, Number(ref.capinfos['Number of packets']));
    t.true(sameEpoch(info.firstEpoch, ref.capinfos['First packet time']!));
    t.true(sameEpoch(info.lastEpoch, ref.capinfos['Last packet time']!));
    t.is(info.tcpSegments, ref.tshark.tcp_frames);
    const truncated = info.problems.filter((p) => p.kind === 'truncated-record');
    t.is(info.problems.length, 1);
    t.is(truncated.length, 1);
    t.true(truncated[0]!.fatal);
    t.is(truncated[0]!.file, path);
    // The file is 2,715,460 bytes; the 2,697th record header starts at 2,715,459 and has 1 byte.
    t.is(truncated[0]!.offset, 2_715_459);
    t.false(info.files[0]!.complete);
  });
}
