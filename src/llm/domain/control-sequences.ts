/**
 * Chat-template control sequences of LLaMA 3 (<|eot_id|>, <|start_header_id|>…), ChatML (<|im_start|>),
 * LLaMA 2 ([INST], <<SYS>>, <s>) and their kin. A model server tokenises these as special tokens even
 * inside message text, which would let text end its turn and open a system turn of its own.
 */
const CONTROL_SEQUENCE = /<\||\[\/?INST\]|<<\/?SYS>>|<\/?s>/gi;

/** U+2060 WORD JOINER: invisible, and splits the sequence so that no tokenizer sees a special token. */
const JOINER = '\u2060';

/** Text with every control sequence broken up; everything else is kept byte for byte. */
export function neutraliseControlSequences(text: string): string {
  return text.replace(CONTROL_SEQUENCE, (sequence) => sequence[0] + JOINER + sequence.slice(1));
}
