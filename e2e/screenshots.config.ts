import base from './playwright.config';
import { defineConfig } from '@playwright/test';

/** `npx playwright test -c e2e/screenshots.config.ts` rewrites docs/screenshots/ (not part of the test suite). */
export default defineConfig({ ...base, testDir: './screenshots', reporter: 'list' });
