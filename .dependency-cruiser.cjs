// The architecture, checked on every `npm run lint`: see docs/architecture.md for the picture.
const PATTERNS = '(transaction|outbox|inbox|consumer|idempotency|lock|barrier|faults|auth|http|admission)';
const LIB = '^libs/consistency/src/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'A cycle makes two modules one: load order, tests and reading all get harder.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'platform-is-the-bottom-layer',
      severity: 'error',
      comment: 'The platform layer (config, database, Kafka client, errors) knows no pattern and no service.',
      from: { path: `${LIB}platform/` },
      to: { path: LIB, pathNot: `${LIB}platform/` },
    },
    {
      name: 'patterns-never-import-the-service-layer',
      severity: 'error',
      comment: 'Patterns sit below the service layer that composes them.',
      from: { path: `${LIB}${PATTERNS}/` },
      to: { path: `${LIB}(service/|index\\.ts$|tools\\.ts$)` },
    },
    {
      name: 'the-library-never-imports-its-own-surfaces',
      severity: 'error',
      comment: 'index.ts and tools.ts are for users; inside the library, import the file itself.',
      from: { path: LIB },
      to: { path: `${LIB}(index|tools)\\.ts$` },
    },
    {
      name: 'libs-never-import-apps',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^(apps|scripts|test|bench)/' },
    },
    {
      name: 'apps-never-import-each-other',
      severity: 'error',
      from: { path: '^apps/([^/]+)/' },
      to: { path: '^apps/', pathNot: '^apps/$1/' },
    },
    {
      name: 'apps-use-the-public-surface',
      severity: 'error',
      comment: "Services see the library through @app/consistency only; tools.ts is for scripts, tests and benchmarks.",
      from: { path: '^apps/' },
      to: { path: '^libs/[^/]+/src/', pathNot: '^libs/[^/]+/src/index\\.ts$' },
    },
    {
      name: 'tools-use-library-surfaces',
      severity: 'error',
      comment: 'Scripts, tests and benchmarks import a library through @app/<name> or @app/consistency/tools.',
      from: { path: '^(scripts|test|bench)/' },
      to: { path: '^libs/[^/]+/src/', pathNot: '^libs/[^/]+/src/(index|tools)\\.ts$' },
    },
    {
      name: 'scripts-import-only-manifests-from-apps',
      severity: 'error',
      comment: 'The manifest is what a tool may know about a service; the rest is the service’s own.',
      from: { path: '^(scripts|bench)/' },
      to: { path: '^apps/', pathNot: '^apps/[^/]+/src/[^/]+\\.manifest\\.ts$' },
    },
    {
      name: 'nothing-imports-tests',
      severity: 'error',
      comment: 'Benchmarks and scripts share what tests share through scripts/, never through test/.',
      from: { path: '^(apps|libs|scripts|bench)/' },
      to: { path: '^test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|node_modules|\\.local)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
