/**
 * Loading a TensorFlow.js backend by name. tfjs itself is imported lazily, so a thread that only
 * asks {@link isBackendInstalled} does not pay for it.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as tfjs from '@tensorflow/tfjs';
import { BackendError } from '../errors.js';
import type { BackendName } from '../core/types.js';

type Tf = typeof tfjs;

const require = createRequire(import.meta.url);

/** The npm package each backend comes from (cpu ships inside @tensorflow/tfjs). */
export const BACKEND_PACKAGES: Readonly<Record<BackendName, string>> = {
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs',
  tensorflow: '@tensorflow/tfjs-node',
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
};

function packageDir(name: BackendName): string | null {
  try {
    return path.dirname(require.resolve(`${BACKEND_PACKAGES[name]}/package.json`));
  } catch {
    return null;
  }
}

/**
 * Whether a backend's package is installed, without loading any native code: for the
 * tfjs-node packages, whether their native binding was built (`lib/napi-v*\/tfjs_binding.node`),
 * since npm keeps a package whose download of libtensorflow failed out of the tree only when it
 * is optional.
 */
export function isBackendInstalled(name: BackendName): boolean {
  const dir = packageDir(name);
  if (dir === null) return false;
  if (name !== 'tensorflow' && name !== 'tensorflow-gpu') return true;
  const lib = path.join(dir, 'lib');
  try {
    return fs.readdirSync(lib).some((entry) => entry.startsWith('napi-v') && fs.existsSync(path.join(lib, entry, 'tfjs_binding.node')));
  } catch {
    return false;
  }
}

/** The error for a backend that is not installed or does not load, with how to install it. */
export function backendUnavailable(name: BackendName, cause?: unknown): BackendError {
  const pkg = BACKEND_PACKAGES[name];
  const reason =
    cause === undefined
      ? 'is not installed'
      : `could not be loaded (${cause instanceof Error ? cause.message.split('\n', 1)[0] : String(cause)})`;
  const hint =
    name === 'wasm' || name === 'cpu'
      ? `reinstall hpsearch's dependencies: npm install`
      : `npm install ${pkg} (it needs internet access to download libtensorflow${name === 'tensorflow-gpu' ? ', and CUDA with cuDNN' : ''}), or use --backend wasm`;
  return new BackendError(`the ${name} backend needs ${pkg}, which ${reason}`, hint);
}

async function importBackendPackage(name: BackendName): Promise<void> {
  switch (name) {
    case 'cpu':
      return;
    case 'wasm': {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      // A directory prefix with its trailing slash: the wasm files are looked up inside it.
      wasm.setWasmPaths(`${path.join(packageDir('wasm') ?? '', 'dist')}${path.sep}`);
      return;
    }
    case 'tensorflow':
    case 'tensorflow-gpu':
      if (!isBackendInstalled(name)) throw backendUnavailable(name);
      // Optional packages: a variable specifier keeps tsc from requiring their type declarations.
      await import(BACKEND_PACKAGES[name]);
  }
}

const loaded = new Map<BackendName, Promise<Tf>>();

/**
 * Loads backend `name`, makes it the active one and returns tfjs. The wasm files are found in
 * the installed package, so nothing is fetched. Production mode is enabled (no debug checks, no
 * banner). A second call with the same name costs nothing; a failed load is retried next time.
 *
 * @throws BackendError naming the missing package and how to install it.
 */
export function loadBackend(name: BackendName): Promise<Tf> {
  let promise = loaded.get(name);
  if (promise === undefined) {
    promise = load(name);
    loaded.set(name, promise);
    promise.catch(() => loaded.delete(name));
  }
  return promise.then(async (tf) => {
    // Another backend may have been selected since; switching back is cheap once initialised.
    if (tf.getBackend() !== name && !(await tf.setBackend(name))) throw backendUnavailable(name, 'setBackend failed');
    return tf;
  });
}

async function load(name: BackendName): Promise<Tf> {
  let tf: Tf;
  try {
    tf = await import('@tensorflow/tfjs');
    await importBackendPackage(name);
  } catch (error) {
    throw error instanceof BackendError ? error : backendUnavailable(name, error);
  }
  tf.enableProdMode();
  let ok: boolean;
  try {
    ok = await tf.setBackend(name);
  } catch (error) {
    throw backendUnavailable(name, error);
  }
  if (!ok) throw backendUnavailable(name, `tf.setBackend('${name}') failed`);
  await tf.ready();
  return tf;
}
