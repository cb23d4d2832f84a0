/** Where Kiln's own files are: the plugin header, libkiln, the runner script, the built renderer. */
import { existsSync } from 'node:fs';
import path from 'node:path';

export interface KilnPaths {
  /** Kiln's root folder: the checkout, or the packaged app's resources. */
  root: string;
  /** plugins/include — added to every build so a project works wherever it lives. */
  includeDir: string;
  libkiln: string;
  runnerScript: string;
  /** The web shell's frame relay process (electron/web/frame-relay.ts starts it). */
  frameRelayScript: string;
  rendererDir: string;
  defaultProject: string;
}

/** Walk up from `start` to the folder holding plugins/include/kiln.h. */
export function findKilnRoot(start: string): string {
  let dir = path.resolve(start);
  for (;;) {
    if (existsSync(path.join(dir, 'plugins', 'include', 'kiln.h'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find Kiln's files (plugins/include/kiln.h) above ${start}`);
    dir = parent;
  }
}

/**
 * `root` holds the resources (plugins/, native/build/); `appDir` the bundles (dist/). In a checkout
 * both are the checkout; in the packaged app, resources/ and resources/app.asar.
 */
export function kilnPaths(root: string, appDir: string = root): KilnPaths {
  const libName = process.platform === 'win32' ? 'kiln.dll' : 'libkiln.so';
  return {
    root,
    includeDir: path.join(root, 'plugins', 'include'),
    libkiln: path.join(root, 'native', 'build', libName),
    runnerScript: path.join(appDir, 'dist', 'runner', 'main.js'),
    frameRelayScript: path.join(appDir, 'dist', 'web', 'frame-relay-process.js'),
    rendererDir: path.join(appDir, 'dist', 'renderer'),
    defaultProject: path.join(root, 'plugins', 'pong'),
  };
}

/** Explain what is missing and how to make it, before anything starts. */
export function checkBuilt(paths: KilnPaths): string[] {
  const problems: string[] = [];
  if (!existsSync(paths.libkiln)) problems.push(`${paths.libkiln} is missing — run: npm run build:native`);
  if (!existsSync(paths.runnerScript)) problems.push(`${paths.runnerScript} is missing — run: npm run build:back`);
  return problems;
}
