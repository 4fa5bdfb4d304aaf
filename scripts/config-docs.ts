/**
 * Prints the README's configuration table from src/config/config-keys.ts, the same table the
 * service validates against, so the documentation cannot drift from the code.
 * Usage: node scripts/config-docs.ts
 */
import { CONFIG_KEYS } from '../src/config/config-keys.ts';

const cell = (text: string) => text.replaceAll('|', '\\|');
const lines = ['| Environment | File key | Default | Example | What it does |', '| --- | --- | --- | --- | --- |'];
for (const key of CONFIG_KEYS) {
  const def = key.default === '' ? '(empty)' : `\`${String(key.default)}\``;
  lines.push(`| \`${key.env}\` | \`${key.name}\` | ${def} | \`${cell(key.example)}\` | ${cell(key.doc)} |`);
}
console.log(lines.join('\n'));
