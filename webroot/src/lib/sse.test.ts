import { describe, expect, it } from 'vitest';
import { readSse, SseParser, type SseEvent } from './sse';

describe('SseParser', () => {
  it('parses id, event and data of each event', () => {
    const p = new SseParser();
    const evs = p.feed('id: 0\nevent: run_started\ndata: {"run_id":"r1"}\n\nid: 1\nevent: text_delta\ndata: {"text":"Hi"}\n\n');
    expect(evs).toEqual([
      { id: '0', event: 'run_started', data: '{"run_id":"r1"}' },
      { id: '1', event: 'text_delta', data: '{"text":"Hi"}' },
    ]);
    expect(p.lastEventId).toBe('1');
  });

  it('joins events split across chunks at any byte', () => {
    const text = 'id: 7\nevent: text\ndata: {"text":"Hello, world"}\n\nid: 8\nevent: done\ndata: {"status":"completed"}\n\n';
    for (let cut = 1; cut < text.length; cut++) {
      const p = new SseParser();
      const evs = [...p.feed(text.slice(0, cut)), ...p.feed(text.slice(cut))];
      expect(evs.map((e) => e.id)).toEqual(['7', '8']);
      expect(evs[1].data).toBe('{"status":"completed"}');
    }
  });

  it('accepts CRLF and CR line ends, also split between chunks', () => {
    const p = new SseParser();
    const evs = [...p.feed('id: 1\r\nevent: a\r\ndata: x\r'), ...p.feed('\n\r\nid: 2\rdata: y\r\r')];
    expect(evs).toEqual([
      { id: '1', event: 'a', data: 'x' },
      { id: '2', event: 'message', data: 'y' },
    ]);
  });

  it('ignores comments (heartbeats) and unknown fields, and joins multi-line data', () => {
    const p = new SseParser();
    const evs = p.feed(': heartbeat\n\nfoo: bar\ndata: line 1\ndata:line 2\n\n');
    expect(evs).toEqual([{ id: '', event: 'message', data: 'line 1\nline 2' }]);
  });

  it('keeps the last id for events without one, and reads retry', () => {
    const p = new SseParser();
    const evs = p.feed('id: 5\nretry: 3000\ndata: a\n\ndata: b\n\n');
    expect(evs.map((e) => e.id)).toEqual(['5', '5']);
    expect(p.retryMs).toBe(3000);
  });

  it('does not dispatch an event without data, nor an unterminated one', () => {
    const p = new SseParser();
    expect(p.feed('event: x\n\n')).toEqual([]);
    expect(p.feed('data: never finished')).toEqual([]);
    p.end();
    expect(p.feed('\n')).toEqual([]);
  });
});

describe('readSse', () => {
  it('reads a byte stream, including a UTF-8 character split across chunks', async () => {
    const bytes = new TextEncoder().encode('id: 0\nevent: text\ndata: {"text":"café ✓"}\n\n');
    const chunks = [bytes.slice(0, 30), bytes.slice(30, 32), bytes.slice(32)];
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        chunks.forEach((x) => c.enqueue(x));
        c.close();
      },
    });
    const got: SseEvent[] = [];
    await readSse(body, (e) => got.push(e));
    expect(got).toEqual([{ id: '0', event: 'text', data: '{"text":"café ✓"}' }]);
  });

  it('stops when aborted', async () => {
    const ctl = new AbortController();
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode('id: 0\ndata: {}\n\n'));
      },
    });
    const got: SseEvent[] = [];
    const p = readSse(body, (e) => {
      got.push(e);
      ctl.abort();
    }, ctl.signal);
    await expect(p).rejects.toThrow();
    expect(got).toHaveLength(1);
  });
});
