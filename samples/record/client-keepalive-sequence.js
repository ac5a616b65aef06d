// Keep-alive HTTP client: N sequential requests through one pooled connection
// (http.Agent keepAlive:true, maxSockets 1), logging how long each one takes.
// usage: node client-keepalive-sequence.js HOST PORT N [pauseMs]
import http from 'node:http';

const [host, port, n = '3', pause = '0'] = process.argv.slice(2);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const agent = new http.Agent({ keepAlive: true, maxSockets: 1, keepAliveMsecs: 60000 });
const t0 = Date.now();
for (let i = 1; i <= Number(n); i++) {
  const start = Date.now();
  await new Promise((resolve, reject) => {
    const req = http.request({ host, port: Number(port), path: `/item/${i}`, agent }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => {
        console.log(`t=${((Date.now() - t0) / 1000).toFixed(3)}s request ${i} localPort=${req.socket.localPort} status=${res.statusCode} took ${Date.now() - start} ms body=${body.trim()}`);
        resolve();
      });
    });
    req.on('error', reject);
    req.end();
  });
  await sleep(Number(pause));
}
agent.destroy();
await sleep(200);
