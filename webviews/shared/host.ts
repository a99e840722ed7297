/**
 * The webview's side of the message protocol: the VS Code API (acquired once), a typed `post`,
 * validated incoming messages, the ready handshake and error reporting to the host's log.
 */
import { WEBVIEW_PROTOCOL_VERSION, type Validated } from '../../src/core/protocol/webview';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

export interface HostConnection<In, Out, S> {
  post(message: Out): void;
  /** The state VS Code kept for this webview, else the one the page was served with, else undefined. */
  initialState(): unknown;
  saveState(state: S): void;
  /** Starts listening and says `ready` (call once everything is wired). */
  start(onMessage: (m: In) => void): void;
}

export function connectToHost<In, Out extends { type: string }, S>(validate: (v: unknown) => Validated<In>): HostConnection<In, Out, S> {
  const api = acquireVsCodeApi();
  const log = (level: 'info' | 'warning' | 'error', message: string) => api.postMessage({ type: 'log', level, message: message.slice(0, 20_000) });
  window.addEventListener('error', (e) => log('error', `${e.message} (${e.filename}:${e.lineno})`));
  window.addEventListener('unhandledrejection', (e) => log('error', `unhandled rejection: ${(e.reason as Error)?.stack ?? String(e.reason)}`));
  return {
    post: (m) => api.postMessage(m),
    initialState() {
      const kept = api.getState();
      if (kept !== undefined && kept !== null) return kept;
      const el = document.getElementById('modelyaml-initial-state');
      try {
        return el?.textContent ? JSON.parse(el.textContent) : undefined;
      } catch {
        return undefined;
      }
    },
    saveState: (s) => api.setState(s),
    start(onMessage) {
      window.addEventListener('message', (e: MessageEvent) => {
        const r = validate(e.data);
        if (!r.ok) {
          log('warning', `webview ignored a message from the host: ${r.error}`);
          return;
        }
        try {
          onMessage(r.value);
        } catch (err) {
          log('error', `webview failed on a \`${(e.data as { type?: string }).type}\` message: ${(err as Error)?.stack ?? err}`);
        }
      });
      api.postMessage({ type: 'ready', version: WEBVIEW_PROTOCOL_VERSION });
    },
  };
}
