import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BackendUnavailableError, ModelUnavailableError } from '../../src/domain/errors.js';
import type { FaceNetworks } from '../../src/recognition/face-networks.js';
import { loadRuntime, type RuntimeLoaders } from '../../src/recognition/face-runtime.js';

function fakeNetworks(runtime: 'onnx' | 'wasm'): FaceNetworks {
  return {
    runtime,
    engine: `${runtime} engine`,
    open: () => {
      throw new Error('not used');
    },
  };
}

const unavailable = new ModelUnavailableError('cannot load onnxruntime-node (its native library did not load)', {
  cause: new Error('libonnxruntime.so.1: cannot open shared object file'),
});

function loaders(onnx: () => Promise<FaceNetworks>): RuntimeLoaders & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    onnx: () => {
      calls.push('onnx');
      return onnx();
    },
    wasm: async () => {
      calls.push('wasm');
      return fakeNetworks('wasm');
    },
  };
}

describe('choosing the runtime of the face nets', () => {
  test('auto takes onnx when it loads, and never loads wasm then', async () => {
    const l = loaders(async () => fakeNetworks('onnx'));
    const nets = await loadRuntime({}, l);
    assert.equal(nets.runtime, 'onnx');
    assert.equal(nets.fallbackReason, undefined);
    assert.deepEqual(l.calls, ['onnx']);
  });

  test('auto falls back to wasm when the native library cannot load, and says why', async () => {
    const l = loaders(async () => Promise.reject(unavailable));
    const nets = await loadRuntime({ runtime: 'auto' }, l);
    assert.equal(nets.runtime, 'wasm');
    assert.match(nets.fallbackReason ?? '', /native library did not load\): libonnxruntime\.so\.1: cannot open/);
    assert.deepEqual(l.calls, ['onnx', 'wasm']);
  });

  test('an explicit onnx refuses to start slower: the load fails instead of falling back', async () => {
    const l = loaders(async () => Promise.reject(unavailable));
    await assert.rejects(loadRuntime({ runtime: 'onnx' }, l), ModelUnavailableError);
    assert.deepEqual(l.calls, ['onnx']);
  });

  test('auto does not hide other failures behind the fallback', async () => {
    const l = loaders(async () => Promise.reject(new BackendUnavailableError('disk gone')));
    await assert.rejects(loadRuntime({ runtime: 'auto' }, l), BackendUnavailableError);
    assert.deepEqual(l.calls, ['onnx']);
  });

  test('wasm is loaded only when asked for', async () => {
    const l = loaders(async () => fakeNetworks('onnx'));
    assert.equal((await loadRuntime({ runtime: 'wasm' }, l)).runtime, 'wasm');
    assert.deepEqual(l.calls, ['wasm']);
  });
});
