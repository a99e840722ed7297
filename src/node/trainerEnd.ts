/**
 * How a trainer process ended, for both engines (the embedded trainer and the PyTorch package):
 * what the client saw of it (`Watch`), and the result once it is gone — from its `done` event, its
 * run record, or the way it died (hung, out of memory, stopped, crashed), with the run record
 * closed to match. Node only; no tfjs.
 */
import type { ChildProcess } from 'node:child_process';
import type { DoneEvent, ErrorEvent, TrainerEvent } from '../core/protocol/trainer';
import { closeAbandonedRecord, readRunRecord } from './runRecord';
import type { TrainingResult } from './trainerClient';

export const STDERR_TAIL = 16 * 1024;

/** Lines that say something went wrong (not warnings, not stack frames). */
const ERROR_LINE = /\b(error|fatal|abort(ed)?|out of memory|segmentation fault|assertion|panic|uncaught|exception)\b/i;
const WARNING_LINE = /^\s*(\(node:\d+\)\s*)?\[?(warn(ing)?|debug|info)\b/i;

/**
 * What in a dead trainer's stderr explains its end: the error-like lines written after it announced
 * its run folder (backend start-up warnings come before that), the last three, each cut to 200
 * characters.
 * Nothing when nothing looks like an error (a SIGKILL says nothing).
 */
export function failureLines(tail: string, totalBytes: number, bytesAtRunFolder: number | undefined): string[] {
  const since = bytesAtRunFolder === undefined ? tail : tail.slice(Math.max(0, tail.length - (totalBytes - bytesAtRunFolder)));
  return since
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && ERROR_LINE.test(l) && !WARNING_LINE.test(l))
    .slice(-3)
    .map((l) => (l.length > 200 ? `${l.slice(0, 199)}…` : l));
}

/** What the client has seen of one trainer process. */
export interface Watch {
  runDir?: string;
  done?: DoneEvent;
  error?: ErrorEvent;
  cancelRequested: boolean;
  hung: boolean;
  stallTimeoutMs: number;
  /** The end of stderr, the bytes received in all, and how many had come when the run folder was announced. */
  stderr: string;
  stderrBytes: number;
  stderrAtRunFolder?: number;
}

/** How a run ended, once its process is gone: from its `done` event, its record, or the way it died. */
export function endResult(w: Watch, code: number | null, signal: NodeJS.Signals | null, onEvent: (e: TrainerEvent) => void): TrainingResult {
  const { runDir, stderr } = w;
  if (w.done) return { status: w.done.status, runDir, done: w.done, error: w.error, exitCode: code, signal, stderr };
  // A trainer that closed its own record (a SIGTERM whose last message did not get out) ended as it says.
  const closed = runDir ? readRunRecord(runDir) : undefined;
  if (!w.error && closed && closed.status !== 'running') {
    onEvent({ type: 'log', time: Date.now(), level: 'warning', message: `The trainer ended (${signal ? `killed by ${signal}` : `exit code ${code}`}); its record says: ${closed.status}${closed.reason ? `, ${closed.reason}` : ''}.` });
    const recorded = closed.error ? { type: 'error' as const, time: Date.now(), ...closed.error } : undefined;
    return { status: closed.status, runDir, error: recorded, exitCode: code, signal, stderr };
  }
  if (!w.error) {
    w.error = { type: 'error', time: Date.now(), ...crashError(w, code, signal) };
    // Stopping a trainer that did not stop in time is what the user asked for: say so, but not as a failure.
    if (w.error.code === 'trainer/cancelled') onEvent({ type: 'log', time: w.error.time, level: 'warning', message: w.error.message });
    else onEvent(w.error);
  }
  let status: TrainingResult['status'] = w.cancelRequested && !w.hung ? 'cancelled' : 'failed';
  if (runDir) {
    // Never throws: on a full disk the record stays as the trainer left it.
    closeAbandonedRecord(runDir, status === 'cancelled' ? 'cancelled' : 'failed', { code: w.error.code, message: w.error.message });
    const rec = readRunRecord(runDir);
    if (rec && rec.status !== 'running') status = rec.status === 'completed' ? 'completed' : rec.status;
  }
  return { status, runDir, error: w.error, exitCode: code, signal, stderr };
}

/** The error for a trainer that died without saying why: hung, out of memory, stopped, or crashed. */
function crashError(w: Watch, code: number | null, signal: NodeJS.Signals | null): Pick<ErrorEvent, 'code' | 'message'> {
  const oom = /heap out of memory|Allocation failed|Reached heap limit|Cannot allocate Wasm memory|out of memory/i.test(w.stderr);
  const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
  if (w.hung) return { code: 'trainer/hung', message: `The trainer sent nothing for ${Math.round(w.stallTimeoutMs / 1000)} s and was killed as hung.` };
  if (oom) return { code: 'trainer/out-of-memory', message: `The trainer ran out of memory and ${how}. Use fewer samples or a smaller batch, or give it more memory (execArgv: --max-old-space-size).` };
  if (w.cancelRequested) return { code: 'trainer/cancelled', message: `The trainer was stopped (${how}) after a cancel request.` };
  const said = failureLines(w.stderr, w.stderrBytes, w.stderrAtRunFolder);
  return { code: 'trainer/crashed', message: `The trainer ${how} before finishing.${said.length ? ` Its last error output: ${said.join(' | ')}` : ''}` };
}

/** Keeps the end of a child's stderr in `w` (crash messages land there). */
export function watchStderr(child: ChildProcess, w: Watch): void {
  child.stderr?.on('data', (b: Buffer) => {
    const text = b.toString('utf8');
    w.stderrBytes += text.length;
    w.stderr = (w.stderr + text).slice(-STDERR_TAIL);
  });
}

/** Kills a child that stays silent `w.stallTimeoutMs` as hung: `arm()` on each message, `clear()` at its end. */
export function stallWatch(child: ChildProcess, w: Watch): { arm(): void; clear(): void } {
  let stall: NodeJS.Timeout | undefined;
  const clear = () => stall && clearTimeout(stall);
  const arm = () => {
    clear();
    stall = setTimeout(() => {
      w.hung = true;
      child.kill('SIGKILL');
    }, w.stallTimeoutMs);
  };
  arm();
  return { arm, clear };
}
