import { ADMIN_EMAIL, ADMIN_PASSWORD } from './gus-harness.js';

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** A tiny JSON client over real HTTP, carrying one caller's bearer token. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    readonly token?: string,
  ) {}

  withToken(token: string): ApiClient {
    return new ApiClient(this.baseUrl, token);
  }

  get<T = any>(path: string): Promise<ApiResponse<T>> {
    return this.request<T>('GET', path);
  }

  post<T = any>(path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    return this.request<T>('POST', path, body, headers);
  }

  patch<T = any>(path: string, body?: unknown): Promise<ApiResponse<T>> {
    return this.request<T>('PATCH', path, body);
  }

  delete<T = any>(path: string): Promise<ApiResponse<T>> {
    return this.request<T>('DELETE', path);
  }

  async request<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    const res = await fetch(this.baseUrl + path, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    const type = res.headers.get('content-type') ?? '';
    if (type.includes('json') && !type.includes('ndjson') && text) parsed = JSON.parse(text);
    return { status: res.status, headers: res.headers, body: parsed as T };
  }

  /** Logs in as the admin created from GUS_ADMIN_EMAIL. */
  async asAdmin(): Promise<ApiClient> {
    const res = await this.post('/v1/auth/login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
    if (res.status !== 200) throw new Error(`admin login failed: ${res.status} ${JSON.stringify(res.body)}`);
    return this.withToken(res.body.accessToken);
  }

  /** Creates a user through the admin API and logs in as them. */
  async newUser(admin: ApiClient, plan = 'free', role = 'user'): Promise<ApiClient & { userId: string; email: string; password: string }> {
    const email = `user-${Math.random().toString(36).slice(2)}@gus.test`;
    const password = 'password-' + Math.random().toString(36).slice(2);
    const created = await admin.post('/v1/admin/users', { email, password, plan, role });
    if (created.status !== 201) throw new Error(`user creation failed: ${created.status} ${JSON.stringify(created.body)}`);
    const login = await this.post('/v1/auth/login', { email, password });
    return Object.assign(this.withToken(login.body.accessToken), { userId: created.body.id as string, email, password });
  }
}

export interface SseEvent {
  event: string;
  data: any;
}

/** Reads a whole text/event-stream response into its events. */
export function parseSse(text: string): SseEvent[] {
  return text
    .split('\n\n')
    .filter((block) => block.trim())
    .map((block) => {
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
      const data = block
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => line.slice(6))
        .join('\n');
      return { event, data: JSON.parse(data) };
    });
}
