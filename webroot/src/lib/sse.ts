// A small Server-Sent Events parser (the "event stream interpretation" of the HTML standard).
// The agent's invoke endpoint is a POST that answers text/event-stream, which EventSource cannot
// send, so the UI reads the stream with fetch and parses it here. Hand-written because it is ~80
// lines, has no dependencies and must expose the last event id for reattaching (docs/events.md).

export interface SseEvent {
  /** The `id:` of the event, or the last one seen before it (as EventSource's lastEventId). */
  id: string;
  /** The `event:` field; "message" when absent. */
  event: string;
  /** The `data:` lines joined with "\n". */
  data: string;
}

export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private eventType = '';
  private pendingCR = false;
  /** The last `id:` field seen (kept across events, as the standard says). */
  lastEventId = '';
  /** The last `retry:` field, in milliseconds, if any. */
  retryMs: number | null = null;

  /** Feeds a decoded chunk; returns the events completed by it. */
  feed(chunk: string): SseEvent[] {
    const out: SseEvent[] = [];
    let text = chunk;
    if (this.pendingCR) {
      // A "\r\n" split across two chunks: the "\r" already ended the line.
      if (text.startsWith('\n')) text = text.slice(1);
      this.pendingCR = false;
    }
    this.buffer += text;
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const c = this.buffer[i];
      if (c !== '\n' && c !== '\r') continue;
      const line = this.buffer.slice(start, i);
      if (c === '\r') {
        if (i + 1 < this.buffer.length) {
          if (this.buffer[i + 1] === '\n') i++;
        } else {
          this.pendingCR = true;
        }
      }
      start = i + 1;
      const ev = this.line(line);
      if (ev) out.push(ev);
    }
    this.buffer = this.buffer.slice(start);
    return out;
  }

  /** Ends the stream: an unterminated event at the end is dropped, as the standard says. */
  end(): void {
    this.buffer = '';
    this.data = [];
    this.eventType = '';
    this.pendingCR = false;
  }

  private line(line: string): SseEvent | null {
    if (line === '') {
      if (this.data.length === 0) {
        this.eventType = '';
        return null;
      }
      const ev = { id: this.lastEventId, event: this.eventType || 'message', data: this.data.join('\n') };
      this.data = [];
      this.eventType = '';
      return ev;
    }
    if (line.startsWith(':')) return null; // a comment (": heartbeat")
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data':
        this.data.push(value);
        break;
      case 'event':
        this.eventType = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.lastEventId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retryMs = Number(value);
        break;
      default:
        break; // unknown fields are ignored
    }
    return null;
  }
}

/**
 * Reads an event-stream response body to its end, calling onEvent for each event. Resolves when
 * the server closes the stream; rejects on a network error or when `signal` aborts.
 */
export async function readSse(
  body: ReadableStream<Uint8Array>,
  onEvent: (ev: SseEvent) => void,
  signal?: AbortSignal,
): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  const onAbort = () => {
    reader.cancel().catch(() => undefined);
  };
  signal?.addEventListener('abort', onAbort);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (signal?.aborted) throw new DOMException('aborted', 'AbortError');
      if (done) break;
      for (const ev of parser.feed(decoder.decode(value, { stream: true }))) onEvent(ev);
    }
    for (const ev of parser.feed(decoder.decode())) onEvent(ev);
    parser.end();
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
