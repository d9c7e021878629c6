/**
 * A minimal webhook receiver for benchmarks, run as its own process so it does not compete with the
 * gateway's event loop: answers 200 at once and prints the running request count every 100 ms.
 *   PORT=4001 npx tsx bench/receiver.ts
 */
import { createServer } from 'node:http';

let count = 0;
const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    count++;
    response.end('ok');
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : ''}\n`);
});
setInterval(() => process.stdout.write(`count ${count}\n`), 100).unref();
process.on('SIGTERM', () => server.close(() => process.exit(0)));
