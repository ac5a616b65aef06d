/** The connection table's choice of rows when there are more connections than --top. */
import test from 'ava';
import { analyze } from '../../src/pipeline/run.js';
import { interest, renderConnectionTable } from '../../src/report/text.js';

const rowIds = (text: string): number[] => text.split('\n').slice(1).filter((l) => !l.includes('connection(s)')).map((l) => /^\s*(\d+)\s/.exec(l)?.[1]).filter((x): x is string => x !== undefined).map(Number);

for (const path of ['samples/connection-close-server-time-wait.pcap', 'samples/keepalive-idle-race.pcap', 'samples/mixed.pcapng']) {
  test(`--top keeps the most notable connections (score, then lower id), listed by id: ${path}`, async (t) => {
    const r = await analyze([path]);
    for (const top of [0, 1, 2, 3, r.connections.length - 1]) {
      const expected = [...r.connections]
        .sort((x, y) => interest(y) - interest(x) || x.id - y.id)
        .slice(0, top)
        .map((c) => c.id)
        .sort((a, b) => a - b);
      t.deepEqual(rowIds(renderConnectionTable(r, top)), expected, `top ${top}`);
    }
  });
}
