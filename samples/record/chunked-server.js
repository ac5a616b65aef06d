// Node http server for chunked-reset: responses without Content-Length, so
// Node sends them with Transfer-Encoding: chunked.
// usage: node chunked-server.js HOST PORT
//   /full  3 chunks 50 ms apart, then the last chunk with a trailer (complete)
//   /cut   3 chunks 100 ms apart, then socket.resetAndDestroy(): SO_LINGER 0 +
//          close, so the kernel sends RST in the middle of the chunked body
import http from 'node:http';

const [host = '0.0.0.0', port = '8080'] = process.argv.slice(2);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (m) => console.log(`${new Date().toISOString()} ${m}`);
const server = http.createServer(async (req, res) => {
  log(`${req.socket.remotePort} ${req.method} ${req.url}`);
  res.setHeader('Content-Type', 'text/plain');
  if (req.url === '/full') {
    res.setHeader('Trailer', 'X-Chunks');
    for (let i = 1; i <= 3; i++) { res.write(`full chunk ${i}\n`); await sleep(50); }
    res.addTrailers({ 'X-Chunks': '3' });
    res.end();
    return;
  }
  for (let i = 1; i <= 3; i++) { res.write(`cut chunk ${i} of 6\n`); await sleep(100); }
  log(`${req.socket.remotePort} aborting the response with RST after 3 of 6 chunks`);
  req.socket.resetAndDestroy();
});
server.keepAliveTimeout = 5000;
server.listen(Number(port), host, () => log(`listening ${host}:${port}`));
