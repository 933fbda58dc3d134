// Fails the build when the initial JavaScript is over budget.
// "Initial" = the HTML entry chunk plus every chunk it imports statically (transitively),
// read from Vite's manifest. Lazily imported chunks are not counted: they do not block
// the first paint of the Forge iframe.
import { readFileSync, existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const BUDGET_BYTES = 200 * 1024;
const here = dirname(fileURLToPath(import.meta.url));
const outDir = process.argv[2] ?? join(here, '..', '..', 'forge', 'static', 'estimo-ui');
const manifestPath = join(outDir, '.vite', 'manifest.json');

if (!existsSync(manifestPath)) {
  console.error(`check-budget: no Vite manifest at ${manifestPath}; run vite build first`);
  process.exit(2);
}
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
const entries = Object.keys(manifest).filter((key) => manifest[key].isEntry);
if (entries.length === 0) {
  console.error('check-budget: the manifest has no entry chunk');
  process.exit(2);
}

const seen = new Set();
const visit = (key) => {
  if (seen.has(key)) return;
  seen.add(key);
  for (const dep of manifest[key].imports ?? []) visit(dep);
};
entries.forEach(visit);

let total = 0;
const rows = [];
const files = new Set([...seen].map((key) => manifest[key].file));
for (const file of files) {
  if (!file.endsWith('.js')) continue;
  const gz = gzipSync(readFileSync(join(outDir, file)), { level: 9 }).length;
  total += gz;
  rows.push(`  ${file}: ${(gz / 1024).toFixed(1)} KB gzipped`);
}
console.log('check-budget: initial JavaScript');
console.log(rows.join('\n'));
const figure = `${(total / 1024).toFixed(1)} KB gzipped (budget ${BUDGET_BYTES / 1024} KB)`;
if (total > BUDGET_BYTES) {
  console.error(`check-budget: FAILED — initial JavaScript is ${figure}`);
  process.exit(1);
}
console.log(`check-budget: OK — initial JavaScript is ${figure}`);
