/**
 * Agreement with Zeek's http.log baselines (corpus README, "HTTP corpus"): every corpus capture
 * with a `.zeek-http.log` runs capture -> decode -> stream reassembly -> HTTP, and each Zeek row is
 * compared with our transaction of the same connection (by id.*) and trans_depth on method, uri
 * (percent-decoded, as Zeek logs it), version, status and body lengths where the baseline has them.
 * Rows are matched by 4-tuple, or, in cut baselines without id.* columns, by btest's uid order.
 * 95 % raw agreement is not reached: the largest group of remaining rows is Zeek's MIME reader
 * adding a CRLF the body never had (2 bytes over what was declared and sent), which we deliberately do
 * not copy; every difference is named in EXPECTED_DIFFERENCES.
 */
import test from 'ava';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { readCaptures } from '../../src/capture/reader.js';
import { Decoder } from '../../src/decode/decoder.js';
import { DecodeStatus } from '../../src/decode/status.js';
import { ACK, SYN } from '../../src/decode/segment.js';
import { formatAddress } from '../../src/decode/address.js';
import { StreamReassembly } from '../../src/tcp/stream-reassembly.js';
import { HttpConnection } from '../../src/http/http-connection.js';
import { decodeHttp, encodeHttp, type HttpJson } from '../../src/http/http-record.js';
import { ByteWriter } from '../../src/tcp/varint.js';
import { corpusOrSkip, listCaptures, referenceName } from '../helpers/corpus.js';

interface Flow { key: string; order: number; client: 0 | 1; a: string; b: string; r: StreamReassembly; http: HttpConnection; json?: HttpJson }

/**
 * The connection uids Zeek's btest runs hand out, in creation order: btest seeds Zeek's random source,
 * so the k-th connection a run creates always gets the k-th uid of this list (the full baselines, which
 * have uid and 4-tuple, show it). Cut baselines without id.* columns are matched through it.
 */
const BTEST_UIDS = [
  'CHhAvVGS1DHFjwGM9', 'ClEkJM2Vm5giqnMf4h', 'C4J4Th3PJpwUYZZ6gc', 'CtPZjS20MLrsMUOJi2', 'CUM0KZ3MLUfNB0cl11',
  'CmES5u32sYpV7JYN', 'CP5puj4I8PtEU4qzYg', 'C37jN32gN3y3AZzyf6', 'C3eiCBGOLw3VtHfOj', 'CwjjYJ2WqgTbAqiHl6',
];

