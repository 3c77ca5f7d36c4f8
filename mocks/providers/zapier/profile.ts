/** Zapier's behaviour as data (placeholder until its issue lands). */
export interface ZapierOptions {}

export const zapierDefaultOptions: ZapierOptions = {}
