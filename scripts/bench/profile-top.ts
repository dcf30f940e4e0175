/**
 * Where a V8 CPU profile spends its time: the top functions by self time, and self time by package.
 *
 *   npx tsx scripts/bench/profile-top.ts /tmp/prof/<file>.cpuprofile [n=25] [from-s to-s]
 *
 * With `from-s to-s`, only the samples taken that many seconds after the profile started (a bench phase, such as
 * fan-out's burst); `PROFILE_TIMELINE=1` first prints the busy milliseconds of each second, to find the phase.
 *
 * Profiles come from `node --cpu-prof`, e.g. `BENCH_GATEWAY_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" npm run bench`
 * (written when the gateway exits). Packages: `node_modules/<pkg>` (scoped ones as `@scope/pkg`), the project's
 * own files by folder (`src/modules/members`, `src/graphql`, ...), `node:internal`, `(native)` for V8 builtins and
 * code without a script, and V8's own `(gc)`, `(program)`, `(idle)`. No dependencies.
 */
import { readFileSync } from 'node:fs';

interface CallFrame { functionName: string; url: string; lineNumber: number; columnNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame; hitCount?: number; children?: number[] }
interface Profile { nodes: ProfileNode[]; startTime: number; endTime: number; samples?: number[]; timeDeltas?: number[] }

/**
 * Self time in µs of each node: the time from each sample to the next one goes to the sampled node. With a window
 * (µs since the profile's start), only the samples taken within it.
 */
function selfTimes(profile: Profile, window: [number, number] | null = null): Map<number, number> {
  const self = new Map<number, number>();
  const { samples, timeDeltas } = profile;
  if (samples?.length && timeDeltas?.length === samples.length) {
    let at = 0;
    for (let i = 0; i < samples.length; i++) {
      at += timeDeltas[i]!;
      if (window && (at < window[0] || at > window[1])) continue;
      const duration = i + 1 < timeDeltas.length ? timeDeltas[i + 1]! : 0;
      self.set(samples[i]!, (self.get(samples[i]!) ?? 0) + Math.max(0, duration));
    }
    return self;
  }
  // No sample list: spread the profile's duration over the hit counts.
  const hits = profile.nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0);
  const perHit = hits ? (profile.endTime - profile.startTime) / hits : 0;
  for (const node of profile.nodes) self.set(node.id, (node.hitCount ?? 0) * perHit);
  return self;
}

function packageOf(frame: CallFrame): string {
  const special: Record<string, string> = { '(garbage collector)': '(gc)', '(program)': '(program)', '(idle)': '(idle)', '(root)': '(root)' };
  if (special[frame.functionName]) return special[frame.functionName]!;
  const url = frame.url;
  if (!url) return '(native)';
  if (url.startsWith('node:')) return 'node:internal';
  const path = decodeURIComponent(url.replace(/^file:\/\//, ''));
  const modules = path.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const parts = path.slice(modules + '/node_modules/'.length).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  // The project's own code, built (dist/src/...) or run from source (src/...).
  const own = path.match(/(?:^|\/)(?:dist\/)?((?:src|scripts|test)\/.*)$/);
  if (own) {
    const parts = own[1]!.split('/');
    if (parts[0] === 'src' && parts[1] === 'modules' && parts.length > 3) return parts.slice(0, 3).join('/');
    return parts.length > 2 ? parts.slice(0, 2).join('/') : parts.join('/');
  }
  return path;
}

function shortLocation(frame: CallFrame): string {
  if (!frame.url) return '';
  const path = decodeURIComponent(frame.url.replace(/^file:\/\//, ''));
  const modules = path.lastIndexOf('/node_modules/');
  const short = modules >= 0 ? path.slice(modules + '/node_modules/'.length) : path.replace(/^.*?\/(?:dist\/)?((?:src|scripts|test)\/)/, '$1');
  return `${short}:${frame.lineNumber + 1}:${frame.columnNumber + 1}`;
}

/** `% busy`: of the time not idle (a bench's gateway idles while the reference server is measured). */
function table(title: string, rows: Array<[string, number]>, total: number, busy: number, n: number): void {
  console.log(`\n${title}\n`);
  console.log('| self ms | % | % busy | name |');
  console.log('| ---: | ---: | ---: | --- |');
  for (const [name, us] of rows.slice(0, n)) {
    const ofBusy = String(name).startsWith('(idle)') ? '' : ((100 * us) / busy).toFixed(1);
    console.log(`| ${(us / 1000).toFixed(1)} | ${((100 * us) / total).toFixed(1)} | ${ofBusy} | ${name} |`);
  }
}

/** Busy (not idle) milliseconds in each second of the profile. */
function timeline(profile: Profile): void {
  const idle = new Set(profile.nodes.filter((node) => node.callFrame.functionName === '(idle)').map((node) => node.id));
  const busy: number[] = [];
  let at = 0;
  const { samples = [], timeDeltas = [] } = profile;
  for (let i = 0; i < samples.length; i++) {
    at += timeDeltas[i]!;
    const second = Math.floor(at / 1e6);
    busy[second] ??= 0;
    if (!idle.has(samples[i]!)) busy[second]! += (timeDeltas[i + 1] ?? 0) / 1000;
  }
  console.log(`busy ms per second: ${busy.map((ms, second) => `${second}:${(ms ?? 0).toFixed(0)}`).join(' ')}`);
}

function main(): void {
  const [file, count, from, to] = process.argv.slice(2);
  if (!file) {
    console.error('usage: npx tsx scripts/bench/profile-top.ts <file.cpuprofile> [n=25] [from-s to-s]');
    process.exit(2);
  }
  const n = Number(count ?? 25);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  if (process.env.PROFILE_TIMELINE === '1') timeline(profile);
  const self = selfTimes(profile, from !== undefined && to !== undefined ? [Number(from) * 1e6, Number(to) * 1e6] : null);
  const total = [...self.values()].reduce((sum, us) => sum + us, 0);
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  for (const node of profile.nodes) {
    const us = self.get(node.id) ?? 0;
    if (!us) continue;
    const frame = node.callFrame;
    const location = shortLocation(frame);
    const name = `${frame.functionName || '(anonymous)'}${location ? ` ${location}` : ''}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
    const pkg = packageOf(frame);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
  }
  const sorted = (map: Map<string, number>) => [...map.entries()].sort((a, b) => b[1] - a[1]);
  const idle = byPackage.get('(idle)') ?? 0;
  console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled, ${(idle / 1000).toFixed(0)} ms idle, ${profile.samples?.length ?? 0} samples`);
  const busy = Math.max(1, total - idle);
  table(`Top ${n} functions by self time`, sorted(byFunction), total, busy, n);
  table(`Self time by package`, sorted(byPackage), total, busy, Math.max(n, 40));
}

main();
