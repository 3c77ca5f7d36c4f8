/** Bundles the `oauth-fakes` command into `outdir` (emptied first); resolves with the entry's path (`<outdir>/oauth-fakes.js`). */
export declare function bundleCli(outdir: string, options?: { entry?: string }): Promise<string>
