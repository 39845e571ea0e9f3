import { describe, expect, test } from 'vitest';
import { inject } from 'vitest';
import { waitForState, withPage } from './browser.ts';
import { SITE_LIBRARY } from './global-setup.ts';
import { libraries } from './helpers.ts';

/**
 * Issue 17.1: the page shows the library its publisher named (`npm run publish -- --name … --description …
 * --about …`, here tests/e2e/global-setup.ts), not wording fixed in the app.
 */
describe('issue 17: the site shows its own library', () => {
  test('heading, description, footer line, title and the picker\'s first entry come from the publish settings', async () => {
    await withPage({}, async (page) => {
      await page.goto(inject('baseUrl'));
      await waitForState(page, 'ready');
      expect(await page.textContent('[data-testid="site-name"]')).toBe(SITE_LIBRARY.name);
      expect(await page.textContent('[data-testid="site-description"]')).toBe(SITE_LIBRARY.description);
      expect(await page.textContent('[data-testid="site-about"]')).toBe(SITE_LIBRARY.about);
      expect(await page.title()).toBe(`${SITE_LIBRARY.name} · Paper Search`);
      expect((await libraries(page))[0]).toEqual({ id: 'bundled', name: SITE_LIBRARY.name, count: 96 });
    });
  });
});
