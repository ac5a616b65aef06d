/** One measured pass in its own process (used by run.ts): prints {seconds, packets, rssMiB, phases}. */
import { analyze } from '../src/pipeline/run.js';
import { captureInfo } from '../src/pipeline/info.js';
import { renderCaptureHeader } from '../src/report/capture-text.js';
import { renderEndpoints, renderFindings } from '../src/report/findings-text.js';
import { renderConnectionTable } from '../src/report/text.js';

const [pass, capture] = process.argv.slice(2);
const start = process.hrtime.bigint();
let packets: number;
if (pass === 'analyze' || pass === 'text') {
  const report = await analyze([capture!]);
  packets = report.capture.packets;
  // What `tcp-postmortem analyze` prints (src/cli.ts), rendered and dropped.
  if (pass === 'text') void [renderCaptureHeader(report), renderFindings(report), renderEndpoints(report), renderConnectionTable(report, 25)].join('\n').length;
} else if (pass === 'connections') packets = (await analyze([capture!], { connectionsOnly: true })).capture.packets;
else packets = (await captureInfo([capture!])).packets;
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
process.stdout.write(JSON.stringify({ seconds, packets, rssMiB: process.resourceUsage().maxRSS / 1024 }));
