/**
 * A page's stand-in for bench §2: a process of its own (as the editor's page is) that reads the frame relay's
 * stream and hands each message on with the time it arrived (CLOCK_MONOTONIC ms, the bench's hrMs clock). Read in
 * the bench's own process the frames would wait on the back end's event loop, which a page's never do.
 * argv: port, origin, token. Messages to the parent: { ms, bytes } per frame message (still delta-encoded: small).
 */
import http from 'node:http';
import { LengthPrefixedReader } from '../electron/shared/frame-codec';

const [port, origin, token] = process.argv.slice(2);
const hrMs = () => Number(process.hrtime.bigint()) / 1e6;

http
  .get({ host: '127.0.0.1', port: Number(port), path: '/frames', headers: { host: `127.0.0.1:${port}`, origin, cookie: `kiln_token=${token}` } }, (res) => {
    if (res.statusCode !== 200) {
      process.send!({ error: `the frame relay refused the stream: ${res.statusCode}` });
      return;
    }
    const messages = new LengthPrefixedReader();
    res.on('data', (chunk: Buffer) => {
      const ms = hrMs();
      for (const bytes of messages.push(chunk)) process.send!({ ms, bytes });
    });
  })
  .on('error', (err) => process.send!({ error: err.message }));
process.on('disconnect', () => process.exit(0));
