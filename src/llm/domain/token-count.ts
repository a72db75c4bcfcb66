/**
 * Token count of a text when the provider reports none. A LLaMA-3 BPE token is about four characters
 * of English; this estimate is replaced by the real tokenizer where exact counts matter.
 */
export function estimateTokens(text: string): number {
  return text.length === 0 ? 0 : Math.ceil(text.length / 4);
}
