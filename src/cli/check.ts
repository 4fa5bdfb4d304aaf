/**
 * `regent check`: everything that would stop regent from starting or serving, found before a
 * deploy. The configuration of this environment (defaults, REGENT_CONFIG, REGENT_* variables;
 * every bad key), the policies (`opa check --strict`, then the wasm build with the runtime's
 * capabilities) and the catalogue in the policy data (src/catalogue/validate.ts).
 */
import path from 'node:path';
import { ConfigError, loadConfig } from '../config/load-config.ts';
import { replicaWarnings } from '../config/replica-warnings.ts';
import { validateCatalogue } from '../catalogue/validate.ts';
import { catalogueOf, configOf } from '../catalogue/catalogue.ts';
import { formatErrorDetail, parseOpaErrors } from '../policy/toolchain/build-bundle.ts';
import { runOpa } from '../policy/toolchain/opa-cli.ts';
import { EXIT, parseFlags, runCommand, UsageError, type Command } from './command.ts';
import { buildDirectory, PolicyBuildFailed, readBundleFile, type LoadedSource } from './policy-source.ts';

const HELP = `usage: regent check [--config <file>] [--policy-dir <dir> | --bundle <file>] [--no-config]

Checks what regent needs before it serves, and reports every problem, not the first:

  configuration  defaults, then the JSON file in REGENT_CONFIG (or --config), then the REGENT_*
                 environment variables, with the files they name (tokens, keys, JWKS)
  policies       opa check --strict on the Rego directory (tests included), then the wasm build
                 with the capabilities regent's runtime has
  catalogue      the configuration in the policy data (data.regent.config): tools, systems,
                 labels, destinations, principals, rules

  --config <file>      configuration file to check (instead of REGENT_CONFIG)
  --policy-dir <dir>   Rego directory (default: REGENT_POLICY_DIR when set, else rego)
  --bundle <file>      check a built bundle's catalogue instead of a directory
  --no-config          skip the configuration (check policies only)

Exit: 0 no problems, 1 problems found (listed on stdout), 2 usage error. Warnings (settings that
work but split state between replicas) are printed with "!" and do not change the exit code.
`;

/** The problems of one part, printed as a section. */
interface Section {
  name: string;
  subject: string;
  problems: string[];
  /** Settings that work but are likely a mistake (printed, not counted as problems). */
  warnings?: string[];
}

/** `regent check`. */
export const check: Command = {
  path: ['check'],
  help: HELP,
  run: (argv) =>
    runCommand(check, async () => {
      const { values } = parseFlags(argv, {
        config: { type: 'string' },
        'policy-dir': { type: 'string' },
        bundle: { type: 'string' },
        'no-config': { type: 'boolean', default: false },
      });
      if (values['policy-dir'] !== undefined && values.bundle !== undefined)
        throw new UsageError('give --policy-dir or --bundle, not both');
      if (values['no-config'] && values.config !== undefined) throw new UsageError('--config and --no-config conflict');

      const sections: Section[] = [];
      let policyDir = values['policy-dir'];
      let authenticated = false;
      if (!values['no-config']) {
        const env = values.config === undefined ? process.env : { ...process.env, REGENT_CONFIG: values.config };
        const subject = values.config ?? (env['REGENT_CONFIG'] || 'defaults and REGENT_* variables');
        try {
          const config = loadConfig(env);
          if (policyDir === undefined && values.bundle === undefined && config.policyDir !== '')
            policyDir = config.policyDir;
          sections.push({ name: 'configuration', subject, problems: [], warnings: replicaWarnings(config) });
          authenticated = config.tokensFile !== '' || config.tlsClientCaPath !== '';
        } catch (err) {
          if (!(err instanceof ConfigError)) throw err;
          sections.push({ name: 'configuration', subject, problems: [...err.problems] });
        }
      }

      let source: LoadedSource | undefined;
      if (values.bundle !== undefined) {
        source = await readBundleFile(values.bundle);
        sections.push({ name: 'policies', subject: values.bundle, problems: [] });
      } else {
        const dir = policyDir ?? 'rego';
        const strict = await runOpa(['check', '--strict', '-f', 'json', path.resolve(dir)]);
        const problems = strict.code === 0 ? [] : parseOpaErrors(strict.stderr + strict.stdout).map(formatErrorDetail);
        if (problems.length === 0) {
          try {
            source = await buildDirectory(dir);
          } catch (err) {
            if (!(err instanceof PolicyBuildFailed)) throw err;
            problems.push(...err.problems);
          }
        }
        sections.push({ name: 'policies', subject: `${dir}/`, problems });
      }
      if (source !== undefined) {
        const problems = await validateCatalogue(source.bundle);
        const warnings = authenticated ? unboundAgentWarnings(source.bundle.data) : [];
        sections.push({
          name: 'catalogue',
          subject: `revision ${source.bundle.manifest.revision}`,
          problems,
          warnings,
        });
      } else {
        sections.push({ name: 'catalogue', subject: 'not checked: the policies do not compile', problems: [] });
      }

      let total = 0;
      for (const s of sections) {
        total += s.problems.length;
        const status = s.problems.length === 0 ? 'ok' : `${s.problems.length} problem(s)`;
        process.stdout.write(`${s.name}: ${status} (${s.subject})\n`);
        for (const p of s.problems) process.stdout.write(`  - ${p}\n`);
        for (const w of s.warnings ?? []) process.stdout.write(`  ! warning: ${w}\n`);
      }
      return total === 0 ? EXIT.ok : EXIT.failed;
    }),
};

/**
 * With authentication on, agents whose registry entry names no `callers` may be named by any
 * caller with `decide` (and so decided with their roles): one warning listing them.
 */
export function unboundAgentWarnings(data: Record<string, unknown>): string[] {
  const agents = configOf(data)['agents'];
  const ids = agents !== null && typeof agents === 'object' ? Object.keys(agents) : [];
  const bound = catalogueOf(data).agentCallers;
  const unbound = ids.filter((id) => !bound.has(id)).sort();
  if (unbound.length === 0) return [];
  return [
    `agents ${unbound.join(', ')} name no callers in the registry: any caller with the decide scope may decide for them (set agents.<id>.callers to the token ids or certificate CNs of their gateways)`,
  ];
}
