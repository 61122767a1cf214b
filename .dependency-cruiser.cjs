/** @type {import('dependency-cruiser').IConfiguration} */
// Import rules (run with `npm run lint:deps`): the domain imports no transport, Stripe code does not
// know the job queues, and no module imports itself through a cycle.
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle makes modules impossible to read, test or load in isolation: extract what both need, or pass it in (a port).',
      from: {},
      to: { circular: true },
    },
    {
      name: 'domain-imports-no-transport',
      severity: 'error',
      comment:
        'src/domain holds the use cases; GraphQL, Stripe, queues and HTTP are adapters that call it, never the other way (use a port in src/domain/ports.ts).',
      from: { path: '^src/domain/' },
      to: { path: '^src/(graphql|stripe|queues|http)/' },
    },
    {
      name: 'stripe-imports-no-queues',
      severity: 'error',
      comment: 'Stripe code enqueues through a port passed in (e.g. WebhookRouteDeps.enqueueEvent); src/queues wires it.',
      from: { path: '^src/stripe/' },
      to: { path: '^src/queues/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that resolves to no file (a typo, a package not installed).',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.json', '.d.ts'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
