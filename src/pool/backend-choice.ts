/**
 * Choosing a backend in the main thread, without loading any TensorFlow code here: `auto`
 * takes the first of tensorflow-gpu, tensorflow, wasm, cpu whose package is installed (and, for
 * the native ones, whose binding loads in a probe process).
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { BackendError } from '../errors.js';
import type { BackendChoice, BackendName, Isolation } from '../space/spec.js';

const require = createRequire(import.meta.url);

/** The npm package each backend comes from. */
export const BACKEND_PACKAGES: Readonly<Record<BackendName, string>> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
};

const AUTO_ORDER: readonly BackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

/** Native backends load a TensorFlow binding that must live alone in its own process. */
export function isNative(backend: BackendName): boolean {
  return backend === 'tensorflow' || backend === 'tensorflow-gpu';
}

/** Where trials of a backend run unless the user says otherwise. */
export function defaultIsolation(backend: BackendName): Isolation {
  return isNative(backend) ? 'process' : 'thread';
}

export interface BackendResolution {
  readonly backend: BackendName;
  /** Why this one, for the study header: `auto: tfjs-node-gpu not installed, ...`. */
  readonly note: string;
}

function installed(pkg: string): boolean {
  try {
    require.resolve(`${pkg}/package.json`);
    return true;
  } catch {
    return false;
  }
}

/** Whether a native binding loads, tried in a throw-away process so a crash costs nothing here. */
function nativeLoads(pkg: string): { ok: boolean; reason: string } {
  const probe = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(pkg)})`], { encoding: 'utf8', timeout: 120_000 });
  if (probe.status === 0) return { ok: true, reason: '' };
  const line = (probe.stderr ?? '').split('\n').find((l) => /Error/.test(l)) ?? `exit ${probe.status ?? probe.signal}`;
  return { ok: false, reason: line.trim() };
}

const INSTALL_HINT: Readonly<Record<BackendName, string>> = {
  'tensorflow-gpu': 'npm install @tensorflow/tfjs-node-gpu (its install downloads libtensorflow with CUDA support; it needs internet access, CUDA and cuDNN)',
  tensorflow: 'npm install @tensorflow/tfjs-node (its install downloads libtensorflow; it needs internet access)',
  wasm: 'npm install @tensorflow/tfjs-backend-wasm',
  cpu: 'npm install @tensorflow/tfjs',
};

/**
 * Resolves `--backend`. A forced backend that cannot load is an error, never a silent fallback.
 * @throws {BackendError}
 */
export function resolveBackend(choice: BackendChoice): BackendResolution {
  if (choice !== 'auto') {
    const pkg = BACKEND_PACKAGES[choice];
    if (!installed(pkg)) throw new BackendError(`backend ${choice} is not available: ${pkg} is not installed`, INSTALL_HINT[choice]);
    if (isNative(choice)) {
      const probe = nativeLoads(pkg);
      if (!probe.ok) throw new BackendError(`backend ${choice} is not available: ${pkg} does not load (${probe.reason})`, INSTALL_HINT[choice]);
    }
    return { backend: choice, note: 'chosen' };
  }
  const skipped: string[] = [];
  for (const backend of AUTO_ORDER) {
    const pkg = BACKEND_PACKAGES[backend];
    if (!installed(pkg)) {
      skipped.push(`${pkg.replace('@tensorflow/', '')} not installed`);
      continue;
    }
    if (isNative(backend)) {
      const probe = nativeLoads(pkg);
      if (!probe.ok) {
        skipped.push(`${pkg.replace('@tensorflow/', '')} does not load`);
        continue;
      }
    }
    return { backend, note: skipped.length === 0 ? 'auto' : `auto: ${skipped.join(', ')}` };
  }
  throw new BackendError('no TensorFlow.js backend is installed', INSTALL_HINT.wasm);
}
