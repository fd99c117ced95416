// A reverse proxy that adds `Authorization: Bearer <token>` to every request, for the MCP
// conformance suite and the MCP Inspector: their HTTP clients send no token, and /mcp needs one.
// The host keeps its auth (no unauthenticated mode just for tests); this proxy is the client's
// credential, nothing more.
//
//   node bearer_proxy.mjs <target http://127.0.0.1:port> <token>
//
// Listens on 127.0.0.1, port chosen by the system, and prints that port as its first stdout line.
// Method, path and every header (Host and Origin included, so that the host's DNS-rebinding check
// sees what the client sent) pass unchanged, except Authorization, which is set. Bodies stream in
// both directions without buffering, so an SSE answer reaches the client event by event.
import http from 'node:http';

const [target, token] = process.argv.slice(2);
if (!target || !token) {
  console.error('usage: bearer_proxy.mjs <target-url> <token>');
  process.exit(2);
}
const upstream = new URL(target);

const server = http.createServer((req, res) => {
  // rawHeaders keeps repeated headers and their case; drop any Authorization the client sent.
  const headers = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i].toLowerCase() === 'authorization') continue;
    headers.push(req.rawHeaders[i], req.rawHeaders[i + 1]);
  }
  headers.push('Authorization', `Bearer ${token}`);
  const forward = http.request({
    hostname: upstream.hostname,
    port: upstream.port,
    method: req.method,
    path: req.url,
    headers,
  });
  forward.on('response', (answer) => {
    res.writeHead(answer.statusCode, answer.statusMessage, answer.rawHeaders);
    res.flushHeaders();  // an event stream's headers go out before its first event
    answer.pipe(res);
  });
  forward.on('error', (error) => {
    if (!res.headersSent) {
      res.writeHead(502, {'Content-Type': 'text/plain'});
      res.end(`bearer_proxy: ${error.message}\n`);
    } else {
      res.destroy(error);
    }
  });
  // A client that goes away (the suite cancels SSE readers) ends the upstream request too.
  res.on('close', () => {
    if (!res.writableFinished) forward.destroy();
  });
  req.pipe(forward);
});

server.listen(0, '127.0.0.1', () => {
  console.log(server.address().port);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => process.exit(0));  // open event streams must not hold it up
}
