/**
 * Module boundaries. A module (src/modules/<name>) is reached from outside only through its
 * index.ts; the platform knows nothing of modules; compatibility doors (src/compat) call module
 * services through their index.ts like everyone else.
 */
module.exports = {
  forbidden: [
    {
      name: 'module-only-through-index',
      comment: 'Import another module only through its index.ts.',
      severity: 'error',
      from: { path: '^src/modules/([^/]+)/' },
      to: { path: '^src/modules/([^/]+)/.+', pathNot: ['^src/modules/$1/', '^src/modules/[^/]+/index\\.ts$'] },
    },
    {
      name: 'outside-only-through-index',
      comment: 'Code outside src/modules reaches a module only through its index.ts.',
      severity: 'error',
      from: { path: '^(src|test|bench|faults)/', pathNot: ['^src/modules/'] },
      to: { path: '^src/modules/[^/]+/.+', pathNot: ['^src/modules/[^/]+/index\\.ts$'] },
    },
    {
      name: 'platform-knows-no-modules',
      comment: 'Technical building blocks must not depend on business modules or the composition root.',
      severity: 'error',
      from: { path: '^src/platform/' },
      to: { path: ['^src/modules/', '^src/compat/', '^src/main\\.ts$', '^src/cli\\.ts$'] },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-test-code-in-src',
      severity: 'error',
      from: { path: '^src/', pathNot: '\\.test\\.ts$' },
      to: { path: '^test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
