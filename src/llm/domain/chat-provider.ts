/** The seam between gus and a model server (Ollama, or an OpenAI-compatible one). */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  /** The context window the messages were trimmed for; sent so the server does not truncate silently. */
  numCtx?: number;
  /** The most tokens the answer may have (Ollama's num_predict, OpenAI's max_tokens); unset: the server's own limit. */
  maxTokens?: number;
  format?: 'json';
  signal: AbortSignal;
}

export type ChatEvent =
  | { type: 'delta'; text: string }
  | { type: 'done'; promptTokens: number | null; completionTokens: number | null; doneReason: string | null };

export interface ChatProvider {
  /** Streams the answer; throws DomainError LLM_* for failures of the model server. */
  stream(request: ChatRequest): AsyncIterable<ChatEvent>;
  /** Resolves when the server answers; used by /health/ready. */
  ping(): Promise<void>;
  /** The model's context length as the server reports it, when it can. */
  contextLength(model: string): Promise<number | null>;
  /** Closes its connections (at shutdown). */
  close?(): Promise<void>;
}
