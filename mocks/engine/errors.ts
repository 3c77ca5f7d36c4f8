/**
 * The one error type of the engine. Engine steps and provider routes throw it; the provider's
 * `renderError` turns it into that provider's own shape once, at the edge:
 * cal.com `{"message":"Unauthorized"}`, Doorkeeper `{"error","error_description"}` plus
 * `WWW-Authenticate`, Zapier's RFC 6749 body or its `errors` envelope.
 *
 * `code` is an RFC 6749 / RFC 6750 error code (`invalid_client`, `invalid_token`, …) or one of the
 * transport codes below; `description` is the provider's exact wording where it has one.
 */
export type ErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'access_denied'
  | 'unsupported_response_type'
  | 'server_error'
  | 'temporarily_unavailable'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'method_not_allowed'
  | 'payload_too_large'
  | 'malformed_body'
  | 'not_found'
  | 'fault'

/**
 * An error that is an answer, not a failure: thrown by a route only for the provider's renderer to
 * turn into its error body, its stack never read. V8 captures a stack trace whenever an `Error` is
 * made, walking every frame below it: ~13 µs an error answer of the standalone server (a token
 * request without `grant_type`, 103 against 90 µs of CPU, measured side by side), more than the
 * rest of the error's own work. These carry no frames (their `stack` is their first line);
 * `Error.stackTraceLimit` is as it was once made. An error of ours that is a failure (a bug, a bad
 * configuration) stays an ordinary `Error` with its stack.
 */
export class AnswerError extends Error {
  constructor(message: string) {
    const limit = Error.stackTraceLimit
    // Where the limit cannot be changed (frozen intrinsics), the error keeps its stack, and is made all the same.
    const lowered = Reflect.set(Error, 'stackTraceLimit', 0)
    try {
      super(message)
    } finally {
      if (lowered) Error.stackTraceLimit = limit
    }
  }
}

export class ProviderError extends AnswerError {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    readonly description?: string,
    /** Anything a renderer needs beyond code and description (e.g. why a token is invalid). */
    readonly detail: Readonly<Record<string, string>> = {},
  ) {
    super(description ?? code)
    this.name = 'ProviderError'
  }
}

/** Reason phrases for the statuses the fakes answer with (fault injection uses any of them). */
export function reasonPhrase(status: number): string {
  return REASONS[status] ?? (status >= 500 ? 'Server Error' : 'Error')
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
}
