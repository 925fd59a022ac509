/**
 * The dashboard's hooks: the one subscription to its data, and the terminal's size. Imported only
 * once NODE_ENV is set (React reads it when it loads).
 */
import { useStdout } from 'ink';
import { useEffect, useState, useSyncExternalStore } from 'react';
import type { DashboardData } from './model/data.js';
import type { DashboardStore } from './store/dashboard-store.js';

/** The store's latest snapshot; re-renders at most once per published frame. */
export function useDashboardData(store: DashboardStore): DashboardData {
  return useSyncExternalStore(store.subscribe, store.getSnapshot);
}

export interface TerminalSize {
  readonly columns: number;
  readonly rows: number;
}

/** `fixed`, or stdout's size (80×24 when it does not say), following resizes. */
export function useTerminalSize(fixed?: TerminalSize): TerminalSize {
  const { stdout } = useStdout();
  const read = (): TerminalSize => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
  const [size, setSize] = useState(read);
  useEffect(() => {
    if (fixed !== undefined) return;
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout, fixed]);
  return fixed ?? size;
}
