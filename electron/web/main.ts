/** `node dist/web/main.js [--project DIR] [--port N]` — the editor without Electron, in any browser. */
import { Command } from 'commander';
import path from 'node:path';
import { ProjectHost } from '../core/project-host';
import { defaultDataDir } from '../core/user-data';
import { nodeRunnerLauncher } from '../core/node-runner-launcher';
import { checkBuilt, findKilnRoot, kilnPaths } from '../core/paths';
import { randomBytes } from 'node:crypto';
import { startFrameRelay } from './frame-relay';
import { startWebShell, MAX_BUFFERED_BYTES } from './server';

async function main(): Promise<void> {
  const paths = kilnPaths(findKilnRoot(__dirname));
  const program = new Command()
    .name('kiln-web')
    .description('Serve the Kiln editor on 127.0.0.1 (the web shell)')
    .option('-p, --project <dir>', 'project folder (holds kiln.json)', paths.defaultProject)
    .option('--port <n>', 'port on 127.0.0.1 (0 picks a free one)', (v) => Number.parseInt(v, 10), 0)
    .option('--trust', 'trust the project: build and run it without asking in the editor (remembered)', false)
    .parse();
  const opts = program.opts<{ project: string; port: number; trust: boolean }>();

  const problems = checkBuilt(paths);
  if (problems.length) {
    console.error(`Kiln is not built:\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }

  const token = randomBytes(24).toString('base64url');
  // Frames skip this process's event loop: runner → relay thread → page. KILN_FRAME_RELAY=0 sends them through it (for comparison).
  const frames = process.env.KILN_FRAME_RELAY === '0' ? undefined : await startFrameRelay({ token, maxBufferedBytes: MAX_BUFFERED_BYTES, bundle: paths.frameRelayScript });
  const host = new ProjectHost({
    paths,
    launcher: nodeRunnerLauncher(paths.runnerScript),
    trustProject: opts.trust,
    dataDir: defaultDataDir(),
    runner: frames ? { frameSocket: frames.socketPath } : undefined,
  });
  const shell = await startWebShell({ backend: host, rendererDir: paths.rendererDir, port: opts.port, token, frames });
  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    await shell.close();
    await host.stop();
    await frames?.close();
    process.exit(0);
  };
  // Before the project opens: Ctrl+C during the first builds must still stop the compilers (own process groups).
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  await host.open(path.resolve(opts.project));
  console.log(`Kiln editor: ${shell.url}`);
}

main().catch((err) => {
  console.error(`kiln: ${(err as Error).message}`);
  process.exit(1);
});
