/** The injection classifier's weights (config/injection-classifier.json, written by npm run train:injection), read once at start. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Provider } from '@nestjs/common';
import { InjectionClassifier } from '../domain/injection-classifier.js';

export const INJECTION_CLASSIFIER_FILE = 'config/injection-classifier.json';
const FORMATS = ['gus-injection-classifier/1', 'gus-injection-classifier/2'];

export const injectionClassifierProvider: Provider = {
  provide: InjectionClassifier,
  useFactory: () => readInjectionClassifier(resolve(INJECTION_CLASSIFIER_FILE)),
};

interface ClassifierFile {
  format: string;
  buckets: number;
  bias: number;
  /** Each stored 16-bit weight times this is the weight. */
  scale: number;
  /** Little-endian Int16 weights, base64. */
  weights: string;
  /** Format 2: the weight of an intent feature beside an n-gram (format 1 has none). */
  intentWeight?: number;
}

export function readInjectionClassifier(path: string): InjectionClassifier {
  const file = JSON.parse(readFileSync(path, 'utf8')) as Partial<ClassifierFile>;
  if (!FORMATS.includes(String(file.format))) throw new Error(`${path}: not a ${FORMATS.join(' or ')} file (format ${String(file.format)})`);
  if (typeof file.weights !== 'string' || typeof file.scale !== 'number' || typeof file.bias !== 'number' || typeof file.buckets !== 'number') {
    throw new Error(`${path}: buckets, bias, scale and weights are required`);
  }
  const bytes = Buffer.from(file.weights, 'base64');
  const stored = new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
  const weights = new Float32Array(stored.length);
  for (let i = 0; i < stored.length; i++) weights[i] = stored[i]! * file.scale;
  return new InjectionClassifier({ buckets: file.buckets, bias: file.bias, weights, intentWeight: file.intentWeight ?? 0 });
}
