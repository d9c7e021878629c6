/** A small HTTP client for the gateway's API, as the CLI and the demo use it. */

/** An error answered by the API (`{error: {code, message}}`), or a failure to reach it (`status` 0). */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export type ApiClient = {
  readonly baseUrl: string;
  /** Sends a request; resolves with the parsed JSON body (undefined for 204), throws `ApiError` otherwise. */
  request<T>(method: string, path: string, init?: RequestInit): Promise<T>;
  /** Like `request`, with the answer's status and headers too. */
  exchange<T>(method: string, path: string, init?: RequestInit): Promise<{ status: number; headers: Headers; body: T }>;
};

type RequestInit = { body?: unknown; headers?: Record<string, string> };

/**
 * Creates a client for `baseUrl`, sending `token` as a bearer token when given.
 * @example const api = createApiClient({ baseUrl: 'http://127.0.0.1:3000', token }); await api.request('GET', '/v1/endpoints');
 */
export function createApiClient(options: { baseUrl: string; token?: string | undefined; fetch?: typeof fetch }): ApiClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const send = options.fetch ?? fetch;
  const client: ApiClient = {
    baseUrl,
    async request<T>(method: string, path: string, init: RequestInit = {}): Promise<T> {
      return (await client.exchange<T>(method, path, init)).body;
    },
    async exchange<T>(method: string, path: string, init: RequestInit = {}) {
      const headers: Record<string, string> = { accept: 'application/json', ...init.headers };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      if (init.body !== undefined) headers['content-type'] = 'application/json';
      let response: Response;
      try {
        response = await send(`${baseUrl}${path}`, {
          method,
          headers,
          body: init.body === undefined ? undefined : JSON.stringify(init.body),
        });
      } catch (error) {
        const reason = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
        throw new ApiError(0, 'unreachable', `cannot reach the gateway at ${baseUrl}: ${reason}`, { cause: error });
      }
      const text = await response.text();
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = undefined;
      }
      if (!response.ok) {
        const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
        const code = typeof error?.code === 'string' ? error.code : `http_${response.status}`;
        const message = typeof error?.message === 'string' ? error.message : text.slice(0, 200) || response.statusText;
        throw new ApiError(response.status, code, message);
      }
      if (text && body === undefined) throw new ApiError(response.status, 'invalid_response', `the gateway answered something that is not JSON: ${text.slice(0, 200)}`);
      return { status: response.status, headers: response.headers, body: body as T };
    },
  };
  return client;
}
