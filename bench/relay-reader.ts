/**
 * A page's stand-in for bench §2: a process of its own (as the editor's page is) that reads the frame relay's
 * stream and hands each message on with the time it arrived (CLOCK_MONOTONIC ms, the bench's hrMs clock). Read in
 * the bench's own process the frames would wait on the back end's event loop, which a page's never do.
 * argv: port, origin, token. Messages to the parent: { ms, bytes } per frame message (still delta-encoded: small).
 */
import http from 'node:http';

const [port, origin, token] = process.argv.slice(2);
const hrMs = () => Number(process.hrtime.bigint()) / 1e6;

http
  .get({ host: '127.0.0.1', port: Number(port), path: '/frames', headers: { host: `127.0.0.1:${port}`, origin, cookie: `kiln_token=${token}` } }, (res) => {
    if (res.statusCode !== 200) {
      process.send!({ error: `the frame relay refused the stream: ${res.statusCode}` });
      return;
    }
    let buf: Buffer = Buffer.alloc(0);
    res.on('data', (chunk: Buffer) => {
      const ms = hrMs();
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      let at = 0;
      while (buf.length - at >= 4 && buf.length - at - 4 >= buf.readUInt32LE(at)) {
        const length = buf.readUInt32LE(at);
        process.send!({ ms, bytes: buf.subarray(at + 4, at + 4 + length) });
        at += 4 + length;
      }
      buf = at === buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(at));
    });
  })
  .on('error', (err) => process.send!({ error: err.message }));
process.on('disconnect', () => process.exit(0));
