/**
 * The log stream on fd 1 batches per event-loop turn: every line written in one turn reaches the
 * underlying stream in one write (a writev), in order, and nothing waits past the turn. Real
 * streams: a file write stream (what fd 1 gets in production, here on a temp file) counted at its
 * _write/_writev.
 */
import assert from 'node:assert/strict';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { TurnBatchedWriter, createLogger } from '../../src/observability/logger.ts';

const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** A file write stream that counts the writes it hands to the thread pool. */
async function countedFile(): Promise<{
  file: string;
  stream: ReturnType<typeof createWriteStream>;
  writes: () => number;
}> {
  const dir = await mkdtemp(path.join(tmpdir(), 'regent-log-'));
  dirs.push(dir);
  const file = path.join(dir, 'log.jsonl');
  const stream = createWriteStream(file);
  // Writes made before the file is open queue up and leave together anyway: measure an open stream.
  await new Promise<void>((resolve) => stream.once('ready', () => resolve()));
  let writes = 0;
  const write = stream._write.bind(stream);
  const writev = stream._writev!.bind(stream);
  stream._write = (...args: Parameters<typeof write>) => {
    writes++;
    write(...args);
  };
  stream._writev = (...args: Parameters<typeof writev>) => {
    writes++;
    writev(...args);
  };
  return { file, stream, writes: () => writes };
}

/** Lets the turn end, then waits until the stream has written everything it was given. */
async function settled(stream: ReturnType<typeof createWriteStream>): Promise<void> {
  await nextTurn();
  for (let i = 0; i < 1000 && stream.writableLength > 0; i++) await new Promise((r) => setTimeout(r, 1));
}

describe('log output batching', () => {
  it('sends every line of one event-loop turn in one write, in order', async () => {
    const out = await countedFile();
    const writer = new TurnBatchedWriter(out.stream);
    for (let i = 0; i < 50; i++) writer.write(`line ${i}\n`);
    assert.equal(out.writes(), 0, 'nothing is written before the turn ends');
    await settled(out.stream);
    assert.equal(out.writes(), 1);
    for (let i = 50; i < 60; i++) writer.write(`line ${i}\n`);
    await settled(out.stream);
    assert.equal(out.writes(), 2, 'the next turn is one more write');
    const lines = (await readFile(out.file, 'utf8')).trimEnd().split('\n');
    assert.deepEqual(
      lines,
      Array.from({ length: 60 }, (_, i) => `line ${i}`),
    );
  });

  it('carries winston records unchanged', async () => {
    const out = await countedFile();
    const logger = createLogger({ level: 'info', stream: new TurnBatchedWriter(out.stream) });
    for (let i = 0; i < 20; i++) logger.info('decision', { decision_id: `d-${i}`, decision: 'allow' });
    await settled(out.stream);
    await settled(out.stream);
    const records = (await readFile(out.file, 'utf8'))
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      records.map((r) => [r['message'], r['decision_id'], r['service']]),
      Array.from({ length: 20 }, (_, i) => ['decision', `d-${i}`, 'regent']),
    );
    assert.equal(out.writes(), 1, `20 records in one turn took ${out.writes()} writes`);
  });

  it('passes an error of the underlying stream on', async () => {
    const out = await countedFile();
    const writer = new TurnBatchedWriter(out.stream);
    const failed = new Promise<Error>((resolve) => writer.once('error', resolve));
    out.stream.destroy(new Error('EPIPE-like'));
    assert.equal((await failed).message, 'EPIPE-like');
  });
});
