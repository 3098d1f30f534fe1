// GET /v1/events read with fetch, so that the access token travels in the Authorization header (EventSource
// cannot send one, and a token in the URL would end up in logs). Parses Server-Sent Events and reconnects as
// EventSource does: after the server's `retry` delay when the connection is lost, at once when the server ends
// the stream (it does after a byte budget), after Retry-After when it has no room for another client.
import { getToken } from './api.js';

const DEFAULT_RETRY_MS = 2000;

/** One event block (`event:`, `data:` and `retry:` lines) → handler call; returns a new retry delay if given. */
function dispatch(block, handlers) {
  let event = 'message';
  let retry;
  const data = [];
  for (const line of block.split(/\r?\n/)) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
    else if (field === 'retry' && /^\d+$/.test(value)) retry = Number(value);
  }
  if (data.length > 0) handlers[event]?.({ data: data.join('\n') });
  return retry;
}

async function readEvents(body, handlers, setRetry) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
      const retry = dispatch(block, handlers);
      if (retry !== undefined) setRetry(retry);
    }
  }
}

/**
 * Opens the stream; `handlers` maps event names to functions of `{ data }`, and `onProblem(text)` hears why
 * there is no stream now. Returns `{ restart }` (call it when the token changes).
 */
export function openEventStream(url, handlers, onProblem) {
  let controller;
  let timer;
  let retryMs = DEFAULT_RETRY_MS;
  const schedule = (ms) => {
    clearTimeout(timer);
    timer = setTimeout(connect, ms);
  };
  async function connect() {
    controller = new AbortController();
    const { signal } = controller;
    const headers = new Headers({ accept: 'text/event-stream' });
    const token = getToken();
    if (token) headers.set('authorization', `Bearer ${token}`);
    try {
      const response = await fetch(url, { headers, signal, cache: 'no-store' });
      if (response.status === 401) return onProblem('the dashboard needs the access token: paste it at the top of the page');
      if (!response.ok || !response.body) {
        const waitSeconds = Number(response.headers.get('retry-after'));
        onProblem(`the event stream was refused (HTTP ${response.status}); retrying…`);
        return schedule(waitSeconds > 0 ? waitSeconds * 1000 : retryMs);
      }
      await readEvents(response.body, handlers, (ms) => (retryMs = ms));
      schedule(0);
    } catch {
      if (signal.aborted) return;
      onProblem('connection lost; reconnecting…');
      schedule(retryMs);
    }
  }
  void connect();
  return {
    restart() {
      controller?.abort();
      clearTimeout(timer);
      void connect();
    },
  };
}
