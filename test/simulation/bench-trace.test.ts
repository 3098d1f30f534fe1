/**
 * The `bench` trace is rebuilt from numbers the caller passes (a record, or a result file it names), with the
 * recorded run compiled in as the default: a simulation reads no dated results file on its own.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { benchRecordOf, RECORDED_BENCH, type BenchRecord } from '../../src/simulation/bench-record.js';
import { benchTrace, readBenchRecord } from '../../src/simulation/bench-trace.js';
import { runSimulation } from '../../src/simulation/run.js';
import { makeTrace } from '../../src/simulation/traces.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const SMALL: BenchRecord = {
  source: 'a small run',
  phases_s: { cold: 0, warm: 1, load: 2 },
  warm_requests: 3,
  warm_p50_ms: 100,
  requests: 5,
  concurrency: 2,
  end_to_end_img_per_s: 10,
};

describe('bench trace', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'scaleface-bench-trace-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('is rebuilt from the record it is given: cold, warm one after another, then the closed loop', () => {
    const trace = benchTrace(SMALL);
    assert.deepEqual([...trace.arrivals].map((t) => Math.round(t * 1000) / 1000), [0, 1, 1.1, 1.2, 2, 2, 2.1, 2.2, 2.3]);
    assert.match(trace.description, /a small run/);
  });

  test('the compiled-in record holds the numbers of the result file it names', async () => {
    const file = JSON.parse(await readFile(join(REPO, RECORDED_BENCH.source), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(benchRecordOf(file, RECORDED_BENCH.source), { ...RECORDED_BENCH, phases_s: file.phases_s });
    const trace = await makeTrace('bench', 1);
    assert.equal(trace.arrivals.length, 1 + 30 + 1000);
  });

  test('makeTrace passes a given record on', async () => {
    assert.equal((await makeTrace('bench', 1, SMALL)).arrivals.length, 1 + 3 + 5);
  });

  test('a result file the caller names is read and checked; one without the numbers is refused naming the field', async () => {
    const good = join(dir, 'run.json');
    const { source: _source, ...numbers } = SMALL;
    await writeFile(good, JSON.stringify({ schema: 'scaleface-bench/1', ...numbers }));
    assert.deepEqual(await readBenchRecord(good), { ...SMALL, source: good });
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ ...numbers, requests: 'many' }));
    await assert.rejects(readBenchRecord(bad), /requests is not a number/);
  });

  test('scaleface simulate --bench-result rebuilds the bench trace from that file', async () => {
    const file = join(dir, 'cli.json');
    const { source: _source, ...numbers } = SMALL;
    await writeFile(file, JSON.stringify(numbers));
    const quiet = () => undefined;
    const ours = async (benchResult?: string) => {
      const rows = await runSimulation({ trace: ['bench'], seed: 1, boot: 'local', ...(benchResult === undefined ? {} : { benchResult }) }, quiet);
      const row = rows.find((r) => r.policy === 'scaleface');
      assert.ok(row, 'no row for our policy');
      return row.instance_seconds;
    };
    const [fromFile, recorded] = [await ours(file), await ours()];
    // 9 requests within 2.5 s against the recorded 1031 over 14 s: far less instance time.
    assert.ok(fromFile * 4 < recorded, `from the file ${fromFile} instance-seconds, recorded run ${recorded}`);
  });
});
