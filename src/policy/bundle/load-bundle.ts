/**
 * The one path every bundle takes before it may be activated, whatever its source (disk or a
 * bundle server): unpack within limits, verify the signature as configured, then parse. Parsing
 * comes after verification so nothing an attacker controls is interpreted before it is checked.
 */
import { open } from 'node:fs/promises';
import { BundleError } from '../../errors/policy-errors.ts';
import { readBundle, unpackTarGz, type Bundle, type BundleLimits } from './read-bundle.ts';
import { verifyBundle, type VerificationConfig, type VerifiedSignature } from './verify-bundle.ts';

/** A bundle that passed verification (when configured) and parsed. */
export interface LoadedBundle {
  /** The exact bytes that were verified and parsed. */
  bytes: Uint8Array;
  bundle: Bundle;
  /** What the signature established; undefined when verification is not configured. */
  signature: VerifiedSignature | undefined;
}

/** Default bound on a bundle file or download (compressed). */
export const DEFAULT_MAX_BUNDLE_BYTES = 64 * 1024 * 1024;

/** Verifies (per `verification`) and parses bundle bytes; throws BundleError (BundleVerificationError for signature failures). */
export async function openBundle(
  bytes: Uint8Array,
  verification: VerificationConfig | undefined,
  limits?: BundleLimits,
): Promise<LoadedBundle> {
  // A private copy: the caller's buffer must not change between verifying and parsing.
  const own = new Uint8Array(bytes);
  const files = await unpackTarGz(own, limits);
  const signature = verifyBundle(files, verification);
  // readBundle unpacks again (it owns parsing); the bytes are the same private copy, so it reads
  // exactly the files just verified.
  const bundle = await readBundle(own, limits);
  return { bytes: own, bundle, signature };
}

/** Options for {@link loadBundleFile}. */
export interface LoadBundleFileOptions {
  /** Largest file accepted, in bytes (default {@link DEFAULT_MAX_BUNDLE_BYTES}). */
  maxBytes?: number;
  limits?: BundleLimits;
}

/** Reads, verifies and parses a bundle file from disk; throws BundleError. */
export async function loadBundleFile(
  path: string,
  verification?: VerificationConfig,
  options: LoadBundleFileOptions = {},
): Promise<LoadedBundle> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BUNDLE_BYTES;
  let bytes: Uint8Array;
  try {
    const handle = await open(path, 'r');
    try {
      const { size } = await handle.stat();
      if (size > maxBytes)
        throw new BundleError(`bundle file ${path} is ${size} bytes, over the ${maxBytes}-byte limit`);
      bytes = await handle.readFile();
    } finally {
      await handle.close();
    }
  } catch (err) {
    if (err instanceof BundleError) throw err;
    throw new BundleError(`cannot read bundle file ${path}: ${(err as Error).message}`, err);
  }
  // The file may have grown between stat and read.
  if (bytes.length > maxBytes) throw new BundleError(`bundle file ${path} is over the ${maxBytes}-byte limit`);
  return openBundle(bytes, verification, options.limits);
}
