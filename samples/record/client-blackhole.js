// Scenario server-unreachable: a keep-alive pool and a fresh connection
// attempt during a blackhole of the server, then one request after recovery.
// usage: node client-blackhole.js HOST PORT
// Timeline (ms from start, the script cuts the link at ~1000 and restores it at ~17000):
//   0      requests A and B at once -> two pooled keep-alive connections
//   4000   request C on a pooled socket (in flight during the blackhole)
//   5000   request D with agent:false -> a new connection; its SYNs go
//          unanswered and connect() gives up (tcp_syn_retries=2 -> ~7 s)
//   20000  request E after recovery
// No application timeouts: the kernel's own timers decide.
import http from 'node:http';

const [host, port] = process.argv.slice(2);
const t0 = Date.now();
const ts = () => `t=${((Date.now() - t0) / 1000).toFixed(3)}s`;
const at = (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms - (Date.now() - t0))));
const agent = new http.Agent({ keepAlive: true, maxSockets: 2, keepAliveMsecs: 60000 });

function get(name, opts = {}) {
  return new Promise((resolve) => {
    const req = http.request({ host, port: Number(port), path: `/${name}`, agent, ...opts }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve(`status=${res.statusCode} body=${body.trim()} localPort=${req.socket.localPort}`));
    });
    req.on('error', (e) => resolve(`error ${e.code ?? e.message}`));
    req.end();
  }).then((r) => console.log(`${ts()} ${name} -> ${r}`));
}

await Promise.all([get('a'), get('b')]);
await at(4000);
console.log(`${ts()} request c on a pooled socket`);
const c = get('c');
await at(5000);
console.log(`${ts()} request d on a new connection`);
const d = get('d', { agent: false });
await at(20000);
console.log(`${ts()} request e after recovery`);
await Promise.all([c, d, get('e')]);
agent.destroy();
