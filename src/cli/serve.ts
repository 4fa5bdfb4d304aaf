/**
 * `regent serve`: runs the decision point (src/main.ts wires the process). Settings come from
 * defaults, the JSON file in REGENT_CONFIG (or --config) and REGENT_* variables, not flags, so a
 * deployment has one place that says how it runs.
 */
import { CONFIG_KEYS } from '../config/config-keys.ts';
import { serve as serveProcess } from '../main.ts';
import { EXIT, parseFlags, runCommand, type Command } from './command.ts';

const settings = CONFIG_KEYS.map((k) => `  ${k.env.padEnd(38)} ${k.name} (default ${JSON.stringify(k.default)})`);

const HELP = `usage: regent serve [--config <file>]

Serves decisions over HTTP (127.0.0.1:8181 by default) until SIGTERM or SIGINT, which drain
first; a second signal exits at once. SIGHUP re-reads the token and client-certificate files.
Settings: defaults, then the JSON file in REGENT_CONFIG (keys as below), then the REGENT_*
environment variables; every bad one is reported at start. The README's configuration table
says what each does. 'regent check' finds the same problems without serving.

  --config <file>   configuration file (the same as REGENT_CONFIG=<file>)

Exit: 0 after a clean shutdown, 1 start-up or shutdown failed (a port in use, too), 2 invalid configuration or an
unsafe binding (nothing started), or usage error.

Settings (environment, file key, default):
${settings.join('\n')}
`;

/** `regent serve`. */
export const serve: Command = {
  path: ['serve'],
  help: HELP,
  run: (argv) =>
    runCommand(serve, async () => {
      const { values } = parseFlags(argv, { config: { type: 'string' } });
      const env = values.config === undefined ? process.env : { ...process.env, REGENT_CONFIG: values.config };
      const code = await serveProcess(env);
      return code === 0 ? EXIT.ok : code === 1 ? EXIT.failed : EXIT.usage;
    }),
};
