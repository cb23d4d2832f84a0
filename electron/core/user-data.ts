/**
 * The user's data folder: what Kiln keeps outside any project (trusted folders, unsaved buffers).
 * Electron passes app.getPath('userData'); elsewhere $KILN_DATA_DIR, else the platform's config folder.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KILN_DATA_DIR) return path.resolve(env.KILN_DATA_DIR);
  if (process.platform === 'win32') return path.join(env.APPDATA ?? path.join(os.homedir(), 'AppData', 'Roaming'), 'Kiln');
  if (process.platform === 'darwin') return path.join(os.homedir(), 'Library', 'Application Support', 'Kiln');
  return path.join(env.XDG_CONFIG_HOME ?? path.join(os.homedir(), '.config'), 'kiln');
}

/** Write a JSON file atomically (temp + rename) so a crash never leaves half of it. */
export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await fs.writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`, 'utf8');
  await fs.rename(tmp, file);
}

export async function readJson<T>(file: string, fallback: T): Promise<T> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch {
    return fallback;
  }
}

/** A stable folder name for a project root. */
export function projectKey(root: string): string {
  return createHash('sha1').update(root).digest('hex').slice(0, 16);
}
