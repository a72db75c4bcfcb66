import { registerDecorator, type ValidationOptions } from 'class-validator';
import { INPUT_LIMITS } from '../../../../libs/http/input-limits.js';

const { maxKeys, maxDepth, maxBytes } = INPUT_LIMITS.metadata;

/**
 * Why a conversation's `metadata` is refused, or null: a JSON object of at most `maxKeys` keys counted at
 * every level, `maxDepth` levels and `maxBytes` bytes as JSON. The walk stops at the first limit passed, so
 * it costs at most maxKeys steps whatever was sent.
 */
export function metadataProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'metadata must be a JSON object';
  let keys = 0;
  const walk = (node: unknown, depth: number): string | null => {
    if (typeof node !== 'object' || node === null) return null;
    if (depth > maxDepth) return `metadata may be nested at most ${maxDepth} levels deep`;
    const entries = Array.isArray(node) ? node : Object.values(node);
    if (!Array.isArray(node)) {
      keys += entries.length;
      if (keys > maxKeys) return `metadata may have at most ${maxKeys} keys (counted at every level)`;
    } else if (entries.length > maxKeys) return `metadata arrays may have at most ${maxKeys} items`;
    for (const entry of entries) {
      const problem = walk(entry, depth + 1);
      if (problem) return problem;
    }
    return null;
  };
  const shape = walk(value, 1);
  if (shape) return shape;
  if (Buffer.byteLength(JSON.stringify(value)) > maxBytes) return `metadata may be at most ${maxBytes} bytes as JSON`;
  return null;
}

/** class-validator decorator for metadataProblem. */
export function IsConversationMetadata(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isConversationMetadata',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (value: unknown) => metadataProblem(value) === null,
        defaultMessage: (args) => metadataProblem(args?.value) ?? 'metadata is invalid',
      },
    });
}
