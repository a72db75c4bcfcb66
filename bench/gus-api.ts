/** The few gus API calls the bench needs to set itself up (not on the measured path). */

export interface TurnIds {
  userMessageId: string;
  assistantMessageId: string;
  assistantStatus: string;
}

export class GusApi {
  constructor(private readonly baseUrl: string) {}

  async login(email: string, password: string): Promise<string> {
    const body = await this.call<{ accessToken: string }>('POST', '/v1/auth/login', undefined, { email, password });
    return body.accessToken;
  }

  async createUser(adminToken: string, email: string, password: string, plan: string): Promise<string> {
    const body = await this.call<{ id: string }>('POST', '/v1/admin/users', adminToken, { email, password, plan });
    return body.id;
  }

  async issueApiKey(adminToken: string, userId: string, name: string): Promise<string> {
    const body = await this.call<{ key: string }>('POST', `/v1/admin/users/${userId}/api-keys`, adminToken, { name });
    return body.key;
  }

  async createConversation(token: string): Promise<string> {
    const body = await this.call<{ id: string }>('POST', '/v1/conversations', token, {});
    return body.id;
  }

  async sendMessage(token: string, conversationId: string, content: string, parentId?: string): Promise<TurnIds> {
    const body = await this.call<{ userMessage: { id: string }; assistantMessage: { id: string; status: string } }>(
      'POST',
      `/v1/conversations/${conversationId}/messages`,
      token,
      parentId ? { content, parentId } : { content },
    );
    return { userMessageId: body.userMessage.id, assistantMessageId: body.assistantMessage.id, assistantStatus: body.assistantMessage.status };
  }

  private async call<T>(method: string, path: string, token: string | undefined, body: unknown): Promise<T> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await fetch(`${this.baseUrl}${path}`, { method, headers, body: JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
    const text = await res.text();
    if (!res.ok) throw new Error(`gus ${method} ${path} answered ${res.status}: ${text.slice(0, 500)}`);
    return JSON.parse(text) as T;
  }
}

/** Polls GET /health/ready until it answers 200; gives up after `timeoutMs` or when `gone` settles. */
export async function waitForReady(baseUrl: string, timeoutMs: number, gone: Promise<string>, pollMs = 100): Promise<void> {
  let exited: string | undefined;
  void gone.then((how) => (exited = how));
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (exited !== undefined) throw new Error(`gus exited (${exited}) before it was ready`);
    try {
      const res = await fetch(`${baseUrl}/health/ready`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return;
      last = `${res.status} ${(await res.text()).slice(0, 300)}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  throw new Error(`gus was not ready within ${timeoutMs} ms (last answer: ${last})`);
}
