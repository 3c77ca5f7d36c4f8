/** Bundles the `oauth-fakes` command into `outdir` (emptied first); resolves with the entry's path (`<outdir>/oauth-fakes.js`). */
export declare function bundleCli(outdir: string, options?: { entry?: string }): Promise<string>
/** Where a bundle may be written (a directory below `dist/` or `node_modules/.cache/` of this repository), resolved against `base` (the working directory); throws otherwise. */
export declare function bundleTarget(outdir: string, base?: string): string
