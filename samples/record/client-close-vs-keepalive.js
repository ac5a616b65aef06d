// Scenario connection-close-server-time-wait.
// usage: node client-close-vs-keepalive.js HOST PORT
// Phase 1: 5 sequential requests with keep-alive disabled ("Connection: close",
//   like Go's Transport{DisableKeepAlives:true}).  This phase uses a plain
//   net.Socket HTTP/1.1 client that reads the response until the server's EOF
//   and only then closes, so the server's FIN always comes first (Node's own
//   http client would race the server with socket.destroySoon() right after
//   the Content-Length body, which on a 50 us veth sometimes wins).
// Phase 2: 5 sequential requests through http.Agent({keepAlive:true}) -> one
//   connection; then the pool is destroyed (client closes that one first).
import http from 'node:http';
import net from 'node:net';

const [host, port] = process.argv.slice(2);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function get(path, opts) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port: Number(port), path, ...opts }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, body, lport: req.socket?.localPort, conn: res.headers.connection }));
    });
    req.on('error', reject);
    req.end();
  });
}

function getClose(path) {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port: Number(port) }, () => {
      s.write(`GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nConnection: close\r\n\r\n`);
    });
    let raw = '';
    s.setEncoding('utf8');
    s.on('data', (d) => { raw += d; });
    // allowHalfOpen is false: on the server's FIN Node ends our side too.
    s.on('end', () => {
      const [head, body] = raw.split('\r\n\r\n');
      const conn = /\r\nconnection: *([^\r]*)/i.exec(head)?.[1];
      resolve({ status: Number(head.split(' ')[1]), body, lport: s.localPort, conn });
    });
    s.on('error', reject);
  });
}

for (let i = 1; i <= 5; i++) {
  const r = await getClose(`/close/${i}`);
  console.log(`close   #${i} status=${r.status} localPort=${r.lport} resp-connection=${r.conn} body=${r.body.trim()}`);
  await sleep(200);
}
await sleep(500);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1, keepAliveMsecs: 60000 });
for (let i = 1; i <= 5; i++) {
  const r = await get(`/keepalive/${i}`, { agent });
  console.log(`keepal. #${i} status=${r.status} localPort=${r.lport} resp-connection=${r.conn} body=${r.body.trim()}`);
  await sleep(200);
}
await sleep(300);
agent.destroy();
console.log('agent destroyed (client closes the pooled connection)');
await sleep(300);
