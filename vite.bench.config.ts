import { mergeConfig } from 'vite';
import site from './vite.config.ts';

/**
 * The production site plus the benchmark pages (`npm run build:bench`, used by `npm run bench` and the bench
 * tools). The pages are never part of the deployed site (issue 16), nor of its offline copy.
 * bench.html: driven by tools/bench.ts; bench-map.html: tools/bench-map.ts; bench-million.html: tools/bench-million.ts.
 */
export default mergeConfig(site, {
  build: { rolldownOptions: { input: { bench: 'bench.html', 'bench-map': 'bench-map.html', 'bench-million': 'bench-million.html' } } },
});
