// Scenario dead-peer-keepalive: a keep-alive pool reuses an idle socket whose
// peer has meanwhile become unreachable.
// usage: node client-dead-peer.js HOST PORT [idleBeforeReuseMs] [appTimeoutMs]
// The application timeout only logs (it does NOT destroy/reset the socket), so
// the kernel keeps retransmitting the request with exponential backoff.
import http from 'node:http';

const [host, port, idle = '2000', appTimeout = '8000'] = process.argv.slice(2);
const t0 = Date.now();
const ts = () => `t=${((Date.now() - t0) / 1000).toFixed(3)}s`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// keepAliveMsecs large: no TCP keep-alive probes while the socket idles in the pool
const agent = new http.Agent({ keepAlive: true, maxSockets: 1, keepAliveMsecs: 60000 });

function get(path) {
  return new Promise((resolve) => {
    const req = http.request({ host, port: Number(port), path, agent }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve(`status=${res.statusCode} body=${body.trim()} localPort=${req.socket.localPort}`));
    });
    req.setTimeout(Number(appTimeout), () => {
      console.log(`${ts()} ${path}: application timeout after ${appTimeout} ms (socket kept, not reset)`);
    });
    req.on('error', (e) => resolve(`error ${e.code ?? e.message}`));
    req.end();
  });
}

console.log(`${ts()} request 1 -> ${await get('/first')}`);
await sleep(Number(idle));
console.log(`${ts()} request 2 on the pooled socket ...`);
const r2 = await get('/second');
console.log(`${ts()} request 2 -> ${r2}`);
agent.destroy();
