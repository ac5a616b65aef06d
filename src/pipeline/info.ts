import { isoTime } from '../capture/frame.js';
import { captureSpan, readCaptures, type FileSummary, type ReadOptions } from '../capture/reader.js';
import { Decoder } from '../decode/decoder.js';
import type { CaptureInfo, FileInfo } from '../model/info.js';
import type { TunnelOptions } from '../decode/tunnel-ports.js';
import { linkTypeName } from '../decode/linktypes.js';
import { DecodeStatus } from '../decode/status.js';

export async function captureInfo(paths: readonly string[], options: ReadOptions & TunnelOptions = {}): Promise<CaptureInfo> {
  const decoder = new Decoder(options);
  let frames = 0;
  let tcp = 0;
  const summaries = await readCaptures(paths, (frame) => {
    frames++;
    if (decoder.decode(frame) === DecodeStatus.Tcp) tcp++;
  }, options);
  return buildInfo(summaries, frames, tcp, decoder);
}

function buildInfo(summaries: FileSummary[], frames: number, tcpSegments: number, decoder: Decoder): CaptureInfo {
  const { endSeconds: _end, ...span } = captureSpan(summaries);
  return {
    files: summaries.map(fileInfo),
    frames,
    packets: summaries.reduce((n, s) => n + s.packets, 0),
    tcpSegments,
    ...span,
    decode: decoder.countsByName(),
    encapsulation: decoder.encapsulation(),
    damagedFrames: [...decoder.damagedFrames, ...decoder.fragments.droppedFrames].sort((a, b) => a - b).slice(0, 20),
    problems: summaries.flatMap((s) => s.problems),
  };
}

function fileInfo(s: FileSummary): FileInfo {
  const byLink: Record<string, number> = {};
  for (const [lt, n] of s.linkTypes) byLink[String(lt)] = n;
  return {
    name: s.name,
    format: s.format.format,
    compressed: s.compressed,
    byteOrder: s.format.byteOrder,
    timestampResolution: s.format.tsResolution,
    sections: s.format.sections,
    interfaces: s.format.interfaces.map((i) => ({
      id: i.id, section: i.section, linkType: i.linkType, linkTypeName: linkTypeName(i.linkType), snaplen: i.snaplen,
      ...(i.name !== undefined ? { name: i.name } : {}), timestampDigits: i.tsDigits,
    })),
    frames: s.records,
    packets: s.packets,
    bytes: s.bytes,
    packetsByLinkType: byLink,
    firstTime: s.firstSec === null ? null : isoTime(s.firstSec, s.firstNsec),
    lastTime: s.lastSec === null ? null : isoTime(s.lastSec, s.lastNsec),
    complete: s.complete,
  };
}
