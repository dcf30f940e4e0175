#!/usr/bin/env node
// Builds what `npm run build` builds, but only the steps whose inputs changed since their last successful run, so
// that `npm start` with nothing changed goes straight to the gateway. Plain CommonJS on purpose: it runs before any
// TypeScript is compiled. `--all` runs every step (what `npm run build` does) and records them as current.
//
// A step is current when the fingerprint of its inputs (path, size and modification time of each file, and the
// lockfile) equals the one recorded in dist/.build-stamps.json after it last succeeded, and its outputs exist. The
// fingerprint is taken just before the step, after the steps before it ran, so codegen's new output makes the
// client's type check run again. Deleting dist/ rebuilds everything.
'use strict';
const { createHash } = require('node:crypto');
const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } = require('node:fs');
const { join, relative } = require('node:path');

const ROOT = join(__dirname, '..');
const STAMPS = join(ROOT, 'dist', '.build-stamps.json');
const bin = (name) => join(ROOT, 'node_modules', '.bin', name);

/** Each step: its inputs (files or folders, filtered by extension), what it must leave behind, and its command. */
const STEPS = [
  {
    name: 'codegen',
    inputs: ['schema/schema.graphql', 'codegen.yml', 'test/operations', 'client/src/operations'],
    extensions: ['.graphql', '.yml'],
    outputs: ['test/generated/graphql.ts', 'client/src/generated/graphql.ts'],
    command: [bin('graphql-codegen'), '--config', 'codegen.yml'],
  },
  {
    name: 'server',
    inputs: ['src', 'scripts', 'tsconfig.json', 'tsconfig.build.json'],
    extensions: ['.ts', '.json'],
    outputs: ['dist/src/main.js', 'dist/scripts/build-dashboard.js', 'dist/scripts/build-explorer.js'],
    // Incremental: after a small change tsc re-checks what it touches, not the whole program.
    command: [bin('tsc'), '-p', 'tsconfig.build.json', '--incremental', '--tsBuildInfoFile', 'dist/.tsbuildinfo/server'],
    buildInfo: 'dist/.tsbuildinfo/server',
  },
  {
    name: 'client types',
    inputs: ['client', 'locales', 'schema/schema.graphql'],
    extensions: ['.ts', '.tsx', '.json', '.graphql'],
    outputs: [],
    command: [bin('tsc'), '-p', 'client/tsconfig.json', '--incremental', '--tsBuildInfoFile', 'dist/.tsbuildinfo/client'],
  },
  {
    name: 'web types',
    inputs: ['web'],
    extensions: ['.ts', '.tsx', '.json'],
    outputs: [],
    command: [bin('tsc'), '-p', 'web/tsconfig.json', '--incremental', '--tsBuildInfoFile', 'dist/.tsbuildinfo/web'],
  },
  {
    name: 'pages',
    inputs: ['client/src', 'locales', 'scripts/build-dashboard.ts', 'src/web/dashboard.http.ts', 'src/web/invite.http.ts'],
    extensions: ['.ts', '.tsx', '.html', '.css', '.graphql', '.json'],
    outputs: ['dist/web/dashboard/index.html', 'dist/web/invite/index.html'],
    command: [process.execPath, 'dist/scripts/build-dashboard.js'],
  },
  {
    name: 'explorer',
    inputs: ['web/graphiql', 'scripts/explorer-bundle.ts', 'scripts/build-explorer.ts', 'src/web/explorer-assets.ts'],
    extensions: ['.ts', '.tsx', '.css', '.html', '.json'],
    outputs: ['dist/web/graphiql'],
    command: [process.execPath, 'dist/scripts/build-explorer.js'],
  },
];

/** Every file under `path` (a file or a folder) with one of `extensions`, relative to the root, sorted. */
function filesOf(path, extensions, found = []) {
  const absolute = join(ROOT, path);
  if (!existsSync(absolute)) return found;
  const stat = statSync(absolute);
  if (stat.isFile()) {
    found.push(path);
    return found;
  }
  for (const entry of readdirSync(absolute, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const child = join(path, entry.name);
    if (entry.isDirectory()) filesOf(child, extensions, found);
    else if (extensions.some((extension) => entry.name.endsWith(extension))) found.push(child);
  }
  return found;
}

/** Inputs by path, size and modification time (a checkout or an edit changes the time; no need to read contents). */
function fingerprint(step) {
  const hash = createHash('sha256');
  const lock = join(ROOT, 'package-lock.json');
  if (existsSync(lock)) hash.update(readFileSync(lock));
  hash.update(process.version); // another Node may need another build of the bundles
  const files = step.inputs.flatMap((input) => filesOf(input, step.extensions)).sort();
  for (const file of files) {
    const stat = statSync(join(ROOT, file));
    // Whole milliseconds: copies (cp -p, a cache restore) keep times to the microsecond at best.
    hash.update(`${relative(ROOT, join(ROOT, file))}\0${stat.size}\0${Math.round(stat.mtimeMs)}\n`);
  }
  return hash.digest('hex');
}

function readStamps() {
  try {
    return JSON.parse(readFileSync(STAMPS, 'utf8'));
  } catch {
    return {};
  }
}

function main() {
  const all = process.argv.includes('--all');
  const started = Date.now();
  const stamps = readStamps();
  const ran = [];
  for (const step of STEPS) {
    const print = fingerprint(step);
    const outputsThere = step.outputs.every((output) => existsSync(join(ROOT, output)));
    if (!all && outputsThere && stamps[step.name] === print) continue;
    // tsc --incremental trusts its build info, not the files: outputs deleted by hand would not come back.
    if (step.buildInfo && !outputsThere) rmSync(join(ROOT, step.buildInfo), { force: true });
    const stepStarted = Date.now();
    const [command, ...args] = step.command;
    const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit' });
    if (result.status !== 0) {
      console.error(`build: ${step.name} failed (${result.error ? result.error.message : `exit ${result.status}`})`);
      process.exit(result.status || 1);
    }
    stamps[step.name] = print;
    mkdirSync(join(ROOT, 'dist'), { recursive: true });
    writeFileSync(STAMPS, `${JSON.stringify(stamps, null, 2)}\n`);
    ran.push(`${step.name} ${((Date.now() - stepStarted) / 1000).toFixed(1)} s`);
  }
  const took = ((Date.now() - started) / 1000).toFixed(1);
  console.error(ran.length ? `build: ran ${ran.join(', ')} (${took} s)` : `build: everything current (${took} s)`);
}

main();
