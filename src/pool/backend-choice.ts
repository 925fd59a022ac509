/**
 * Choosing a backend in the main thread, without loading any TensorFlow code here: `auto`
 * takes the first of tensorflow-gpu, tensorflow, wasm, cpu that is installed (and, for the
 * native ones, whose binding loads in a probe process).
 */
import { spawnSync } from 'node:child_process';
import type { BackendChoice, BackendName, Isolation } from '../core/types.js';
import { BACKEND_PACKAGES, backendUnavailable, isBackendInstalled } from '../trial/backend.js';

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

/** Loads a native binding in a throw-away process, so that a crash costs nothing here. */
function probeNative(backend: BackendName): string | null {
  const probe = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(BACKEND_PACKAGES[backend])})`], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (probe.status === 0) return null;
  return (
    (probe.stderr ?? '')
      .split('\n')
      .find((line) => /Error/.test(line))
      ?.trim() ?? `exit ${probe.status ?? probe.signal}`
  );
}

/** Why a backend cannot be used here, or null when it can. */
function unavailability(backend: BackendName): string | null {
  if (!isBackendInstalled(backend)) return 'not installed';
  return isNative(backend) ? probeNative(backend) : null;
}

/**
 * Resolves `--backend`. A forced backend that cannot load is an error, never a silent fallback.
 * @throws {BackendError}
 */
export function resolveBackend(choice: BackendChoice): BackendResolution {
  if (choice !== 'auto') {
    const reason = unavailability(choice);
    if (reason !== null) throw backendUnavailable(choice, reason === 'not installed' ? undefined : reason);
    return { backend: choice, note: 'chosen' };
  }
  const skipped: string[] = [];
  for (const backend of AUTO_ORDER) {
    const reason = unavailability(backend);
    if (reason === null) return { backend, note: skipped.length === 0 ? 'auto' : `auto: ${skipped.join(', ')}` };
    skipped.push(`${BACKEND_PACKAGES[backend].replace('@tensorflow/', '')} ${reason === 'not installed' ? reason : 'does not load'}`);
  }
  throw backendUnavailable('wasm');
}
