/** A logged-in admin console session driven with fetch: cookie, CSRF token, form posts. */
export type ConsoleSession = {
  cookie: string;
  csrf: string;
  get(path: string): Promise<{ status: number; html: string; location: string | null }>;
  post(path: string, form: Record<string, string | string[]>, headers?: Record<string, string>): Promise<{ status: number; html: string; location: string | null }>;
};

/** Reads the CSRF token out of a page (every console form carries it in `_csrf`). */
export function csrfOf(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error('no _csrf field on the page');
  return match[1];
}

/** Form fields as a urlencoded body (repeated names for arrays). */
export function formBody(form: Record<string, string | string[]>): URLSearchParams {
  const body = new URLSearchParams();
  for (const [key, value] of Object.entries(form)) for (const item of Array.isArray(value) ? value : [value]) body.append(key, item);
  return body;
}

/** Logs in through the login form (as a browser would, with Origin) and returns the session. */
export async function loginToConsole(baseUrl: string, token: string | undefined): Promise<ConsoleSession> {
  const form = await fetch(`${baseUrl}/admin/login`);
  const loginCookie = form.headers.getSetCookie().find((cookie) => cookie.startsWith('whgw_console_login='))?.split(';')[0];
  if (!loginCookie) throw new Error('the login page set no login cookie');
  const response = await fetch(`${baseUrl}/admin/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: loginCookie, origin: baseUrl, 'content-type': 'application/x-www-form-urlencoded' },
    body: formBody({ _csrf: csrfOf(await form.text()), next: '/admin', ...(token === undefined ? {} : { token }) }),
  });
  const cookie = response.headers.getSetCookie().find((item) => item.startsWith('whgw_console='))?.split(';')[0];
  if (response.status !== 303 || !cookie) throw new Error(`login failed: ${response.status}`);
  const request = async (path: string, init: RequestInit) => {
    const answer = await fetch(`${baseUrl}${path}`, { redirect: 'manual', ...init, headers: { cookie, ...(init.headers as Record<string, string>) } });
    return { status: answer.status, html: await answer.text(), location: answer.headers.get('location') };
  };
  const home = await request('/admin', {});
  const session: ConsoleSession = {
    cookie,
    csrf: csrfOf(home.html),
    get: (path) => request(path, {}),
    post: (path, fields, headers = {}) =>
      request(path, {
        method: 'POST',
        headers: { origin: baseUrl, 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: formBody(fields),
      }),
  };
  return session;
}
