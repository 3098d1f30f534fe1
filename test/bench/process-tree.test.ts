import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { descendantsOf, parseStat, parseVmRssKb, readTreeRss, totalRssMb } from '../../bench/process-tree.js';

describe('parsing /proc', () => {
  test('stat: pid and parent pid, even when the command name holds spaces and parentheses', () => {
    assert.deepEqual(parseStat('4242 (node) S 4200 4242 4200 0 -1 4194304'), { pid: 4242, ppid: 4200 });
    assert.deepEqual(parseStat('77 (my (odd) name) R 1 77 77 0 -1'), { pid: 77, ppid: 1 });
    assert.equal(parseStat('garbage'), undefined);
  });

  test('status: VmRSS in kB; none for kernel threads', () => {
    assert.equal(parseVmRssKb('Name:\tnode\nVmPeak:\t 900000 kB\nVmRSS:\t  251904 kB\nRssAnon:\t 1 kB\n'), 251904);
    assert.equal(parseVmRssKb('Name:\tkthreadd\nState:\tS (sleeping)\n'), undefined);
  });
});

describe('the tree and its memory', () => {
  const parents = new Map([
    [10, 1],
    [11, 10],
    [12, 10],
    [13, 12],
    [20, 1],
    [21, 20],
  ]);

  test('the root and every descendant, nothing else', () => {
    assert.deepEqual(descendantsOf(10, parents).sort(), [10, 11, 12, 13]);
    assert.deepEqual(descendantsOf(13, parents), [13]);
    assert.deepEqual(descendantsOf(99, parents), [99]);
  });

  test('peak RSS aggregation: the sum over the tree in MB; processes without a reading count 0', () => {
    const rssKb = new Map([
      [10, 300 * 1024],
      [11, 250 * 1024],
      [13, 250 * 1024],
      [20, 999 * 1024],
    ]);
    assert.equal(totalRssMb(descendantsOf(10, parents), rssKb), 800);
    assert.equal(totalRssMb([], rssKb), 0);
  });

  test('on this machine: a real child process is found under this process and adds to the total', async (t) => {
    if (process.platform !== 'linux') return t.skip('needs /proc');
    const alone = await readTreeRss(process.pid);
    assert.ok(alone !== null && alone.rssMb > 0);
    const child = spawn(process.execPath, ['-e', 'process.stdout.write("up"); setInterval(() => {}, 1000)'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      await once(child.stdout, 'data');
      const withChild = await readTreeRss(process.pid);
      assert.ok(withChild !== null);
      assert.ok(withChild.pids.includes(child.pid as number), 'the child is part of the tree');
      assert.ok(withChild.pids.includes(process.pid));
      const childOnly = await readTreeRss(child.pid as number);
      assert.ok(childOnly !== null && childOnly.rssMb > 10, 'a node process holds more than 10 MB');
      assert.deepEqual(childOnly.pids, [child.pid]);
    } finally {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  });
});
