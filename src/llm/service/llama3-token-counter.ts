import llama3Tokenizer from 'llama3-tokenizer-js';

/** First id of LLaMA 3's special tokens (<|begin_of_text|> = 128000, <|eot_id|> = 128009, …). */
export const FIRST_SPECIAL_TOKEN_ID = 128_000;

/**
 * Exact LLaMA 3 token counts (the model family of the catalogue), computed once per message when it
 * is written and stored with it, so history is never re-tokenised.
 */
export function countLlama3Tokens(text: string): number {
  return text.length === 0 ? 0 : llama3Tokenizer.encode(text, { bos: false, eos: false }).length;
}

export function encodeLlama3(text: string): number[] {
  return llama3Tokenizer.encode(text, { bos: false, eos: false });
}
