import { describe, expect, it } from 'vitest';
import { BackendError } from '../../src/errors.js';
import { isBackendInstalled, loadBackend } from '../../src/trial/backend.js';

describe('loadBackend', () => {
  it('loads wasm from the installed package, once', async () => {
    const tf = await loadBackend('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(tf.env().getBool('PROD')).toBe(true);
    const started = performance.now();
    expect(await loadBackend('wasm')).toBe(tf);
    expect(performance.now() - started).toBeLessThan(50);
    const sum = tf.tidy(() => tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4])).dataSync());
    expect([...sum]).toEqual([4, 6]);
  });

  it('switches between backends and back', async () => {
    expect((await loadBackend('cpu')).getBackend()).toBe('cpu');
    expect((await loadBackend('wasm')).getBackend()).toBe('wasm');
  });

  it('reports which backends are installed without loading them', () => {
    expect(isBackendInstalled('wasm')).toBe(true);
    expect(isBackendInstalled('cpu')).toBe(true);
  });

  it.skipIf(isBackendInstalled('tensorflow'))('names the missing package and how to install it', async () => {
    const error = await loadBackend('tensorflow').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as BackendError).message).toBe('the tensorflow backend needs @tensorflow/tfjs-node, which is not installed');
    expect((error as BackendError).hint).toBe(
      'npm install @tensorflow/tfjs-node (it needs internet access to download libtensorflow), or use --backend wasm',
    );
    expect((error as BackendError).exitCode).toBe(2);
  });

  it.skipIf(isBackendInstalled('tensorflow-gpu'))('fails the same way for tensorflow-gpu', async () => {
    await expect(loadBackend('tensorflow-gpu')).rejects.toThrow('the tensorflow-gpu backend needs @tensorflow/tfjs-node-gpu, which is not installed');
  });
});
