/**
 * Reads the files of an `opa build` bundle (.tar.gz) for tests, without a tar dependency.
 */
import { gunzipSync } from 'node:zlib';

/** Files of a .tar.gz bundle by name, leading slash removed (`policy.wasm`, `data.json`, ...). */
export function readTarGz(bytes: Buffer): Map<string, Buffer> {
  const tar = gunzipSync(bytes);
  const files = new Map<string, Buffer>();
  for (let at = 0; at + 512 <= tar.length;) {
    const header = tar.subarray(at, at + 512);
    const name = header.toString('utf8', 0, 100).replace(/\0.*$/s, '');
    if (name === '') break;
    const size = parseInt(header.toString('utf8', 124, 136).replace(/\0.*$/s, '').trim() || '0', 8);
    files.set(name.replace(/^\//, ''), tar.subarray(at + 512, at + 512 + size));
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}
