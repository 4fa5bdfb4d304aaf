/**
 * Summarises V8 CPU profiles (`node --cpu-prof` writes one per thread: the HTTP thread and each
 * evaluation worker) as markdown: the top frames by self time, and per component (npm package,
 * regent folder, wasm, GC, Node internals) both self time and time with the component anywhere
 * on the stack, which is what removing it would save at most. Threads are added up: on a shared
 * core their CPU time competes. An optional window keeps only samples taken during the load.
 * Usage: node bench/profile-summary.ts <file.cpuprofile>...
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

/** A V8 CPU profile as `--cpu-prof` writes it (times in microseconds of the monotonic clock). */
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** One row of the summary. */
export interface ProfileRow {
  name: string;
  /** Milliseconds. */
  selfMs: number;
  /** Share of busy (non-idle) time. */
  selfShare: number;
  /** Milliseconds with this component anywhere on the stack (components only). */
  totalMs?: number;
  totalShare?: number;
}

/** A profile's summary. */
export interface ProfileSummary {
  busyMs: number;
  idleMs: number;
  /** Busy milliseconds per profile (thread), in the order given. */
  threads: number[];
  /** False when no sample fell in the window (clocks not comparable), so all samples were used. */
  windowed: boolean;
  frames: ProfileRow[];
  components: ProfileRow[];
}

/** Which part of the system a frame belongs to. */
export function componentOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (functionName === '(idle)') return '(idle)';
  if (functionName === '(garbage collector)') return 'V8 garbage collector';
  if (functionName === '(program)') return 'V8/native (program)';
  if (url.startsWith('wasm://') || /^(\$|wasm-function)/.test(functionName)) return 'policy wasm (opa_eval)';
  const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg !== null) return `npm ${pkg[1]}`;
  const src = /\/(src|bench)\/(.+)$/.exec(url);
  if (src !== null) {
    const parts = src[2]!.split('/');
    return `regent ${src[1]}/${parts.length > 1 ? parts.slice(0, parts.length > 2 ? 2 : 1).join('/') + '/' : parts[0]}`;
  }
  if (url.startsWith('node:')) {
    const mod = url.slice(5).replace(/^internal\//, '');
    return `node ${mod.split('/')[0]!.replace(/^_/, '').replace(/\.js$/, '')}`;
  }
  if (url === '') return `V8 builtin ${functionName === '' ? '(anonymous)' : functionName}`;
  return url;
}

function frameName(f: CallFrame): string {
  const where =
    f.url === '' ? '' : ` ${f.url.replace(/^file:\/\/.*?\/(node_modules|src|bench)\//, '$1/')}:${f.lineNumber + 1}`;
  return `${f.functionName === '' ? '(anonymous)' : f.functionName}${where}`;
}

/** Time window in microseconds of the monotonic clock (process.hrtime / 1000 on Linux). */
export interface Window {
  fromUs: number;
  toUs: number;
}

/** Summarises parsed profiles, optionally only samples inside `window`. */
export function summarise(profiles: readonly CpuProfile[], window?: Window, top = 25): ProfileSummary {
  const inWindow = (t: number) => window === undefined || (t >= window.fromUs && t <= window.toUs);
  const windowed =
    window === undefined || profiles.some((p) => p.startTime <= window.toUs && p.endTime >= window.fromUs);
  const self = new Map<string, number>();
  const compSelf = new Map<string, number>();
  const compTotal = new Map<string, number>();
  const threads: number[] = [];
  let idle = 0;
  let busy = 0;
  for (const profile of profiles) {
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    let threadBusy = 0;
    let t = profile.startTime;
    for (let i = 0; i < profile.samples.length; i++) {
      t += profile.timeDeltas[i] ?? 0;
      if (windowed && !inWindow(t)) continue;
      // A sample stands for the time until the next one.
      const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
      const node = byId.get(profile.samples[i]!);
      if (node === undefined) continue;
      const comp = componentOf(node.callFrame);
      if (comp === '(idle)') {
        idle += dt;
        continue;
      }
      busy += dt;
      threadBusy += dt;
      const name = frameName(node.callFrame);
      self.set(name, (self.get(name) ?? 0) + dt);
      compSelf.set(comp, (compSelf.get(comp) ?? 0) + dt);
      const onStack = new Set<string>();
      for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
        const frame = byId.get(id)?.callFrame;
        if (frame !== undefined && frame.functionName !== '(root)') onStack.add(componentOf(frame));
      }
      for (const c of onStack) compTotal.set(c, (compTotal.get(c) ?? 0) + dt);
    }
    threads.push(threadBusy);
  }
  const rows = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([name, ms]) => ({ name, selfMs: ms, selfShare: busy === 0 ? 0 : ms / busy }));
  const components = rows(compSelf).map((r) => {
    const total = compTotal.get(r.name) ?? r.selfMs;
    return { ...r, totalMs: total, totalShare: busy === 0 ? 0 : total / busy };
  });
  return { busyMs: busy, idleMs: idle, threads, windowed, frames: rows(self).slice(0, top), components };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** Renders a summary as markdown tables. */
export function toMarkdown(s: ProfileSummary, topComponents = 20): string {
  const lines = [
    `Busy ${(s.busyMs / 1000).toFixed(2)} s over ${s.threads.length} thread(s) (${s.threads.map((t) => (t / 1000).toFixed(2) + ' s').join(', ')}), idle ${(s.idleMs / 1000).toFixed(2)} s. Shares are of busy time.` +
      (s.windowed
        ? ''
        : ' (The load window could not be matched to the profile clock: whole profile shown, start-up included.)'),
    '',
    '| Component | Self | Self % | On stack % |',
    '| --- | ---: | ---: | ---: |',
    ...s.components
      .slice(0, topComponents)
      .map((r) => `| ${r.name} | ${r.selfMs.toFixed(0)} ms | ${pct(r.selfShare)} | ${pct(r.totalShare ?? 0)} |`),
    '',
    '| Top frames by self time | Self | Self % |',
    '| --- | ---: | ---: |',
    ...s.frames.map((r) => `| \`${r.name.replace(/\|/g, '\\|')}\` | ${r.selfMs.toFixed(0)} ms | ${pct(r.selfShare)} |`),
  ];
  return lines.join('\n');
}

if (import.meta.main) {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error('usage: node bench/profile-summary.ts <file.cpuprofile>...');
    process.exit(2);
  }
  const profiles = files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as CpuProfile);
  console.log(toMarkdown(summarise(profiles)));
}
