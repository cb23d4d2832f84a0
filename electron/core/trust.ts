/**
 * Workspace trust: a project's sources and its kiln.json build flags are code that Kiln compiles and
 * runs. A folder Kiln did not create is not built until the user trusts it; the answer is remembered.
 */
import path from 'node:path';
import { isInside } from './project';
import { readJson, writeJsonAtomic } from './user-data';

interface TrustFile {
  folders: Record<string, { trustedAt: string }>;
}

export class TrustStore {
  private readonly file: string;

  /** `builtIn`: folders whose projects ship with Kiln (its examples), trusted without asking. */
  constructor(
    dataDir: string,
    private readonly builtIn: string[] = [],
  ) {
    this.file = path.join(dataDir, 'trusted-projects.json');
  }

  async isTrusted(root: string): Promise<boolean> {
    if (this.builtIn.some((dir) => isInside(dir, root))) return true;
    const data = await readJson<TrustFile>(this.file, { folders: {} });
    return Object.keys(data.folders ?? {}).some((dir) => isInside(dir, root));
  }

  async trust(root: string): Promise<void> {
    const data = await readJson<TrustFile>(this.file, { folders: {} });
    data.folders = { ...(data.folders ?? {}), [root]: { trustedAt: new Date().toISOString() } };
    await writeJsonAtomic(this.file, data);
  }
}
