/**
 * What a result depends on besides the code: machine, versions, commit, pinning, and every
 * REGENT_* variable passed through to regent (worker counts and the like), so RESULTS.md can
 * be read on its own a month later.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { BenchSettings } from './settings.ts';

/** Versions and machine facts of one run. */
export interface MachineFacts {
  cpuModel: string;
  cores: number;
  node: string;
  opa: string;
  vegeta: string;
  commit: string;
  /** REGENT_* variables set in the harness's environment, passed through to regent. */
  regentEnv: Record<string, string>;
}

function git(root: string, args: string[]): string {
  return execFileSync('git', args, { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] })
    .toString()
    .trim();
}

/** Collects the facts; unknown ones say so rather than failing the run. */
export function machineFacts(s: BenchSettings): MachineFacts {
  const opa = /^Version: (.*)$/m.exec(execFileSync(s.opaBin, ['version']).toString())?.[1] ?? 'unknown';
  const goMod = readFileSync(path.join(s.root, 'tools', 'go.mod'), 'utf8');
  let commit = 'unknown';
  try {
    commit = git(s.root, ['rev-parse', '--short', 'HEAD']);
    if (git(s.root, ['status', '--porcelain', '--', 'src', 'rego', 'bench']) !== '')
      commit += ' (with uncommitted changes)';
  } catch {
    // Not a git checkout.
  }
  const regentEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (k.startsWith('REGENT_') && v !== undefined) regentEnv[k] = v;
  return {
    cpuModel: /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown',
    cores: availableParallelism(),
    node: process.version,
    opa,
    vegeta: /tsenart\/vegeta\/v12 (v\S+)/.exec(goMod)?.[1] ?? 'unknown',
    commit,
    regentEnv,
  };
}
