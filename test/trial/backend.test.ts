import { describe, expect, it } from 'vitest';
import { BackendError } from '../../src/errors.js';
import { isBackendInstalled, loadBackend } from '../../src/trial/backend.js';

describe('loadBackend', () => {
  it('loads wasm from the installed package, once', async () => {
    const tf = await loadBackend('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(tf.env().getBool('PROD')).toBe(true);
    expect(await loadBackend('wasm')).toBe(tf);
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

  // tfjs-node cannot be installed without internet access; where it is, it must load instead.
  it.each(['tensorflow', 'tensorflow-gpu'] as const)(
    '%s: loads when installed, otherwise names the missing package and how to install it',
    async (name) => {
      if (isBackendInstalled(name)) {
        expect((await loadBackend(name)).getBackend()).toBe(name);
        return;
      }
      const error = await loadBackend(name).catch((e: unknown) => e);
      const pkg = name === 'tensorflow' ? '@tensorflow/tfjs-node' : '@tensorflow/tfjs-node-gpu';
      expect(error).toBeInstanceOf(BackendError);
      expect((error as BackendError).message).toBe(`the ${name} backend needs ${pkg}, which is not installed`);
      expect((error as BackendError).hint).toBe(
        `npm install ${pkg} (it needs internet access to download libtensorflow${name === 'tensorflow' ? '' : ', and CUDA with cuDNN'}), or use --backend wasm`,
      );
      expect((error as BackendError).exitCode).toBe(2);
    },
  );
});
