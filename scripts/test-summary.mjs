// Adds up the counts of every test runner in the suite into one closing line: "N passed, N failed".
import { existsSync, readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
let skipped = 0;
const parts = [];
const read = (f) => (existsSync(f) ? readFileSync(f, 'utf8') : null);

for (const name of ['native', 'native-windows']) {
  const text = read(`test-results/${name}.txt`);
  if (!text) continue;
  for (const m of text.matchAll(/^(\d+) passed, (\d+) failed/gm)) {
    passed += Number(m[1]);
    failed += Number(m[2]);
  }
  parts.push(name);
}
const unit = read('test-results/unit.json');
if (unit) {
  const j = JSON.parse(unit);
  passed += j.numPassedTests ?? 0;
  failed += j.numFailedTests ?? 0;
  skipped += (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0);
  parts.push('unit');
}
const e2e = read('test-results/e2e.json');
if (e2e) {
  const s = JSON.parse(e2e).stats ?? {};
  passed += (s.expected ?? 0) + (s.flaky ?? 0);
  failed += s.unexpected ?? 0;
  skipped += s.skipped ?? 0;
  parts.push('e2e');
}
console.log(`(${parts.join(' + ') || 'no results'})`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
