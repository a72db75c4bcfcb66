import { Agent, request, type Dispatcher } from 'undici';

/**
 * The part of fetch's Response the official `ollama` client reads: status, a header, json()/text() and a
 * body reader. Backed by undici's `request` (a seventh of global fetch's CPU per model call in our
 * measurement: Node's fetch builds WHATWG streams and Response objects for every call).
 */
class UndiciResponse {
  readonly ok: boolean;
  readonly status: number;
  readonly statusText = '';
  readonly headers: { get(name: string): string | null };

  constructor(private readonly res: Dispatcher.ResponseData) {
    this.status = res.statusCode;
    this.ok = res.statusCode >= 200 && res.statusCode < 300;
    this.headers = {
      get: (name) => {
        const value = res.headers[name.toLowerCase()];
        return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
      },
    };
  }

  json(): Promise<unknown> {
    return this.res.body.json();
  }

  text(): Promise<string> {
    return this.res.body.text();
  }

  get body(): { getReader(): { read(): Promise<{ done: boolean; value?: Uint8Array }>; releaseLock(): void; cancel(): Promise<void> } } {
    const body = this.res.body;
    return {
      getReader: () => {
        const chunks = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
        return {
          read: async () => {
            const next = await chunks.next();
            return next.done ? { done: true } : { done: false, value: next.value };
          },
          releaseLock: () => undefined,
          cancel: async () => void body.destroy(),
        };
      },
    };
  }
}

export interface ModelHttpClient {
  /** A fetch for the `ollama` client; a failure before any response is `TypeError('fetch failed')` as with fetch. */
  fetch: typeof fetch;
  /** Runs `start` (which must call fetch synchronously, as the ollama client does) with `signal` on that request. */
  withSignal<T>(signal: AbortSignal, start: () => T): T;
  close(): Promise<void>;
}

/**
 * One keep-alive connection pool per model host. The caller's abort signal reaches the request through
 * `withSignal`: the ollama client calls fetch synchronously inside chat() (no await comes first), so the
 * signal set for that call is the one its fetch reads; a fetch without one (metadata calls) has none.
 */
export function modelHttpClient(): ModelHttpClient {
  const dispatcher = new Agent({ keepAliveTimeout: 30_000, connections: 256, headersTimeout: 0, bodyTimeout: 0 });
  let pending: AbortSignal | undefined;
  const shim = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    // The caller's signal stands for the client's own (which aborts only on client.abort(): gus never calls it).
    const signal = pending ?? init?.signal ?? undefined;
    pending = undefined;
    let res: Dispatcher.ResponseData;
    try {
      res = await request(String(input instanceof Request ? input.url : input), {
        method: (init?.method ?? 'GET') as Dispatcher.HttpMethod,
        headers: init?.headers as Record<string, string> | undefined,
        body: init?.body as string | undefined,
        signal,
        dispatcher,
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new TypeError('fetch failed', { cause: error });
    }
    return new UndiciResponse(res) as unknown as Response;
  };
  return {
    fetch: shim as typeof fetch,
    withSignal: (signal, start) => {
      pending = signal;
      try {
        return start();
      } finally {
        pending = undefined;
      }
    },
    close: () => dispatcher.close(),
  };
}
