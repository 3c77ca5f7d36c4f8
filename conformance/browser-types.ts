/**
 * The Chromium a `--browser` run drives, as the public API names it. It is a Playwright `Browser`
 * underneath, typed opaquely so that the package's types never need playwright-core (an optional
 * dependency only the browser mode loads).
 */
declare const chromiumBrand: unique symbol

export interface ChromiumBrowser {
  /** Closes the browser and every context of it. */
  close(): Promise<void>
  readonly [chromiumBrand]: true
}
