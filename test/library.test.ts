import test from 'ava';
import { analyze, SCHEMA_VERSION, captureInfo } from '../src/index.js';

test('the library entry point gives the same report model as the CLI', async (t) => {
  const report = await analyze(['samples/close-wait-leak.pcap']);
  t.is(report.schemaVersion, SCHEMA_VERSION);
  t.is(report.findings[0]!.kind, 'close-wait');
  t.is(report.connections.length, 3);
  const info = await captureInfo(['samples/close-wait-leak.pcap']);
  t.is(info.packets, report.capture.packets);
});
