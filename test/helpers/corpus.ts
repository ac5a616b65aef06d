/**
 * Where the shared test corpus lives (public captures + tshark reference answers; see its README.md).
 *
 * The corpus is not part of this repository. Tests that need it call `corpusOrSkip()` first: on a
 * fresh clone without it, that registers a single passing placeholder test whose title says where the
 * corpus was looked for, and logs loudly, so `npm test` stays green and says what it did not check.
 */
import test from 'ava';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

const CORPUS_ENV = 'TCP_POSTMORTEM_CORPUS';

/** The configured corpus location (absolute), whether or not it exists. */
function corpusLocation(): string {
  const configured = process.env[CORPUS_ENV];
  return resolve(process.cwd(), configured !== undefined && configured !== '' ? configured : '../shared/corpus');
}

/** The corpus directory if it exists (it must contain `captures/` and `reference/`), else null. */
export function corpusDir(): string | null {
  const dir = corpusLocation();
  try {
    if (statSync(join(dir, 'captures')).isDirectory() && statSync(join(dir, 'reference')).isDirectory()) return dir;
  } catch {
    // absent
  }
  return null;
}

let placeholderRegistered = false;

/**
 * Returns the corpus directory, or registers ONE passing placeholder test for the calling file
 * (`SKIPPED: corpus not found at … (set TCP_POSTMORTEM_CORPUS)`) and returns null. Call at module
 * level and register the corpus tests only when the result is not null.
 */
export function corpusOrSkip(): string | null {
  const dir = corpusDir();
  if (dir !== null) return dir;
  if (!placeholderRegistered) {
    placeholderRegistered = true;
    const title = `SKIPPED: corpus not found at ${corpusLocation()} (set ${CORPUS_ENV})`;
    test(title, (t) => {
      const message = `${title}: the tests against the shared corpus did not run`;
      t.log(message);
      console.warn(`\n*** ${message} ***\n`);
      t.pass();
    });
  }
  return null;
}

/** Absolute paths of every file in `captures/`, sorted by name. Empty when the corpus is absent. */
export function listCaptures(): string[] {
  const dir = corpusDir();
  if (dir === null) return [];
  const captures = join(dir, 'captures');
  return readdirSync(captures)
    .sort()
    .map((name) => join(captures, name))
    .filter((path) => statSync(path).isFile());
}

/** The path of one corpus capture by file name, e.g. `zeek-http-get.pcap`. */
export function capturePath(fileName: string): string | null {
  const dir = corpusDir();
  if (dir === null) return null;
  const path = join(dir, 'captures', fileName);
  return existsSync(path) ? path : null;
}

/** `foo.pcapng` -> `foo` (the reference name: the file name minus its last extension). */
export function referenceName(captureFile: string): string {
  const name = basename(captureFile);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

/** The parts of reference/NAME.json that the capture tests use (see the corpus README). */
export interface Reference {
  capture: string;
  file_header: {
    file_size?: number;
    format: 'pcap' | 'pcapng' | 'unknown';
    byte_order?: 'little' | 'big';
    ts_resolution?: 'us' | 'ns';
    version?: string;
    snaplen?: number;
    linktype?: number;
    sections?: number;
    section_byte_orders?: ('little' | 'big')[];
    interfaces?: { section: number; linktype: number; snaplen: number }[];
    block_counts?: Record<string, number>;
    structure_problems?: unknown;
    first_bytes_hex?: string;
  };
  capinfos: Record<string, unknown> & {
    exit_status: number;
    'Number of packets'?: string;
    'First packet time'?: string;
    'Last packet time'?: string;
  };
  tshark: {
    exit_status: number;
    stderr?: string[];
    frames_dissected: number;
    frames_per_interface?: Record<string, number>;
    frames_per_section?: Record<string, number>;
    linktypes_in_use: Record<string, number>;
    tcp_frames: number;
    tcp_frames_ipv4?: number;
    tcp_frames_ipv6?: number;
    tcp_frames_with_vlan?: number;
    tcp_headers_inside_icmp_errors: { count: number; frames: number[] };
    tcp_frames_without_stream: { count: number; frames: number[] };
    malformed_frames?: { count: number; frames: number[] };
    tcp_stream_count?: number;
  };
  summary?: Record<string, unknown>;
  streams?: Record<string, unknown>[];
}

/**
 * reference/NAME.json for a capture, given as a path or file name (`foo.pcapng` -> NAME `foo`) or as
 * a bare reference name without a dot. Null when absent.
 */
export function loadReference(name: string): Reference | null {
  const dir = corpusDir();
  if (dir === null) return null;
  const refName = referenceName(name);
  const path = join(dir, 'reference', `${refName}.json`);
  if (!existsSync(path)) return null;
  return JSON.parse(readFileSync(path, 'utf8')) as Reference;
}

const TEREDO_BLIND =
  'Teredo on UDP ports other than 3544 (after qualification) is found by Zeek\'s heuristic, which we follow; ' +
  'Wireshark 4.0 has its Teredo heuristic off by default, so tshark sees neither these frames nor their connection';

/** Connections that tshark (4.0, the corpus's pinned preferences) does not see, per capture, and why. */
export const TSHARK_BLIND: Record<string, { why: string; encapsulation: string }> = {
  'zeek-http-tunnel-teredo.pcap': { why: TEREDO_BLIND, encapsulation: 'teredo' },
  'zeek-http-tunnel-teredo-bubble-with-payload.pcap': { why: TEREDO_BLIND, encapsulation: 'teredo' },
};

/** Our connections as tshark numbers them: those it cannot see (TSHARK_BLIND) left out, the rest in order. */
export function asTsharkSees<T extends { tunnel: string[] }>(captureFile: string, connections: readonly T[]): T[] {
  const blind = TSHARK_BLIND[captureFile];
  if (blind === undefined) return [...connections];
  return connections.filter((c) => !c.tunnel.some((layers) => layers.split(' / ').some((l) => l.startsWith(blind.encapsulation))));
}
