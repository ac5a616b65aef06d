/**
 * The direction of the arrows in src/ (README, "How the code is laid out"): cli → pipeline → the
 * stages → capture. `npm test` runs this; an arrow that points up fails the build.
 */
const STAGES_ABOVE_TCP = '^src/(findings|model|report|pipeline|cli|index\\.ts)';
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'No import cycles anywhere.', from: {}, to: { circular: true } },
    {
      name: 'capture-imports-no-stage', severity: 'error',
      comment: 'The capture stage reads files into frames and knows nothing of what they carry.',
      from: { path: '^src/capture/' }, to: { path: '^src/', pathNot: '^src/capture/' },
    },
    {
      name: 'decode-imports-only-the-frame', severity: 'error',
      comment: 'The decoder depends on nothing but the capture stage\'s frame type.',
      from: { path: '^src/decode/' }, to: { path: '^src/', pathNot: ['^src/decode/', '^src/capture/frame\\.ts$'] },
    },
    {
      name: 'tcp-knows-nothing-above', severity: 'error',
      comment: 'TCP delivers connections and byte streams; it never knows the application, the findings or the report built from it.',
      from: { path: '^src/tcp/' }, to: { path: [STAGES_ABOVE_TCP, '^src/http/'] },
    },
    {
      name: 'application-stages-below-findings', severity: 'error',
      comment: 'An application-layer stage (http/) consumes TCP streams; it never knows the findings or the report.',
      from: { path: '^src/http/' }, to: { path: STAGES_ABOVE_TCP },
    },
    {
      name: 'findings-below-the-model', severity: 'error',
      comment: 'Findings read connection records; the report model assembles findings, not the other way round.',
      from: { path: '^src/findings/' }, to: { path: '^src/(model|report|pipeline|cli|index\\.ts)' },
    },
    {
      name: 'model-below-pipeline', severity: 'error',
      comment: 'The report model is built by the pipeline and read by renderers; it imports neither.',
      from: { path: '^src/model/' }, to: { path: '^src/(report|pipeline|cli|index\\.ts)' },
    },
    {
      name: 'report-reads-only-the-model', severity: 'error',
      comment: 'Renderers turn the model into text, JSON, HTML; they read nothing else of src/.',
      from: { path: '^src/report/' }, to: { path: '^src/', pathNot: ['^src/report/', '^src/model/'] },
    },
    {
      name: 'pipeline-below-cli', severity: 'error',
      comment: 'The pipeline is the library\'s run; the command line is a shell over it.',
      from: { path: '^src/pipeline/' }, to: { path: '^src/(cli|index\\.ts)' },
    },
    {
      name: 'nothing-imports-cli', severity: 'error',
      comment: 'The command line is the top: only its own files import it.',
      from: { path: '^src/', pathNot: '^src/cli/' }, to: { path: '^src/cli/' },
    },
    {
      name: 'src-never-imports-tests', severity: 'error',
      from: { path: '^src/' }, to: { path: '^(test|bench)/' },
    },
    {
      name: 'not-to-unresolvable', severity: 'error',
      from: {}, to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
