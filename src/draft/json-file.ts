/**
 * Bounded reading of the JSON files a draft is made from: JSON lines (a log, an OTLP file
 * exporter's output) or, when the first line is not JSON on its own, the whole file as one JSON
 * document (a pretty-printed OTLP export, a decision-log upload). The file, each line and a whole
 * document have size limits; anything that is not JSON is an error naming the line, so a draft is
 * never made from a file read in part without saying so.
 */
import { open, readFile } from 'node:fs/promises';

/** How much a draft reads at most. */
export interface ReadLimits {
  /** The whole file. */
  maxFileBytes: number;
  /** One line of a JSON-lines file (a decision with its input, an OTLP batch). */
  maxLineBytes: number;
  /** A file read as one JSON document. */
  maxDocumentBytes: number;
}

/** The default limits: 512 MiB per file, 8 MiB per line, 64 MiB for a single document. */
export const READ_LIMITS: ReadLimits = {
  maxFileBytes: 512 * 1024 * 1024,
  maxLineBytes: 8 * 1024 * 1024,
  maxDocumentBytes: 64 * 1024 * 1024,
};

/** A file a draft cannot be made from: unreadable, too large, or not the format asked for. */
export class SourceFileError extends Error {}

/** Where a value was in the file: `line N`, or `the document`. */
export type Where = string;

/** What reading found besides the values. */
export interface JsonFileRead {
  /** `lines` or `document`. */
  shape: 'lines' | 'document';
  /** A last line without its newline (still being written), left out. */
  partialTail: boolean;
}

const CHUNK = 1 << 20;

/** Calls `visit` with every JSON value in `file` (one per non-empty line, or the one document). */
export async function readJsonValues(
  file: string,
  visit: (value: unknown, where: Where) => void,
  limits: ReadLimits = READ_LIMITS,
): Promise<JsonFileRead> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    throw new SourceFileError(`cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    const { size } = await handle.stat();
    if (size > limits.maxFileBytes)
      throw new SourceFileError(`${file} is ${size} bytes, more than the ${limits.maxFileBytes} a draft reads`);
    const buffer = Buffer.allocUnsafe(CHUNK);
    let carry = Buffer.alloc(0);
    let position = 0;
    let lineNo = 0;
    let first = true;
    const line = (bytes: Buffer): boolean => {
      lineNo += 1;
      const text = bytes.toString('utf8').trim();
      if (text === '') return true;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        if (first) return false;
        throw new SourceFileError(`${file} line ${lineNo} is not JSON: ${(err as Error).message}`);
      }
      first = false;
      visit(value, `line ${lineNo}`);
      return true;
    };
    while (position < size) {
      const read = await handle.read(buffer, 0, Math.min(CHUNK, size - position), position);
      if (read.bytesRead === 0) break;
      position += read.bytesRead;
      const chunk =
        carry.length === 0
          ? buffer.subarray(0, read.bytesRead)
          : Buffer.concat([carry, buffer.subarray(0, read.bytesRead)]);
      let from = 0;
      for (let nl = chunk.indexOf(10, from); nl !== -1; nl = chunk.indexOf(10, from)) {
        if (nl - from > limits.maxLineBytes)
          throw new SourceFileError(`${file} line ${lineNo + 1} is longer than ${limits.maxLineBytes} bytes`);
        if (!line(chunk.subarray(from, nl))) return await wholeDocument(file, size, lineNo, visit, limits);
        from = nl + 1;
      }
      carry = Buffer.from(chunk.subarray(from));
      if (carry.length > limits.maxLineBytes) {
        if (first) return await wholeDocument(file, size, lineNo + 1, visit, limits);
        throw new SourceFileError(`${file} line ${lineNo + 1} is longer than ${limits.maxLineBytes} bytes`);
      }
    }
    if (carry.toString('utf8').trim() === '') return { shape: 'lines', partialTail: false };
    // A last line without its newline: whole if it parses (a file written by hand), else a tail
    // still being written, left out and reported; in a file with no complete line, the document.
    try {
      const value: unknown = JSON.parse(carry.toString('utf8'));
      lineNo += 1;
      visit(value, `line ${lineNo}`);
      return { shape: 'lines', partialTail: false };
    } catch {
      if (first) return await wholeDocument(file, size, lineNo + 1, visit, limits);
      return { shape: 'lines', partialTail: true };
    }
  } finally {
    await handle.close();
  }
}

async function wholeDocument(
  file: string,
  size: number,
  badLine: number,
  visit: (value: unknown, where: Where) => void,
  limits: ReadLimits,
): Promise<JsonFileRead> {
  if (size > limits.maxDocumentBytes)
    throw new SourceFileError(
      `${file} line ${badLine} is not JSON, and at ${size} bytes the file is too large to read as one JSON document (${limits.maxDocumentBytes})`,
    );
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new SourceFileError(
      `${file} is neither JSON lines (line ${badLine} is not JSON) nor one JSON document: ${(err as Error).message}`,
    );
  }
  visit(value, 'the document');
  return { shape: 'document', partialTail: false };
}
