// Bundles src/ into dist/: app.js, app.css (Leaflet and markercluster styles
// included), index.html with cache-busting version tags, and Leaflet's images.
import * as esbuild from 'esbuild';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');

// Empty dist/ but keep the committed placeholder go:embed needs.
mkdirSync(dist, { recursive: true });
for (const name of readdirSync(dist)) {
  if (name !== '.placeholder') rmSync(join(dist, name), { recursive: true, force: true });
}

await esbuild.build({
  absWorkingDir: root,
  entryPoints: { app: 'src/main.js' },
  bundle: true,
  minify: true,
  sourcemap: 'linked',
  target: ['es2021', 'chrome90', 'firefox90', 'safari15'],
  format: 'iife',
  outdir: dist,
  // Leaflet's CSS names images/marker-icon.png and friends; keep those names
  // so Leaflet's own icon-path detection finds them.
  loader: { '.png': 'file', '.svg': 'file' },
  assetNames: 'images/[name]',
  legalComments: 'linked',
  logLevel: 'warning',
});

// Leaflet builds icon URLs itself (marker-icon-2x.png, marker-shadow.png),
// so every image it ships must be there, not only those its CSS names.
cpSync(join(root, 'node_modules/leaflet/dist/images'), join(dist, 'images'), { recursive: true });

const version = (file) =>
  createHash('sha256').update(readFileSync(join(dist, file))).digest('hex').slice(0, 12);
const html = readFileSync(join(root, 'src/index.html'), 'utf8')
  .replace('app.css', `app.css?v=${version('app.css')}`)
  .replace('app.js', `app.js?v=${version('app.js')}`);
writeFileSync(join(dist, 'index.html'), html);
console.log('built', readdirSync(dist).filter((n) => n !== '.placeholder').join(', '));
