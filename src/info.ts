import { isoTime } from './capture/frame.js';
import type { CaptureProblem } from './capture/errors.js';
import { captureSpan, readCaptures, type FileSummary, type ReadOptions } from './capture/reader.js';
import { Decoder, type EncapsulationSummary } from './decode/decoder.js';
import type { TunnelOptions } from './decode/tunnel-ports.js';
import { linkTypeName } from './decode/linktypes.js';
import { DecodeStatus, type DecodeStatusName } from './decode/status.js';

/** What `tcp-postmortem info` reports: capinfos' facts plus how many frames were TCP. */
export interface CaptureInfo {
  files: FileInfo[];
  /** Records numbered as frames (Wireshark's count). */
  frames: number;
  packets: number;
  tcpSegments: number;
  firstTime: string | null;
  lastTime: string | null;
  firstEpoch: string | null;
  lastEpoch: string | null;
  durationSec: number | null;
  decode: Record<DecodeStatusName, number>;
  /** Tunnels and overlays unwrapped (see the analyze JSON's capture.encapsulation). */
  encapsulation: EncapsulationSummary;
  /** A few frame numbers of malformed or truncated frames, as evidence. */
  damagedFrames: number[];
  problems: CaptureProblem[];
}

export interface FileInfo {
  name: string;
  format: string;
  compressed: boolean;
  byteOrder: string;
  timestampResolution: string;
  sections: number;
  interfaces: { id: number; section: number; linkType: number; linkTypeName: string; snaplen: number; name?: string; timestampDigits: number }[];
  frames: number;
  packets: number;
  bytes: number;
  packetsByLinkType: Record<string, number>;
  firstTime: string | null;
  lastTime: string | null;
  complete: boolean;
}

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
