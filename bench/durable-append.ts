/**
 * What one durable append of the audit trail costs, two ways, alternating in one process: a
 * positioned write followed by fdatasync (two trips through libuv's thread pool), and one write
 * on a file opened with O_DSYNC (one trip), which is how src/audit/fs-layer.ts opens the trail;
 * and, for comparison, the same O_DSYNC write into a file whose blocks were preallocated.
 * Reports the process's CPU and the wall time per append, medians of the rounds.
 *
 *   node bench/durable-append.ts [--appends 500] [--rounds 7] [--dir var/bench]
 */
import { constants } from 'node:fs';
import { mkdir, open, rm } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    appends: { type: 'string', default: '500' },
    rounds: { type: 'string', default: '7' },
    dir: { type: 'string', default: 'var/bench' },
  },
});
const appends = Number(values.appends);
const rounds = Number(values.rounds);
await mkdir(values.dir, { recursive: true });
const file = path.join(values.dir, 'durable-append.jsonl');
// About one audit record.
const record = Buffer.from(`${JSON.stringify({ type: 'decision', pad: 'x'.repeat(560) })}\n`);

/**
 * CPU µs and wall µs per append of one way. `preallocated`: the file's blocks are written (zeros)
 * and made durable first, so each O_DSYNC write lands inside the file and does not change its size:
 * what a preallocated log costs per commit, for comparison (the trail itself grows by appending).
 */
async function run(dsync: boolean, preallocated = false): Promise<{ cpu: number; wall: number }> {
  await rm(file, { force: true });
  if (preallocated) {
    const zeros = await open(file, 'w', 0o640);
    await zeros.write(Buffer.alloc(appends * record.length));
    await zeros.sync();
    await zeros.close();
  }
  const flags = constants.O_RDWR | constants.O_CREAT | (dsync ? constants.O_DSYNC : 0);
  const handle = await open(file, flags, 0o640);
  try {
    const cpu0 = process.cpuUsage();
    const wall0 = process.hrtime.bigint();
    for (let i = 0; i < appends; i++) {
      await handle.write(record, 0, record.length, i * record.length);
      if (!dsync) await handle.datasync();
    }
    const cpu = process.cpuUsage(cpu0);
    return {
      cpu: (cpu.user + cpu.system) / appends,
      wall: Number(process.hrtime.bigint() - wall0) / 1000 / appends,
    };
  } finally {
    await handle.close();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? NaN;
const two: { cpu: number; wall: number }[] = [];
const one: { cpu: number; wall: number }[] = [];
const inPlace: { cpu: number; wall: number }[] = [];
for (let r = 0; r < rounds; r++) {
  two.push(await run(false));
  one.push(await run(true));
  inPlace.push(await run(true, true));
}
await rm(file, { force: true });
const show = (label: string, xs: { cpu: number; wall: number }[]) =>
  console.log(
    `${label}: CPU ${median(xs.map((x) => x.cpu)).toFixed(0)} µs, wall ${median(xs.map((x) => x.wall)).toFixed(0)} µs per append (median of ${rounds} rounds of ${appends})`,
  );
show('write + fdatasync', two);
show('O_DSYNC write    ', one);
show('O_DSYNC write into a preallocated file (not how the trail writes)', inPlace);
