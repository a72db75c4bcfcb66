/**
 * Scrubs secrets and personal data from anything gus writes to logs or the payload audit: API keys,
 * JWTs and bearer tokens, emails, phone numbers and Luhn-valid card numbers. Plain code, no framework.
 */
export const REDACTED = '[REDACTED]';

/** Field names whose values are secrets whatever they look like. */
const SECRET_FIELDS = /^(authorization|cookie|set-cookie|password|passwordhash|password_hash|accesstoken|access_token|refreshtoken|token|key|apikey|api_key|secret|jwt|jwt_secret|x-api-key)$/i;

const PATTERNS: Array<[RegExp, string]> = [
  [/gus_[A-Za-z0-9_-]{16,}/g, '[REDACTED:api-key]'],
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g, '[REDACTED:jwt]'],
  [/\bBearer\s+[A-Za-z0-9._~+/-]+=*/gi, 'Bearer [REDACTED]'],
  [/\b(?:sk|pk|rk)-[A-Za-z0-9_-]{16,}/g, '[REDACTED:api-key]'],
  [/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g, '[REDACTED:email]'],
  // A password written out in text: "password: x", "pw x", "passcode=x".
  [/\b(pass(?:word|wd|code|phrase)?|pwd|pw)\b(\s*(?:is\s+)?[:=]?\s*)(?!\[REDACTED)\S+/gi, '$1$2[REDACTED:password]'],
];

/** 13–19 digits, optionally grouped by single spaces or dashes. */
const CARD_CANDIDATE = /(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])/g;
/** International (+country) or grouped national numbers: at least 7 digits with separators, or + and 8–15 digits. */
const PHONE = /(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?\d{2,4}(?:[\s.-]\d{2,4}){1,3}|\d{2,4}(?:[\s.-]\d{2,4}){2,4})(?![\w])|(?<![\w+])\+\d{8,15}(?!\w)/g;
/** Dates look like grouped digits too. */
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return digits.length >= 13 && sum % 10 === 0;
}

/** The text with every secret and piece of personal data replaced by a marker. */
export function redactText(text: string): string {
  let out = text;
  for (const [pattern, marker] of PATTERNS) out = out.replace(pattern, marker);
  out = out.replace(CARD_CANDIDATE, (match) => (luhnValid(match.replace(/[ -]/g, '')) ? '[REDACTED:card]' : match));
  out = out.replace(PHONE, (match) => (match.replace(/\D/g, '').length >= 7 && !DATE.test(match) ? '[REDACTED:phone]' : match));
  return out;
}

/** A deep copy of `value` with secret fields blanked and every string scrubbed. */
export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1));
  if (value instanceof Error) return { name: value.name, message: redactText(value.message) };
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[redactText(key)] = SECRET_FIELDS.test(key) ? REDACTED : redactValue(item, depth + 1);
  return out;
}
