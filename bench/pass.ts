/** One measured pass in its own process (used by run.ts): prints {seconds, packets, rssMiB}. */
import { analyze } from '../src/analyze.js';
import { captureInfo } from '../src/info.js';

const [pass, capture] = process.argv.slice(2);
const start = process.hrtime.bigint();
let packets: number;
if (pass === 'analyze') packets = (await analyze([capture!])).capture.packets;
else if (pass === 'connections') packets = (await analyze([capture!], { connectionsOnly: true })).capture.packets;
else packets = (await captureInfo([capture!])).packets;
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
process.stdout.write(JSON.stringify({ seconds, packets, rssMiB: process.resourceUsage().maxRSS / 1024 }));
