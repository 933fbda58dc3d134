// Validates a Forge manifest with Atlassian's own validator (@forge/manifest), offline.
//
//   node lint.mjs [path/to/manifest.yml] [--stub-missing-resources]
//
// Prints one line per problem ("level line:column message") and exits 0 when the manifest
// is valid, 1 when it is not, 2 on a usage or internal error.
//
// --stub-missing-resources: the validator insists that every `resources[].path` exists and
// holds an index.html. The Custom UI bundle (web/dist) is build output and may not exist
// when only the manifest is under test, so this option validates a copy of the manifest in
// a temporary folder where each missing resource folder is replaced by a one-file stub.
// Resources that do exist are validated as they are.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);
const { validate } = require('@forge/manifest');

const args = process.argv.slice(2);
const stub = args.includes('--stub-missing-resources');
const positional = args.filter((a) => !a.startsWith('--'));
const manifestPath = path.resolve(positional[0] ?? path.join(import.meta.dirname, '../../forge/manifest.yml'));

if (!fs.existsSync(manifestPath)) {
  console.error(`error manifest not found: ${manifestPath}`);
  process.exit(2);
}

function prepareStubbedCopy(original) {
  const text = fs.readFileSync(original, 'utf8');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'estimo-manifest-'));
  // Keep the manifest one level deep so that paths like ../web/dist stay inside the copy.
  const dir = path.join(root, 'app', path.basename(path.dirname(original)));
  fs.mkdirSync(dir, { recursive: true });
  const copy = path.join(dir, path.basename(original));
  fs.writeFileSync(copy, text);
  const resourcePaths = [...text.matchAll(/^\s+path:\s*(\S+)\s*$/gm)].map((m) => m[1]);
  for (const rel of resourcePaths) {
    if (rel.startsWith('/')) continue; // route paths of endpoints, not resources
    const realDir = path.resolve(path.dirname(original), rel);
    const stubDir = path.resolve(dir, rel);
    if (fs.existsSync(realDir)) {
      fs.cpSync(realDir, stubDir, { recursive: true });
    } else {
      fs.mkdirSync(stubDir, { recursive: true });
      fs.writeFileSync(path.join(stubDir, 'index.html'), '<!doctype html><title>stub</title>\n');
      console.log(`note stubbed missing resource folder ${rel}`);
    }
  }
  return { copy, root };
}

let target = manifestPath;
let cleanup = null;
if (stub) {
  const prepared = prepareStubbedCopy(manifestPath);
  target = prepared.copy;
  cleanup = () => fs.rmSync(prepared.root, { recursive: true, force: true });
}

try {
  const result = await validate(false, target);
  const problems = result.errors ?? [];
  for (const e of problems) {
    console.log(`${e.level ?? 'error'} ${e.line ?? 0}:${e.column ?? 0} ${e.message}`);
  }
  const errors = problems.filter((e) => (e.level ?? 'error') === 'error');
  if (result.success && errors.length === 0) {
    console.log(`ok ${manifestPath}`);
    process.exitCode = 0;
  } else {
    console.log(`invalid ${manifestPath} (${errors.length} error(s))`);
    process.exitCode = 1;
  }
} catch (err) {
  console.error(`error validator failed: ${err?.stack ?? err}`);
  process.exitCode = 2;
} finally {
  cleanup?.();
}
