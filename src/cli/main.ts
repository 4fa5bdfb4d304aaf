#!/usr/bin/env node
/**
 * `regent`, the one command line: dispatches `regent <command> [subcommand] [flags]` to the
 * modules beside this one, one file per subcommand, each with its own `--help`. What a command
 * does lives in src/ (audit, policy, decision); these files only parse flags and print.
 */
import { EXIT, type Command } from './command.ts';

/** A command as `regent --help` lists it; its module (and what it imports) loads only when run. */
export interface CommandEntry {
  readonly path: readonly string[];
  readonly summary: string;
  load(): Promise<Command>;
}

/** Every command, in the order `regent --help` lists them. */
export const COMMANDS: readonly CommandEntry[] = [
  {
    path: ['serve'],
    summary: 'serve decisions over HTTP (settings from REGENT_* and REGENT_CONFIG)',
    load: async () => (await import('./serve.ts')).serve,
  },
  {
    path: ['check'],
    summary: 'check the configuration, the policies and the catalogue; report every problem',
    load: async () => (await import('./check.ts')).check,
  },
  {
    path: ['eval'],
    summary: 'decide one request offline and show the input the policy saw (the playground)',
    load: async () => (await import('./eval.ts')).evalCommand,
  },
  {
    path: ['bundle', 'build'],
    summary: 'compile a Rego directory into a wasm bundle with the pinned OPA',
    load: async () => (await import('./bundle-build.ts')).bundleBuild,
  },
  {
    path: ['bundle', 'sign'],
    summary: "sign a bundle in OPA's format (.signatures.json)",
    load: async () => (await import('./bundle-sign.ts')).bundleSign,
  },
  {
    path: ['replay'],
    summary: 'replay recorded decisions against a candidate bundle and show what changes',
    load: async () => (await import('./replay.ts')).replay,
  },
  {
    path: ['draft'],
    summary: 'draft least-privilege configuration per agent from the audit trail, decision logs or GenAI traces',
    load: async () => (await import('./draft.ts')).draft,
  },
  {
    path: ['audit', 'verify'],
    summary: 'verify an audit trail offline (hash chain, order, signed checkpoints)',
    load: async () => (await import('./audit-verify.ts')).auditVerify,
  },
  {
    path: ['audit', 'export'],
    summary: 'export the audit trail as JSON lines (OCSF-style events or raw records)',
    load: async () => (await import('./audit-export.ts')).auditExport,
  },
];

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.path.join(' ').length));
  const lines = COMMANDS.map((c) => `  ${c.path.join(' ').padEnd(width)}  ${c.summary}`);
  return `usage: regent <command> [flags]

regent, a policy decision point for AI agents.

Commands:
${lines.join('\n')}

'regent <command> --help' describes a command's flags and exit codes.
`;
}

/** Runs the command line `argv` (without `node` and the script); resolves with the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [first, second] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    (first === undefined ? process.stderr : process.stdout).write(overview());
    return first === undefined ? EXIT.usage : EXIT.ok;
  }
  const group = COMMANDS.filter((c) => c.path[0] === first);
  if (group.length === 0) {
    process.stderr.write(`regent: unknown command '${first}'\n\n${overview()}`);
    return EXIT.usage;
  }
  const single = group.find((c) => c.path.length === 1);
  if (single !== undefined) return (await single.load()).run(argv.slice(1));
  const command = group.find((c) => c.path[1] === second);
  if (command !== undefined) return (await command.load()).run(argv.slice(2));
  const names = group.map((c) => c.path[1] as string).join(', ');
  const asked = second === undefined || second === '--help' || second === '-h';
  const message = `usage: regent ${first} <${names.replaceAll(', ', '|')}> [flags]\n\n${group
    .map((c) => `  ${c.path.join(' ')}  ${c.summary}`)
    .join('\n')}\n`;
  if (asked && second !== undefined) {
    process.stdout.write(message);
    return EXIT.ok;
  }
  process.stderr.write(`${second === undefined ? '' : `regent ${first}: unknown command '${second}'\n\n`}${message}`);
  return EXIT.usage;
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
