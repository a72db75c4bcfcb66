/**
 * Module boundaries (.dependency-cruiser.cjs) - proven both ways:
 *  - the real src + libs tree has no error-level violation (what `npm run lint:arch` checks);
 *  - fixtures/bad trips every rule, each at the file built to trip it (so a rule that silently
 *    stopped matching - a typo in a regex - fails this test);
 *  - fixtures/good (facade use, plain domain, a type-only cycle) passes.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise, type ICruiseOptions, type ICruiseResult, type IViolation } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const BAD = 'test/architecture/fixtures/bad';
const GOOD = 'test/architecture/fixtures/good';

/** Cruises `paths` (relative to the repo root) with the project config; returns every violation. */
async function depcruise(paths: string[], { withFixtures = false } = {}): Promise<IViolation[]> {
  const options: ICruiseOptions = await extractDepcruiseOptions(CONFIG);
  const tsConfigFile = join(ROOT, options.tsConfig?.fileName ?? 'tsconfig.json');
  const cruiseOptions: ICruiseOptions = { ...options, baseDir: ROOT, tsConfig: { fileName: tsConfigFile } };
  // The config keeps the fixtures out of the normal run; here they are the point.
  if (withFixtures) delete cruiseOptions.exclude;
  const { output } = await cruise(paths, cruiseOptions, {}, { tsConfig: extractTSConfig(tsConfigFile) });
  const result = (typeof output === 'string' ? JSON.parse(output) : output) as ICruiseResult;
  if (!withFixtures) {
    expect(result.modules.filter((m) => m.source.startsWith('test/architecture/fixtures/'))).toEqual([]);
  }
  return result.summary.violations;
}

/** `rule: from → to`, with npm targets shortened to the package name and fixture prefixes cut. */
function describeViolation(v: IViolation): string {
  const short = (path: string): string =>
    path
      .replace(/^.*node_modules\/(?:@types\/)?((?:@[^/]+\/)?[^/]+).*$/, 'npm:$1')
      .replace(/^test\/architecture\/fixtures\/(?:bad|good)\//, '');
  return `${v.rule.name}: ${short(v.from)} → ${short(v.to)}`;
}

const errorsOf = (violations: IViolation[]): string[] =>
  violations
    .filter((v) => v.rule.severity === 'error')
    .map(describeViolation)
    .sort();

/** One import each, in fixtures/bad/src/llm/domain/packages/<name without @, / as ->.ts: every banned family. */
const BANNED_PACKAGE_FIXTURES = [
  '@nestjs/core', '@electric-sql/pglite', 'typeorm', 'typeorm-pglite', 'bullmq', 'ioredis', 'pg', 'pg-protocol',
  'class-validator', 'class-transformer', 'reflect-metadata', 'rxjs', 'ollama', 'openai', 'fastify', '@fastify/static',
  'helmet', 'undici', 'passport', 'passport-http-bearer', 'prom-client', 'pino', 'pino-std-serializers',
  '@opentelemetry/api', '@opentelemetry/sdk-node',
];

/** Every error the bad tree must produce: rule, offending file, target. */
const BAD_TREE_ERRORS = [
  // 1. domain is plain TypeScript
  'domain-is-plain-typescript: src/conversation/domain/message.ts → npm:@nestjs/common',
  'domain-is-plain-typescript: src/conversation/domain/message.ts → src/conversation/repository/message.entity.ts',
  'domain-is-plain-typescript: src/conversation/domain/request-shape.ts → npm:express',
  'domain-uses-only-allowed-packages: src/conversation/domain/message.ts → npm:@nestjs/common',
  'domain-uses-only-allowed-packages: src/conversation/domain/request-shape.ts → npm:express',
  // 1a. each clause of the domain rule on its own: a service, a controller, a facade, a module (src and libs)
  'domain-is-plain-typescript: src/identity/domain/uses-controller.ts → src/identity/controller/user.controller.ts',
  'domain-is-plain-typescript: src/identity/domain/uses-facade.ts → src/identity/identity.facade.ts',
  'domain-is-plain-typescript: src/identity/domain/uses-lib-module.ts → libs/queue/queue.module.ts',
  'domain-is-plain-typescript: src/identity/domain/uses-module.ts → src/identity/identity.module.ts',
  'domain-is-plain-typescript: src/identity/domain/uses-service.ts → src/identity/service/user.service.ts',
  // 1b. each banned package family, by both rules (the list names it; the allow-list would catch a new one)
  ...BANNED_PACKAGE_FIXTURES.flatMap((pkg) => [
    `domain-is-plain-typescript: src/llm/domain/packages/${pkg.replace('@', '').replace('/', '-')}.ts → npm:${pkg}`,
    `domain-uses-only-allowed-packages: src/llm/domain/packages/${pkg.replace('@', '').replace('/', '-')}.ts → npm:${pkg}`,
  ]),
  // 2. contexts (and health, and top-level files) use other contexts only via facade/module
  'contexts-talk-through-facades: src/conversation/service/conversation.service.ts → src/identity/repository/user.repository.ts',
  'contexts-talk-through-facades: src/health/health.controller.ts → src/llm/service/llm.service.ts',
  'contexts-talk-through-facades: src/app.module.ts → src/identity/domain/user.ts',
  // 3. libs do not depend on the app
  'libs-do-not-depend-on-the-app: libs/errors/leaky-error.ts → src/conversation/repository/message.entity.ts',
  // 4. controllers do not touch repositories
  'controllers-do-not-touch-repositories: src/conversation/controller/conversation.controller.ts → src/conversation/repository/message.entity.ts',
  // 5. runtime cycles (reported once per cycle)
  'no-circular: src/usage/domain/counter.ts → src/usage/domain/meter.ts',
  // 6. unresolvable imports
  'not-to-unresolvable: src/usage/domain/ghost.ts → ./does-not-exist.js',
];

/** Each cruise takes a second or two; leave room on a slow CI box. */
const TIMEOUT = 60_000;

describe('module boundaries (.dependency-cruiser.cjs)', () => {
  it('the real src + libs tree has no error-level violation', async () => {
    const roots = ['src', 'libs'].filter((dir) => existsSync(join(ROOT, dir)));
    expect(errorsOf(await depcruise(roots))).toEqual([]);
  }, TIMEOUT);

  describe('fixtures/bad', () => {
    let errors: string[];
    beforeAll(async () => {
      errors = errorsOf(await depcruise([BAD], { withFixtures: true }));
    }, TIMEOUT);

    it.each(BAD_TREE_ERRORS)('reports %s', (expected) => {
      expect(errors).toContain(expected);
    });

    it('reports nothing else (the allowed imports in the bad tree stay allowed)', () => {
      // e.g. identity.facade.ts → its own domain, service → same-context repository
      expect(errors).toEqual([...BAD_TREE_ERRORS].sort());
    });
  });

  it('fixtures/good has no violation at all', async () => {
    expect((await depcruise([GOOD], { withFixtures: true })).map(describeViolation)).toEqual([]);
  }, TIMEOUT);
});
