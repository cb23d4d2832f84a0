// Adds up the counts of every test runner in the suite into one closing line: "N passed, N failed".
// `node scripts/test-summary.mjs [--failed step,step] [--results DIR]`: the failed steps are named on the
// line before it, and that line is always the last one printed, whatever the results hold (a missing or
// unreadable file, a step that failed without counting a test). Exits 1 when anything failed.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** Test counts per step from the result files in `dir`; a step whose file is unreadable counts one failure. */
export function summarise(dir, failedSteps) {
  const counts = {};
  const notes = [];
  const read = (f) => {
    const file = path.join(dir, f);
    return existsSync(file) ? readFileSync(file, 'utf8') : null;
  };
  const take = (step, parse) => {
    let text;
    try {
      text = read(parse.file);
      if (text === null) return;
      counts[step] = parse.count(text);
    } catch (err) {
      counts[step] = { passed: 0, failed: 1, skipped: 0 };
      notes.push(`${step}: ${parse.file} is unreadable (${err.message.split('\n')[0]})`);
    }
  };
  for (const name of ['native', 'native-windows']) {
    take(name, {
      file: `${name}.txt`,
      count: (text) => {
        const c = { passed: 0, failed: 0, skipped: 0 };
        for (const m of text.matchAll(/^(\d+) passed, (\d+) failed/gm)) {
          c.passed += Number(m[1]);
          c.failed += Number(m[2]);
        }
        return c;
      },
    });
  }
  take('unit', {
    file: 'unit.json',
    count: (text) => {
      const j = JSON.parse(text);
      return { passed: j.numPassedTests ?? 0, failed: j.numFailedTests ?? 0, skipped: (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0) };
    },
  });
  take('e2e', {
    file: 'e2e.json',
    count: (text) => {
      const s = JSON.parse(text).stats ?? {};
      return { passed: (s.expected ?? 0) + (s.flaky ?? 0), failed: s.unexpected ?? 0, skipped: s.skipped ?? 0 };
    },
  });
  // A step that failed without a failed test to show for it (a build or type error, a runner that
  // crashed before writing results) still counts: the closing line must never say "0 failed" then.
  for (const step of failedSteps) {
    if (!counts[step]) counts[step] = { passed: 0, failed: 0, skipped: 0 };
    if (counts[step].failed === 0) counts[step].failed = 1;
  }
  const total = { passed: 0, failed: 0, skipped: 0 };
  for (const c of Object.values(counts)) for (const k of Object.keys(total)) total[k] += c[k];
  const lines = [...notes, `(${Object.keys(counts).join(' + ') || 'no results'})`];
  if (failedSteps.length) lines.push(`failed steps: ${failedSteps.join(', ')}`);
  lines.push(`${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ''}`);
  return { lines, total };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const arg = (name) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] ?? '' : null;
  };
  const failedSteps = (arg('--failed') ?? '').split(/[ ,]+/).filter(Boolean);
  let out;
  try {
    out = summarise(arg('--results') ?? 'test-results', failedSteps);
  } catch (err) {
    out = { lines: [`summary: ${err.message}`, `0 passed, ${Math.max(1, failedSteps.length)} failed`], total: { failed: 1 } };
  }
  process.stdout.write(`${out.lines.join('\n')}\n`);
  process.exitCode = out.total.failed > 0 ? 1 : 0;
}
