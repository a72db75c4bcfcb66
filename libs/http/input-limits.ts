/**
 * The most any request may carry, checked before any work is done on it (README "Input limits"). The bench's
 * stall case sends exactly these, so the two cannot drift apart.
 */
export const INPUT_LIMITS = {
  /** GUS_MAX_MESSAGE_CHARS' default: a message, or a user-supplied system prompt. */
  maxMessageChars: 32_000,
  /**
   * Any JSON body, checked on its text before anything parses it further: class-transformer's work grows with
   * the square of an object's keys (10,000 keys took 117 ms), so no object may have more than maxKeysPerObject.
   */
  body: { maxBytes: 2 * 1024 * 1024, maxDepth: 32, maxKeysPerObject: 256, maxItemsPerArray: 2000 },
  /** A conversation's `metadata`: keys counted at every level. */
  metadata: { maxKeys: 64, maxDepth: 4, maxBytes: 8 * 1024 },
  /** POST /v1/chat/completions. */
  chat: { maxMessages: 1000, maxBodyBytes: 2 * 1024 * 1024 },
} as const;
