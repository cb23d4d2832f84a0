import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['electron/**/*.test.ts', 'renderer/**/*.test.{ts,tsx}'],
    testTimeout: 30_000,
    // Trusted folders and drafts go to a throwaway data folder, never the user's own.
    env: { KILN_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'kiln-test-data-')) },
  },
});
