// Bundle src/index.js into ONE minified ES module at ../tb_histdiag_plugin/static/index.js.
// Deterministic: no timestamps, no absolute paths, fixed target; same sources give the same bytes.
import * as esbuild from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import fs from 'node:fs';

const here = path.dirname(fileURLToPath(import.meta.url));
const outfile = path.join(here, '..', 'tb_histdiag_plugin', 'static', 'index.js');
const watch = process.argv.includes('--watch');

const options = {
  absWorkingDir: here,
  entryPoints: ['src/index.js'],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2020',
  minify: true,
  treeShaking: true,
  sourcemap: false,
  legalComments: 'eof',
  charset: 'utf8',
  define: { 'process.env.NODE_ENV': '"production"', __DEV__: 'false' },
  banner: { js: '// tb-histdiag frontend bundle; generated from tb_histdiag_plugin_frontend/src by `npm run build`. Do not edit.' },
  outfile,
  logLevel: 'warning',
  metafile: true,
};

if (watch) {
  const ctx = await esbuild.context({ ...options, logLevel: 'info' });
  await ctx.watch();
} else {
  const result = await esbuild.build(options);
  const size = fs.statSync(outfile).size;
  console.log('wrote ' + path.relative(process.cwd(), outfile) + ' (' + (size / 1024).toFixed(1) + ' KiB)');
  if (process.argv.includes('--analyze')) console.log(await esbuild.analyzeMetafile(result.metafile));
}