/** Zeek's printed address (IPv6 bare) to ours. */
function endpoint(host: string, port: string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

async function analyse(path: string): Promise<Map<string, Flow>> {
  const decoder = new Decoder();
  const flows = new Map<string, Flow>();
  await readCaptures([path], (frame) => {
    if (decoder.decode(frame) !== DecodeStatus.Tcp) return;
    const s = decoder.segment;
    const src = endpoint(formatAddress(s.addr, 0, s.ipVersion), String(s.srcPort));
    const dst = endpoint(formatAddress(s.addr, 4, s.ipVersion), String(s.dstPort));
    const key = src < dst ? `${src} ${dst}` : `${dst} ${src}`;
    let f = flows.get(key);
    if (f === undefined) {
      const http = new HttpConnection();
      f = { key, order: flows.size, client: 0, a: src, b: dst, r: new StreamReassembly(http), http };
      if ((s.flags & (SYN | ACK)) === (SYN | ACK)) f.client = 1;
      flows.set(key, f);
    }
    f.r.add(s, src === f.a ? 0 : 1);
  });
  const w = new ByteWriter();
  for (const f of flows.values()) {
    f.r.finish();
    f.http.finish();
    // Read back as the run keeps it: the record is what the report is made from.
    encodeHttp(f.http, f.client, w);
    f.json = decodeHttp(w.bytes, 0, w.length);
  }
  return flows;
}

/** A message's body length as Zeek logs it: after Content-Encoding is undone where we counted that, else delivered plus lost. */
function bodyLength(m: { bodyDecoded: number | null; bodyDelivered: number; bodyMissing: number } | null | undefined): number {
  if (m === null || m === undefined) return 0;
  return m.bodyDecoded ?? m.bodyDelivered + m.bodyMissing;
}

/**
 * Our connection for a Zeek row: by 4-tuple when the baseline has it (some cut logs lack id.orig_p:
 * then host pair and responder port), else by the uid's creation index among the connections in
 * first-packet order.
 */
function findFlow(flows: Map<string, Flow>, byOrder: Flow[], row: Record<string, string>): Flow | undefined {
  const oh = row['id.orig_h'];
  const rh = row['id.resp_h'];
  if (oh !== undefined && rh !== undefined && row['id.resp_p'] !== undefined) {
    if (row['id.orig_p'] !== undefined) {
      const o = endpoint(oh, row['id.orig_p']);
      const r = endpoint(rh, row['id.resp_p']);
      return flows.get(o < r ? `${o} ${r}` : `${r} ${o}`);
    }
    const r = endpoint(rh, row['id.resp_p']);
    const o = endpoint(oh, '');
    return byOrder.find((f) => (f.a === r && f.b.startsWith(o)) || (f.b === r && f.a.startsWith(o)));
  }
  const index = BTEST_UIDS.indexOf(row['uid'] ?? '');
  return index < 0 ? undefined : byOrder[index];
}

function zeekRows(text: string): Record<string, string>[] {
  const lines = text.split('\n').filter((l) => l !== '' && !l.startsWith('# '));
  let fields: string[] | null = null;
  const rows: Record<string, string>[] = [];
  for (const l of lines) {
    if (l.startsWith('#fields\t')) fields = l.split('\t').slice(1);
    else if (l.startsWith('#')) continue;
    else if (fields === null) fields = l.split('\t');
    else rows.push(Object.fromEntries(l.split('\t').map((v, i) => [fields![i] ?? `c${i}`, v])));
  }
  return rows;
}

/** Zeek's log escaping (`\\xNN` for a byte, `\\\\` for a backslash), undone in one pass; bytes as latin1. */
function zeekUnescape(v: string): string {
  return v.replace(/\\\\|\\x([0-9a-f]{2})/gi, (m: string, h: string | undefined) => (h === undefined ? '\\' : String.fromCharCode(parseInt(h, 16))));
}

/**
 * Targets are cut to 256 bytes (issue 14's bound on capture strings, README): a target at that bound
 * agrees with a longer Zeek uri it begins.
 */
const TARGET_BOUND = 256;
function cutPrefix(raw: string | null | undefined, ours: string, zeek: string): boolean {
  return raw !== null && raw !== undefined && raw.length === TARGET_BOUND && zeek.length > ours.length && zeek.startsWith(ours);
}

/** Zeek's percent-decoding: a `%` that cannot be decoded is kept. Bytes as latin1 characters. */
function percentDecode(s: string): string {
  return s.replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

const BROKEN_GZIP = 'the body says Content-Encoding: gzip but is a 15-byte gzip member followed by plain text: the decoded length is unknown (null), so we compare the wire bytes; Zeek counts what its inflater and MIME reader let through';
const MIME_COUNT = 'Zeek\'s length comes from its MIME entity reader, which adds the CRLF a body lacks at its end (this is what Zeek\'s no-crlf test trace is about): 2 bytes over the Content-Length the peer declared and sent; we count the bytes sent';
/**
 * Every row where we differ from Zeek, with the fields and why. A new difference, or one that went
 * away, fails the test: update this list with the reason.
 */
const EXPECTED_DIFFERENCES: Record<string, { fields: string; reason: string }> = {
  'zeek-http-http09-content-length-confusion CHhAvVGS1DHFjwGM9 1': { fields: 'response_body_len', reason: 'an unsolicited response declares Content-Length 4: we frame it by that length; Zeek ends it when the HTTP/0.9 request arrives (0 bytes)' },
  'zeek-http-http09-content-length-confusion CHhAvVGS1DHFjwGM9 2': { fields: 'response_body_len', reason: 'the 4 bytes above belong to the first response, so the HTTP/0.9 response has 15, not 19' },
  'zeek-http-inner-te-ossfuzz CHhAvVGS1DHFjwGM9 1': { fields: 'method,request_body_len,status_code,uri,version', reason: 'fuzzer bytes: Zeek (on port 80) accepts a start line with version "0.0" and binary in the target; we recognise HTTP on any port, so a first line must start with a registered method or carry an HTTP version (else SMTP EHLO and FTP USER would be HTTP), and "ETA" does neither' },
  'zeek-http-methods C7fIlMZDuRiqjpYbb 1': { fields: 'method,response_body_len,status_code,uri,version', reason: '"CCM_POST /HTTP/1.1": an unregistered method and no version, so not a request line for us (see the ossfuzz row); Zeek, on port 80, logs it as HTTP/0.9' },
  'zeek-http-inner-te-reproducer CHhAvVGS1DHFjwGM9 1': { fields: 'request_body_len,response_body_len', reason: `request: ${BROKEN_GZIP}; response: ${MIME_COUNT}` },
  'zeek-http-no-crlf CHhAvVGS1DHFjwGM9 1': { fields: 'request_body_len', reason: MIME_COUNT },
  'zeek-http-no-crlf CHhAvVGS1DHFjwGM9 2': { fields: 'request_body_len', reason: MIME_COUNT },
  'zeek-http-no-crlf CHhAvVGS1DHFjwGM9 3': { fields: 'request_body_len', reason: MIME_COUNT },
  'zeek-http-no-crlf CHhAvVGS1DHFjwGM9 4': { fields: 'request_body_len', reason: MIME_COUNT },
  'zeek-http-no-crlf CHhAvVGS1DHFjwGM9 5': { fields: 'request_body_len', reason: MIME_COUNT },
  'zeek-http-port-22 CHhAvVGS1DHFjwGM9 1': { fields: 'response_body_len', reason: MIME_COUNT },
  'zeek-http-smuggle-request CHhAvVGS1DHFjwGM9 1': { fields: 'request_body_len', reason: BROKEN_GZIP },
  'zeek-http-ssl-to-http-server CHhAvVGS1DHFjwGM9 1': { fields: 'status_code,version', reason: 'the client speaks TLS: we mark the connection tls and leave it alone (issue 14); Zeek still parses the server\'s 400' },
  'zeek-http-wstunnel CHhAvVGS1DHFjwGM9 1': { fields: 'status_code', reason: 'after 101 we stop (a tunnel); Zeek\'s WebSocket analyzer parses the HTTP inside the frames and logs that 301 on this row' },
  'zeek-http-wstunnel CHhAvVGS1DHFjwGM9 2': { fields: 'uri', reason: 'the request inside the WebSocket tunnel: we do not parse tunnels' },
};
/** Raw agreement measured with the differences above (181 of 196 rows). */
const FLOOR = 92.3;

const dir = corpusOrSkip();
if (dir !== null) {
  test('Zeek http.log rows agree with our transactions', async (t) => {
    let rows = 0;
    let agree = 0;
    const differences: string[] = [];
    const found = new Map<string, string>();
    for (const path of listCaptures()) {
      const name = referenceName(path);
      const logPath = join(dir, 'reference', `${name}.zeek-http.log`);
      if (!existsSync(logPath)) continue;
      const flows = await analyse(path);
      const byOrder = [...flows.values()];
      const byConn = new Map<string, Record<string, string>[]>();
      for (const row of zeekRows(readFileSync(logPath, 'latin1'))) {
        const k = row['uid'] ?? `${row['id.orig_h']}:${row['id.orig_p']} ${row['id.resp_h']}:${row['id.resp_p']}`;
        (byConn.get(k) ?? byConn.set(k, []).get(k)!).push(row);
      }
      for (const [k, list] of byConn) {
        const flow = findFlow(flows, byOrder, list[0]!);
        list.sort((x, y) => Number(x['trans_depth'] ?? 0) - Number(y['trans_depth'] ?? 0));
        list.forEach((row, idx) => {
          rows++;
          const depth = row['trans_depth'] !== undefined ? Number(row['trans_depth']) : idx + 1;
          const listed = flow?.json?.transactions ?? [];
          const tx = listed.find((x) => x.trans_depth === depth) ?? listed[idx];
          const ours: Record<string, string> = {
            method: tx?.method ?? '-',
            uri: tx?.target === null || tx === undefined ? '-' : tx.target === '' ? '(empty)' : percentDecode(tx.target),
            version: tx?.version ?? '-',
            status_code: tx?.status === null || tx === undefined ? (tx?.version === '0.9' ? '0' : '-') : String(tx.status),
            // Zeek logs the length after Content-Encoding is undone: our decoded length where we counted one.
            request_body_len: String(bodyLength(tx?.request)),
            response_body_len: String(bodyLength(tx?.response)),
          };
          const bad: string[] = [];
          for (const f of Object.keys(ours)) {
            const z = row[f];
            if (z === undefined) continue;
            const zv = f === 'uri' || f === 'method' ? zeekUnescape(z) : z;
            if (zv !== ours[f] && !(f === 'uri' && cutPrefix(tx?.target, ours[f]!, zv))) bad.push(`${f} zeek=${z} ours=${ours[f]}`);
          }
          if (bad.length === 0) agree++;
          else {
            differences.push(`${name} ${k} depth ${depth}: ${bad.join('; ')}`);
            found.set(`${name} ${k} ${depth}`, bad.map((b) => b.split(' ')[0]!).sort().join(','));
          }
        });
      }
    }
    const pct = (100 * agree) / rows;
    t.log(`${agree} of ${rows} Zeek rows agree (${pct.toFixed(1)} %)`);
    for (const d of differences) t.log(d);
    t.true(rows > 100, 'the HTTP corpus baselines were read');
    t.true(pct >= FLOOR, `agreement ${pct.toFixed(1)} % fell below ${FLOOR} %`);
    const named = Object.keys(EXPECTED_DIFFERENCES).length;
    t.log(`${agree + named} of ${rows} rows agree or differ as named (${((100 * (agree + named)) / rows).toFixed(1)} %)`);
    t.deepEqual(
      Object.fromEntries([...found].sort()),
      Object.fromEntries(Object.entries(EXPECTED_DIFFERENCES).map(([k, v]) => [k, v.fields]).sort()),
      'the differences from Zeek are exactly the named ones',
    );
  });
}
