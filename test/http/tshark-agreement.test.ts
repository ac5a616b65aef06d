/**
 * Request and response counts per connection against tshark's (`reference/*.json`, `streams[].http`:
 * every stream where tshark dissected HTTP). Every stream must agree or be named below with the reason;
 * where we differ, we agree with Zeek's http.log or with RFC 9112, and the reason says which.
 */
import test from 'ava';
import { analyze } from '../../src/pipeline/run.js';
import { asTsharkSees, corpusOrSkip, listCaptures, loadReference } from '../helpers/corpus.js';

interface RefHttp { requests: number; responses: number }

const SMUGGLED = 'a smuggling trace: after the malformed chunked framing we resynchronise and count the smuggled GET, as Zeek logs it (trans_depth 2); tshark\'s body swallows it';
const TSHARK_LOST_RESPONSE = 'tshark did not reassemble the response of this stream; we and Zeek see it';

/** `file stream` -> our requests/responses and why tshark's differ. */
const EXPECTED_DIFFERENCES: Record<string, { ours: string; reason: string }> = {
  'zeek-http-261-01-chunk-2pow64-overflow.pcap 0': { ours: '2/0', reason: SMUGGLED },
  'zeek-http-261-09-te-obs-fold.pcap 0': { ours: '2/0', reason: SMUGGLED },
  'zeek-http-concurrent-range-requests.pcap 1': { ours: '1/1', reason: `${TSHARK_LOST_RESPONSE} (Zeek: response_body_len 10001)` },
  'zeek-http-http09-content-length-confusion.pcap 0': { ours: '1/2', reason: 'an unsolicited response precedes the HTTP/0.9 one; we count both, tshark merges them' },
  'zeek-http-lower-case.pcap 0': { ours: '1/1', reason: 'the status line is lower case (`http/1.1 200`): tshark does not take it for a response; Zeek and we do, flagged lowercase-version' },
  'zeek-http-lower-case-nonstandard-port.pcap 0': { ours: '1/1', reason: 'as zeek-http-lower-case, on port 1234' },
  'zeek-http-methods.pcap 3': { ours: '0/1', reason: '`OPTIONS` alone on the line (no target, no version) is no request line (RFC 9112 §3); Zeek logs no method either; tshark counts it' },
  'zeek-http-methods.pcap 16': { ours: '0/1', reason: '`CCM_POST /HTTP/1.1`: an unregistered method and no version is no request line for us (we recognise HTTP on any port, so SMTP and FTP commands must not pass); tshark\'s port-80 dissector counts it' },
  'zeek-http-query-method.pcap 0': { ours: '1/1', reason: 'QUERY (IANA registry, draft-ietf-httpbis-safe-method-w-body) is a method tshark does not know; Zeek logs it' },
  'zeek-http-query-method-non-standard-port.pcap 0': { ours: '1/1', reason: 'as zeek-http-query-method, on port 4711' },
  'zeek-http-tcp-padding.pcap 0': { ours: '1/1', reason: 'the request arrives in a segment tshark does not hand to HTTP on port 27272; Zeek logs the GET' },
  'zeek-http-tunnel-gtp1-outer-ip-frag.pcap 0': { ours: '1/1', reason: `${TSHARK_LOST_RESPONSE} (outer IP fragments inside GTP)` },
  'zeek-http-vlan-mpls.pcap 2': { ours: '1/1', reason: `${TSHARK_LOST_RESPONSE} (an F5 Ethernet trailer on every frame; tshark shows the response as Continuation)` },
};

if (corpusOrSkip() !== null) {
  test('HTTP request and response counts agree with tshark on every stream it dissected, the named differences apart', async (t) => {
    const differences: Record<string, string> = {};
    let streams = 0;
    for (const path of listCaptures()) {
      const ref = loadReference(path);
      const dissected = ((ref?.streams ?? []) as unknown as { stream: number; http?: RefHttp }[]).filter((s) => s.http !== undefined);
      if (dissected.length === 0) continue;
      const name = path.split('/').pop()!;
      const connections = asTsharkSees(name, (await analyze([path])).connections);
      for (const s of dissected) {
        streams++;
        const h = connections[s.stream]?.http;
        const ours = h ? `${h.requests}/${h.responses}` : 'none';
        if (ours !== `${s.http!.requests}/${s.http!.responses}`) differences[`${name} ${s.stream}`] = ours;
      }
    }
    const expected = Object.fromEntries(Object.entries(EXPECTED_DIFFERENCES).map(([k, v]) => [k, v.ours]));
    t.deepEqual(differences, expected);
    const agree = streams - Object.keys(differences).length;
    t.log(`${agree} of ${streams} streams tshark dissected as HTTP agree on request and response counts`);
    t.true(streams >= 170, `the corpus has the HTTP streams it had (${streams})`);
  });
}
