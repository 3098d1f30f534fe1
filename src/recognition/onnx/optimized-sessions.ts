/**
 * onnxruntime's optimization of a face graph (constant folding, fusions, the NCHWc layouts of this CPU's vector
 * width) saved once per machine: a later start opens the saved graph with the optimizer off, which takes about
 * half the session set-up time and ~25 MB less resident memory (the optimizer's intermediate copies of the
 * weights are never made). The saved file may hold kernels for this CPU only, so its name carries a key of
 * the machine (CPU model and flags, architecture, onnxruntime's version, threads per net); another machine,
 * or a changed graph (its own key), never meets it. A saved file that does not open is rebuilt from the graph.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { access, mkdir, rename, rm } from 'node:fs/promises';
import { arch, cpus } from 'node:os';
import { join } from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import type { GraphSource } from './model-cache.js';

type Ort = typeof import('onnxruntime-node');
type SessionOptions = InferenceSession.SessionOptions;

/** The CPU's feature flags (the vector width the optimizer targets); empty where /proc/cpuinfo is not readable. */
function cpuFlags(): string {
  try {
    return /^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? '';
  } catch {
    return '';
  }
}

/** What an optimized graph depends on besides the graph itself. */
export function machineKey(ortVersion: string, threads: number): string {
  const parts = [ortVersion, arch(), cpus()[0]?.model ?? 'unknown', cpuFlags(), `threads=${threads}`];
  return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 12);
}

export interface OptimizedSessionOptions {
  /** Folder of saved graphs; undefined: optimize in memory on every start. */
  readonly cacheDir: string | undefined;
  /** From machineKey(). */
  readonly machine: string;
  /** Every option but the optimization level and the saved path. */
  readonly session: SessionOptions;
}

/** The session of one net: from its saved optimized graph when there is one, else optimized now (and saved). */
export async function openOptimizedSession(ort: Ort, source: GraphSource, options: OptimizedSessionOptions): Promise<InferenceSession> {
  const path = options.cacheDir === undefined ? undefined : join(options.cacheDir, `${source.name}-${source.key}-ort-${options.machine}.onnx`);
  if (path !== undefined && (await access(path).then(() => true, () => false))) {
    try {
      return await ort.InferenceSession.create(path, { ...options.session, graphOptimizationLevel: 'disabled' });
    } catch {
      // Unreadable or truncated: optimized from the graph below, and saved again.
    }
  }
  const { bytes } = await source.load();
  if (path === undefined) return ort.InferenceSession.create(bytes, { ...options.session, graphOptimizationLevel: 'all' });
  const temporary = `${path}.${process.pid}.tmp`;
  const saved = await mkdir(options.cacheDir as string, { recursive: true }).then(() => true, () => false);
  const session = await ort.InferenceSession.create(bytes, {
    ...options.session,
    graphOptimizationLevel: 'all',
    // The optimizer warns that a saved NCHWc graph suits this machine only: the machine key sees to that.
    ...(saved ? { optimizedModelFilePath: temporary, logSeverityLevel: 3 as const } : {}),
  });
  // Write-then-rename: a reader never opens half a file; a failure only costs optimizing again next start.
  if (saved) await rename(temporary, path).catch(() => rm(temporary, { force: true }));
  return session;
}
