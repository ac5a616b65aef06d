// Node http server for expect-100-continue: reads each request body and
// answers with its size.  A 'checkContinue' listener decides on the
// "Expect: 100-continue" requests: up to LIMIT bytes it sends
// "HTTP/1.1 100 Continue" (res.writeContinue) and reads the body; above it
// answers 413 at once without the 100, so the client never sends the body,
// and closes the connection (the unsent body would otherwise be next on it).
// usage: node upload-server.js HOST PORT LIMIT_BYTES
import http from 'node:http';

const [host = '0.0.0.0', port = '8080', limit = '65536'] = process.argv.slice(2);
const log = (m) => console.log(`${new Date().toISOString()} ${m}`);

function receive(req, res) {
  let n = 0;
  req.on('data', (d) => { n += d.length; });
  req.on('end', () => {
    const body = `received ${n} bytes for ${req.method} ${req.url}\n`;
    log(`${req.socket.remotePort} ${body.trim()}`);
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  });
}

const server = http.createServer(receive);
server.on('checkContinue', (req, res) => {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > Number(limit)) {
    log(`${req.socket.remotePort} ${req.method} ${req.url}: ${declared} bytes > ${limit}, 413 without 100 Continue`);
    res.writeHead(413, { 'Content-Type': 'text/plain', 'Content-Length': 9, Connection: 'close' });
    res.end('too big\r\n');
    return;
  }
  log(`${req.socket.remotePort} ${req.method} ${req.url}: ${declared} bytes, 100 Continue`);
  res.writeContinue();
  receive(req, res);
});
server.keepAliveTimeout = 5000;
server.listen(Number(port), host, () => log(`listening ${host}:${port} limit=${limit}`));
