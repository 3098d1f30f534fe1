import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { cpuWindow, parseStatCpu, readTreeCpu, treeCpuOf, type CpuReading } from '../../bench/process-cpu.js';
import { cpuFields } from '../../bench/result.js';
import { measurements } from './fixtures.js';

// A /proc/<pid>/stat line: pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime ...
const STAT = '4242 (node worker (x)) S 4200 4242 4200 0 -1 4194304 10 0 0 0 150 30 700 70 20 0 11 0';

describe('CPU counters of /proc', () => {
  test('stat: utime + stime, and the reaped children\'s cutime + cstime, even with parentheses in the name', () => {
    assert.deepEqual(parseStatCpu(STAT), { ownTicks: 180, reapedChildTicks: 770 });
    assert.equal(parseStatCpu('garbage'), undefined);
    assert.equal(parseStatCpu('1 (x) S 0 1'), undefined);
  });

  test('the tree: the root is the web tier; workers are the live descendants plus what the root reaped', () => {
    const cpu = new Map([
      [10, { ownTicks: 50, reapedChildTicks: 300 }],
      [11, { ownTicks: 200, reapedChildTicks: 0 }],
      [12, { ownTicks: 100, reapedChildTicks: 0 }],
    ]);
    const tree = treeCpuOf(10, cpu, [10, 11, 12]);
    assert.equal(tree.webMs, 500);
    assert.equal(tree.workersMs, 6000);
    assert.deepEqual([...tree.perWorkerMs], [[11, 2000], [12, 1000]]);
  });

  test('a window divides each kind\'s CPU by the answers between its readings; none answered gives null', () => {
    const at = (webMs: number, workersMs: number, clientMs: number, answers: number): CpuReading => ({ tree: { webMs, workersMs, perWorkerMs: new Map() }, clientMs, answers });
    assert.deepEqual(cpuWindow(at(100, 1000, 50, 200), at(500, 9000, 250, 300)), { answers: 100, webMsPerRequest: 4, workersMsPerRequest: 80, loadClientMsPerRequest: 2 });
    assert.equal(cpuWindow(at(0, 0, 0, 10), at(5, 5, 5, 10)), null);
  });

  test('a busy child is counted as a worker of its parent', async () => {
    const child = spawn(process.execPath, ['-e', 'const end = Date.now() + 400; while (Date.now() < end); setTimeout(() => {}, 2000)']);
    try {
      await new Promise((resolve) => setTimeout(resolve, 600));
      const tree = await readTreeCpu(process.pid);
      assert.ok(tree !== null);
      assert.ok((tree.perWorkerMs.get(child.pid as number) ?? 0) >= 100, `child CPU ${tree.perWorkerMs.get(child.pid as number)}`);
      assert.ok(tree.webMs > 0);
    } finally {
      child.kill();
      await once(child, 'exit');
    }
  });
});

describe('cpu_ms_per_request', () => {
  test('worker overhead is the workers\' CPU less the bare model\'s; the ratio is (web + overhead) / model', () => {
    const fields = cpuFields(measurements());
    assert.deepEqual(fields.cpu_ms_per_request, { web: 4, worker_total: 88, worker_overhead: 8, load_client: 2, model: 80, answers_measured: 700 });
    assert.equal(fields.overhead_over_model, 0.15);
  });

  test('without the parallel run the one-thread run gives the model\'s CPU; without readings everything is null', () => {
    const m = measurements();
    const oneThread = cpuFields({ ...m, bare: { ...m.bare, parallel: null } });
    assert.equal((oneThread.cpu_ms_per_request as Record<string, number>).model, 72);
    assert.deepEqual(cpuFields({ ...m, loadCpu: null }), { cpu_ms_per_request: null, overhead_over_model: null });
  });
});
