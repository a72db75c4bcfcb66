import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { OllamaSimulator, type SimulatedFailure, type SimulatorOptions } from './ollama-simulator.js';

/**
 * Runs the model simulator as a standalone process (Ollama's API, and the OpenAI-compatible one under /v1):
 *   node dist/src/llm/simulator/simulator.cli.js --port 11434 [--host 127.0.0.1]
 *     [--latency-ms N] [--tokens-per-second N] [--reply-tokens N] [--fail error:503|hang|cut:3] [--api-key KEY]
 */

export interface CliConfig {
  port: number;
  host: string;
  options: SimulatorOptions;
}

const USAGE =
  'usage: simulator.cli.js [--port 11434] [--host 127.0.0.1] [--latency-ms N] ' +
  '[--tokens-per-second N] [--reply-tokens N] [--fail error:503|hang|cut:3] [--api-key KEY]';

function nonNegativeInt(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${flag} must be a non-negative integer, got "${raw}"`);
  return n;
}

export function parseFailure(raw: string): SimulatedFailure {
  const [mode, value] = raw.split(':', 2);
  if (mode === 'hang' && value === undefined) return { mode: 'hang' };
  if (mode === 'error') {
    const status = nonNegativeInt('fail error', value);
    if (status !== undefined && status >= 100 && status <= 599) return { mode: 'error', status };
  }
  if (mode === 'cut') {
    const afterTokens = nonNegativeInt('fail cut', value);
    if (afterTokens !== undefined) return { mode: 'cut', afterTokens };
  }
  throw new Error(`--fail must be error:<status>, hang or cut:<tokens>, got "${raw}"`);
}

/** Parses CLI arguments; throws with a readable message on bad input. */
export function parseCliArgs(argv: string[]): CliConfig {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      port: { type: 'string', default: '11434' },
      host: { type: 'string', default: '127.0.0.1' },
      'latency-ms': { type: 'string' },
      'tokens-per-second': { type: 'string' },
      'reply-tokens': { type: 'string' },
      fail: { type: 'string' },
      'api-key': { type: 'string' },
    },
  });
  const port = nonNegativeInt('port', values.port) ?? 11434;
  if (port > 65535) throw new Error(`--port must be at most 65535, got ${port}`);
  const options: SimulatorOptions = {
    firstTokenLatencyMs: nonNegativeInt('latency-ms', values['latency-ms']),
    tokensPerSecond: nonNegativeInt('tokens-per-second', values['tokens-per-second']),
    replyTokens: nonNegativeInt('reply-tokens', values['reply-tokens']),
    failure: values.fail === undefined ? undefined : parseFailure(values.fail),
  };
  if (values['api-key'] !== undefined) options.apiKey = values['api-key'];
  return { port, host: values.host ?? '127.0.0.1', options };
}

async function main(): Promise<void> {
  let config: CliConfig;
  try {
    config = parseCliArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  const simulator = new OllamaSimulator(config.options);
  const url = await simulator.start(config.port, config.host);
  process.stdout.write(`Ollama simulator listening on ${url} (OpenAI-compatible API at ${url}/v1)\n`);
  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    simulator.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`failed to stop simulator: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

// Only run when executed directly, so tests can import parseCliArgs.
function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return pathToFileURL(realpathSync(script)).href === import.meta.url;
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main().catch((err: unknown) => {
    process.stderr.write(`simulator failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
