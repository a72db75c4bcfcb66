// The console is a client of gus's public API. The access token lives in this module's memory only (never in
// localStorage or a cookie): a reload asks for a log-in again, and no other origin or stored script can read it.
let token = null;
let me = null;
const listeners = new Set();

export const session = {
  get user() {
    return me;
  },
  get signedIn() {
    return token !== null;
  },
  async start(accessToken) {
    token = accessToken;
    me = await api('GET', '/v1/me');
    for (const listener of listeners) listener();
  },
  end() {
    token = null;
    me = null;
    for (const listener of listeners) listener();
  },
  onChange(listener) {
    listeners.add(listener);
  },
};

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.code ?? `HTTP_${status}`;
  }
}

function headers(body) {
  const result = { Accept: 'application/json' };
  if (token) result.Authorization = `Bearer ${token}`;
  if (body !== undefined) result['Content-Type'] = 'application/json';
  return result;
}

async function failure(response) {
  const text = await response.text();
  let body = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = { message: text.slice(0, 300) || response.statusText };
  }
  // An expired token: back to the log-in page.
  if (response.status === 401 && token) session.end();
  return new ApiError(response.status, body);
}

/** One JSON call: the parsed body, or an ApiError with gus's error code. */
export async function api(method, path, body, { signal } = {}) {
  const response = await fetch(path, { method, headers: headers(body), body: body === undefined ? undefined : JSON.stringify(body), signal, credentials: 'omit' });
  if (!response.ok) throw await failure(response);
  if (response.status === 204) return null;
  return response.json();
}

export const query = (params) => {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
};

/**
 * A streamed turn: POSTs with stream: true and calls onEvent(name, data) for each server-sent event as it arrives.
 * Aborting `signal` closes the connection, which gus takes as "stop": the answer is stored as interrupted.
 */
export async function streamTurn(path, body, { signal, onEvent, onHeaders }) {
  const response = await fetch(path, {
    method: 'POST',
    headers: { ...headers(body), Accept: 'text/event-stream' },
    body: JSON.stringify({ ...body, stream: true }),
    signal,
    credentials: 'omit',
  });
  if (!response.ok) throw await failure(response);
  onHeaders?.(response.headers);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
      }
      if (data.length) onEvent(event, JSON.parse(data.join('\n')));
    }
  }
}
