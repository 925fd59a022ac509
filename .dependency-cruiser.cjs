/**
 * The layers of src/ and the one rule between them: a module imports only from its own layer or
 * the layers below it, and no import cycle exists anywhere. `npm run lint` checks it; a violation
 * fails with the rule's name and the offending import. ARCHITECTURE.md explains the layers.
 */
const LAYERS = [
  ['core', 'errors.ts', 'util'],
  ['data'],
  ['trial'],
  ['tfjs'],
  ['space'],
  ['strategies'],
  ['samplers', 'pruners', 'importance'],
  ['storage'],
  ['pool'],
  ['study'],
  ['report'],
  ['ui'],
  ['api'],
  ['cli'],
  ['index.ts'],
];

const path = (name) => (name.endsWith('.ts') ? `^src/${name.replace('.', '\\.')}$` : `^src/${name}/`);

const upward = LAYERS.slice(0, -1).flatMap((layer, i) =>
  layer.map((name) => ({
    name: `layers: ${name} imports only from its layer and below`,
    comment: `${name} is in layer ${i}; it must not import from ${LAYERS.slice(i + 1)
      .flat()
      .join(', ')}`,
    severity: 'error',
    from: { path: path(name) },
    to: {
      path: LAYERS.slice(i + 1)
        .flat()
        .map(path),
    },
  })),
);

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'an import cycle ties modules together so that none can change alone',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core is a leaf',
      comment: 'src/core/ holds the shared vocabulary: it imports nothing of the project',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^src/', pathNot: '^src/core/' },
    },
    ...upward,
  ],
  options: {
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
  },
};
