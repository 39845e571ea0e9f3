/**
 * The site's own library as its publisher named it (issue 17.1): `npm run publish -- --name … --description …
 * --about …` (or library.config.json) passes them to the build as VITE_LIBRARY_* variables, so the page never
 * hard-codes whose papers it ships. A plain `vite build` (no publish) gets neutral wording.
 */
export interface SiteInfo {
  /** The bundled library's name: the page heading and the picker's first entry. */
  name: string;
  /** One or two sentences under the heading; empty for none. */
  description: string;
  /** The licence or source line in the footer; empty for none. */
  about: string;
}

export const DEFAULT_LIBRARY_NAME = 'Bundled papers';

type Env = Partial<Record<'VITE_LIBRARY_NAME' | 'VITE_LIBRARY_DESCRIPTION' | 'VITE_LIBRARY_ABOUT', string>>;

export function siteInfoFrom(env: Env): SiteInfo {
  return {
    name: env.VITE_LIBRARY_NAME?.trim() || DEFAULT_LIBRARY_NAME,
    description: env.VITE_LIBRARY_DESCRIPTION?.trim() ?? '',
    about: env.VITE_LIBRARY_ABOUT?.trim() ?? '',
  };
}

export const siteInfo: SiteInfo = siteInfoFrom(import.meta.env as Env);
