// Validates a Forge manifest offline with Atlassian's own tools:
//   1. @forge/manifest's validate() — the schema and reference checks `forge deploy` runs;
//   2. @forge/lint's client-side linters — what `forge lint` adds (permissions, CSP, endpoints…).
//
//   node lint.mjs [path/to/manifest.yml] [--stub-missing-resources]
//
// Prints one line per problem ("level line:column message") and exits 0 when the manifest
// is valid, 1 when it is not, 2 on a usage or internal error.
//
// Two parts of @forge/lint cannot run offline and are left out, on purpose:
//   - PermissionLinter downloads Atlassian's product OpenAPI specs to match requestJira calls
//     in Forge function source against scopes. Estimo has no Forge functions (its backend is
//     a remote), so there is no source for it to check anyway.
//   - The Statsig feature-flag client, which only supplies a list of deprecated runtimes; it is
//     replaced by a stub that answers "none".
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
const YAML = require('yaml');

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
  let errors = problems.filter((e) => (e.level ?? 'error') === 'error');
  if (result.success && errors.length === 0) {
    errors = await forgeLint(target);
  }
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

// Runs @forge/lint's client-side linters (minus the network-bound PermissionLinter) the way
// `forge lint` does: from the app folder, on the parsed manifest.
async function forgeLint(manifestFile) {
  // Loaded only when needed: @forge/lint is large and the schema check usually decides first.
  const { lint, getClientSideLintersOnly } = require('@forge/lint');
  const cwd = process.cwd();
  process.chdir(path.dirname(manifestFile));
  try {
    const manifest = YAML.parse(fs.readFileSync(manifestFile, 'utf8'));
    const quiet = () => {};
    const logger = new Proxy({}, { get: () => quiet });
    const statsig = new Proxy({}, { get: () => async () => [] });
    const linters = (await getClientSideLintersOnly(manifest, 'development', logger, statsig))
      .filter((linter) => linter.constructor.name !== 'PermissionLinter');
    const results = await lint([], manifest, 'development', logger, statsig, { linters });
    const errors = [];
    for (const r of results) {
      for (const e of r.errors) {
        console.log(`error ${e.line ?? 0}:${e.column ?? 0} ${e.message} (forge lint)`);
        errors.push(e);
      }
      for (const w of r.warnings) {
        console.log(`warning ${w.line ?? 0}:${w.column ?? 0} ${w.message} (forge lint)`);
      }
    }
    return errors;
  } finally {
    process.chdir(cwd);
  }
}
