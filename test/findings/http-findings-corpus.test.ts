/**
 * A guard on the HTTP findings over the shared corpus: which captures show which HTTP kind, each
 * one checked by hand (the reason is next to it). Anything else that fires is a regression, or a
 * new corpus capture to look at and add here.
 */
import test from 'ava';
import { basename } from 'node:path';
import { corpusOrSkip, listCaptures } from '../helpers/corpus.js';
import { analyze } from '../../src/pipeline/run.js';

const HTTP_KINDS = new Set(['connection-close', 'keepalive-race', 'keepalive-timeout-mismatch', 'truncated-body', 'hop-by-hop-forwarded', 'stalled-response']);

const EXPECTED: Record<string, string[]> = {
  // The hijacked search page answered after 1.64 s (the server was slow, no TCP reason).
  'cs-dns_isp_hijack.pcapng': ['stalled-response'],
  // A POST answered after 1.50 s.
  'sv-http-mime-truncated.pcap': ['stalled-response'],
  // The log4shell POST answered after 19.3 s.
  'sv-output-multi-eve-sll.pcap': ['stalled-response'],
  // The server answered the GET after 19.8 s.
  'zeek-http-bad-content-range.pcap': ['stalled-response'],
  // Content-Length 2,200,000,000, 100 bytes sent, then the server's FIN.
  'zeek-http-content-length-overflow.pcap': ['truncated-body'],
  // A GET that was never answered in the 12.7 s before the connection ended.
  'zeek-http-http09-content-length-confusion.pcap': ['stalled-response'],
  // `http/1.1 200 OK` with `Transfer-Encoding: chunked` and no chunk before the client's FIN.
  'zeek-http-lower-case-nonstandard-port.pcap': ['truncated-body'],
  'zeek-http-lower-case.pcap': ['truncated-body'],
  // A POST answered after 3.58 s.
  'zeek-http-no-crlf.pcap': ['stalled-response'],
  // 4 one-request connections with `Connection: close`, each closed first by the server.
  'zeek-http-non-printable-characters.pcap': ['connection-close'],
  // A GET retransmitted for 5 minutes, never answered.
  'zeek-tcp-retransmit-timeout.pcapng': ['stalled-response'],
};

if (corpusOrSkip() !== null) {
  test('HTTP findings over the corpus: only the captures checked by hand show HTTP kinds, and those show the kinds listed', async (t) => {
    const fired: Record<string, string[]> = {};
    for (const path of listCaptures()) {
      let kinds: string[];
      try {
        kinds = [...new Set((await analyze([path])).findings.map((f) => f.kind).filter((k) => HTTP_KINDS.has(k)))].sort();
      } catch {
        continue; // not a capture (the corpus holds malformed files on purpose); other tests check the error
      }
      if (kinds.length > 0) fired[basename(path)] = kinds;
    }
    t.deepEqual(fired, EXPECTED);
  });
}
