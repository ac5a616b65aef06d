// Small Node http server used by several recording scripts.
// usage: node http-server.js HOST PORT [keepAliveTimeoutMs]
// env RESET_ON_SIGUSR2=1: on SIGUSR2 abort every open connection with RST
//   (socket.resetAndDestroy) and exit -> the kernel forgets the connections.
import http from 'node:http';

const [host = '0.0.0.0', port = '8080', kat = '5000'] = process.argv.slice(2);
const sockets = new Set();
let n = 0;
const server = http.createServer((req, res) => {
  n += 1;
  const body = `hello ${n} ${req.method} ${req.url}\n`;
  res.setHeader('Content-Type', 'text/plain');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
  console.log(`${new Date().toISOString()} ${req.socket.remoteAddress}:${req.socket.remotePort} ${req.method} ${req.url} connection=${req.headers.connection ?? '-'}`);
});
server.keepAliveTimeout = Number(kat);
server.on('connection', (s) => {
  sockets.add(s);
  s.on('close', () => { sockets.delete(s); console.log(`${new Date().toISOString()} closed ${s.remoteAddress}:${s.remotePort}`); });
});
if (process.env.RESET_ON_SIGUSR2) {
  process.on('SIGUSR2', () => {
    console.log(`${new Date().toISOString()} SIGUSR2: resetting ${sockets.size} connection(s) and exiting`);
    for (const s of sockets) s.resetAndDestroy();
    server.close();
    setTimeout(() => process.exit(0), 50);
  });
}
server.listen(Number(port), host, () => console.log(`listening ${host}:${port} keepAliveTimeout=${server.keepAliveTimeout}`));
