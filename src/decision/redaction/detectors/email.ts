/**
 * E-mail addresses. Linear by construction: a match may only start where a local-part run
 * starts (lookbehind), and every run is bounded (64 for the local part, 63 per label, 8 labels).
 */
import { scanCandidates, wholeMatch } from './scan-regex.ts';
import type { Detector } from './types.ts';

// Letters and digits of any script (RFC 6531 addresses such as josé@correo.es), not just ASCII.
// A TLD directly followed by a local-part character (`a@b.c+x@d.io`) is not where an address ends.
const EMAIL =
  /(?<![\p{L}\p{N}._%+-])[\p{L}\p{N}._%+-]{1,64}@(?:[\p{L}\p{N}-]{1,63}\.){1,8}\p{L}{2,24}(?![\p{L}\p{N}_%+@-])/gu;

// Asset names such as `logo@2x.png` have the shape of an address; no real TLD is a file extension.
const FILE_EXTENSIONS = new Set([
  'png',
  'jpg',
  'jpeg',
  'gif',
  'svg',
  'webp',
  'bmp',
  'ico',
  'tif',
  'tiff',
  'avif',
  'heic',
  'css',
  'js',
  'mjs',
  'cjs',
  'ts',
  'tsx',
  'jsx',
  'json',
  'map',
  'txt',
  'pdf',
  'zip',
  'gz',
  'tgz',
  'wasm',
]);

/** Finds e-mail addresses. */
export const emailDetector: Detector = {
  type: 'email',
  mayContain: (text) => text.includes('@'),
  find: (text) =>
    scanCandidates(EMAIL, text, (m) => {
      const address = m[0];
      const at = address.indexOf('@');
      const local = address.slice(0, at);
      const labels = address.slice(at + 1).split('.');
      const tld = (labels.at(-1) ?? '').toLowerCase();
      if (FILE_EXTENSIONS.has(tld)) return [];
      if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) return [];
      if (labels.some((l) => l.startsWith('-') || l.endsWith('-'))) return [];
      return [wholeMatch(m)];
    }),
};
