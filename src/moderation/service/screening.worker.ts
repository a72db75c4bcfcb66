/**
 * The content checks in a worker thread (piscina loads this file): long texts are screened here so that the
 * request's event loop keeps serving others. Built from the same files as the in-process checks.
 */
import { workerData } from 'node:worker_threads';
import { ForbiddenContent } from '../domain/forbidden-content.js';
import { screenText, type TextScreening } from '../domain/text-screening.js';
import { readForbiddenTerms } from '../repository/forbidden-terms.file.js';
import { readInjectionClassifier } from '../repository/injection-classifier.file.js';

export interface ScreeningWorkerData {
  forbiddenTermsPath: string;
  classifierPath: string;
}

const files = workerData as ScreeningWorkerData;
const forbidden = new ForbiddenContent(readForbiddenTerms(files.forbiddenTermsPath));
const classifier = readInjectionClassifier(files.classifierPath);

export default function screenAll(texts: string[]): TextScreening[] {
  return texts.map((text) => screenText(text, forbidden, classifier));
}
