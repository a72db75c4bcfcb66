/**
 * Module boundaries of gus, enforced by dependency-cruiser.
 *
 *   npm run lint:arch      (depcruise src libs --config .dependency-cruiser.cjs)
 *
 * Proven by test/architecture/module-boundaries.spec.ts, which also cruises the
 * fixture trees under test/architecture/fixtures/{bad,good}. So that the same
 * rules apply there, every path regex starts with ROOT: an optional
 * "test/architecture/fixtures/(bad|good)/" prefix. (The prefix is non-capturing
 * on purpose: group $1 in the rules below must always be the bounded context.
 * It names the fixtures explicitly because dependency-cruiser rejects regexes
 * with nested quantifiers - safe-regex - so `(?:fixtures/[^/]+/)?` won't do.)
 *
 * Note on ESM imports: dependency-cruiser resolves `./x.js` to `./x.ts` by
 * itself when x.js does not exist (it is built in; its schema has no
 * enhancedResolveOptions.extensionAlias), so nothing needs configuring for it.
 */

/** Repository root, or the root of a test fixture tree. */
const ROOT = '^(?:test/architecture/fixtures/(?:bad|good)/)?';
const SRC = `${ROOT}src/`;
const LIBS = `${ROOT}libs/`;

/**
 * Framework, storage, queue, HTTP, LLM-client, logging and telemetry packages that domain code must not know
 * about (incl. their @types). Each family has a fixture in test/architecture/fixtures/bad/src/llm/domain/packages/.
 */
const INFRA_PACKAGES = [
  '@nestjs',
  '@electric-sql',
  'typeorm',
  'typeorm-pglite',
  'bullmq',
  'ioredis',
  'pg',
  'pg-[^/]+',
  'class-validator',
  'class-transformer',
  'reflect-metadata',
  'rxjs',
  'ollama',
  'openai',
  'express',
  'express-[^/]+',
  'fastify',
  '@fastify',
  'helmet',
  'undici',
  'passport',
  'passport-[^/]+',
  'prom-client',
  'pino',
  'pino-[^/]+',
  'nestjs-pino',
  '@opentelemetry',
];
/** The only packages domain code may import besides node: built-ins (plain libraries with no I/O). */
const DOMAIN_ALLOWED_PACKAGES = ['obscenity'];
// Matches the resolved path (node_modules/<pkg>/..., node_modules/@types/<pkg>/...) and,
// should a package ever be unresolvable, the bare module name.
const INFRA_PACKAGE_PATH = `(?:^|node_modules/)(?:@types/)?(?:${INFRA_PACKAGES.join('|')})(?:/|$)`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-plain-typescript',
      severity: 'error',
      comment:
        'Domain code (src/<context>/domain/) is plain TypeScript: no NestJS, ORM, queue, HTTP, LLM or ' +
        'metrics packages, and no controller/, service/, repository/, *.module.ts or *.facade.ts files. ' +
        'It may import domain files of its own context, node built-ins and plain-TS libs such as ' +
        'libs/errors/domain-error.ts. Move framework code to service/ or repository/.',
      from: { path: `${SRC}.+/domain/` },
      to: {
        path: [
          INFRA_PACKAGE_PATH,
          `${SRC}.+/(?:controller|service|repository)/`,
          `${ROOT}(?:src|libs)/.+\\.(?:module|facade)\\.ts$`,
        ],
      },
    },
    {
      name: 'domain-uses-only-allowed-packages',
      severity: 'error',
      comment:
        'Domain code imports no package outside DOMAIN_ALLOWED_PACKAGES (node: built-ins aside), so a package ' +
        'added to the project later is kept out of the domain without a change here.',
      from: { path: `${SRC}.+/domain/` },
      to: {
        dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-bundled', 'npm-no-pkg', 'npm-unknown'],
        pathNot: `(?:^|node_modules/)(?:${DOMAIN_ALLOWED_PACKAGES.join('|')})(?:/|$)`,
      },
    },
    {
      name: 'contexts-talk-through-facades',
      severity: 'error',
      comment:
        'A bounded context (src/<A>/) may use another context B only through src/<B>/<B>.facade.ts or ' +
        'src/<B>/<B>.module.ts - never its controllers, services, domain or repositories. The same holds ' +
        'for src/health/ and the top-level src/*.ts files. Export what you need from the facade.',
      // $1 = the importing context (for top-level files like src/main.ts: the file name, which
      // matches no folder, so they too may only use facades and modules).
      from: { path: `${SRC}([^/]+)(?:/|$)` },
      to: {
        path: `${SRC}[^/]+/`,
        pathNot: [`${SRC}$1/`, `${SRC}(?<ctx>[^/]+)/\\k<ctx>\\.(?:facade|module)\\.ts$`],
      },
    },
    {
      name: 'libs-do-not-depend-on-the-app',
      severity: 'error',
      comment:
        'libs/ is shared infrastructure (config, database, queue, logging, errors, tracing) and must not ' +
        'import anything from src/. Pass what a lib needs in via parameters or Nest providers instead.',
      from: { path: LIBS },
      to: { path: `${ROOT}src/` },
    },
    {
      name: 'controllers-do-not-touch-repositories',
      severity: 'error',
      comment:
        'Controllers handle HTTP only and go through a service; they must not import repositories ' +
        '(src/*/repository/) directly.',
      from: { path: `${SRC}.+/controller/` },
      to: { path: `${SRC}.+/repository/` },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'Circular runtime imports between files (ESM TDZ errors, undefined Nest providers). Cycles that ' +
        'go through at least one type-only import are erased at compile time and therefore allowed.',
      from: {},
      to: {
        circular: true,
        viaOnly: { dependencyTypesNot: ['type-only'] },
      },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'This import cannot be resolved to a file or an installed package.',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'no-orphans',
      severity: 'warn',
      comment: 'This file is neither imported nor imports anything: dead code? Remove it or wire it up.',
      from: {
        orphan: true,
        pathNot: [
          '(^|/)\\.[^/]+\\.(?:js|cjs|mjs|ts|json)$', // dot files
          '\\.d\\.ts$',
          '(^|/)tsconfig\\.json$',
          `${SRC}main\\.ts$`,
          `${LIBS}database/migrations/`,
        ],
      },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^test/architecture/fixtures/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
  },
};
