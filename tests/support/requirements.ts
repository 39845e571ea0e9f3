import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * What a few tests need beyond a plain clone + `npm ci`. Without it those tests are skipped, never failed, and
 * say why in their name and in one console line per file, with the command that enables them.
 */
export interface Requirement {
  available: boolean;
  /** '' when available, else " [skipped: <why>; <how to enable>]" to append to a describe/test name. */
  note: string;
}

const ROOT = resolve(import.meta.dirname, '..', '..');

function requirement(available: boolean, why: string, enable: string): Requirement {
  if (available) return { available, note: '' };
  console.warn(`some tests are skipped: ${why}; ${enable}`);
  return { available, note: ` [skipped: ${why}; ${enable}]` };
}

/** The fp32 original of the shipped model (not in git: 133 MB), for the int8-vs-fp32 comparisons. */
export function fp32Model(id = 'bge-small-en-v1.5'): Requirement {
  const available = existsSync(resolve(ROOT, `.cache/models/${id}-fp32/onnx/model.onnx`));
  return requirement(available, `no fp32 model in .cache/models/${id}-fp32`, `run \`npm run fetch-model -- ${id} --fp32\` (Maven Central) to enable`);
}

/** Maven (`mvn`) and Maven Central, to fetch a model again and compare it with the vendored one. */
export function maven(): Requirement {
  let available = true;
  try {
    execFileSync('mvn', ['--version'], { stdio: 'ignore' });
  } catch {
    available = false;
  }
  return requirement(available, 'no `mvn` on the PATH', 'install Maven (and reach Maven Central) to enable');
}
