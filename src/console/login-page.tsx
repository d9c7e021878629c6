import type { Notice } from './layout.tsx';
import { Layout } from './layout.tsx';

/** The login form. In development mode (no `ADMIN_TOKEN`) it asks for nothing and says so. */
export function LoginPage(props: { csrfToken: string; next: string; devMode: boolean; notice?: Notice | undefined }) {
  return (
    <Layout title="Log in" notice={props.notice}>
      <form class="login" method="post" action="/admin/login">
        <h1>Admin console</h1>
        <input type="hidden" name="_csrf" value={props.csrfToken} />
        <input type="hidden" name="next" value={props.next} />
        {props.devMode ? (
          <p class="notice dev">
            Development mode: no ADMIN_TOKEN is set, so the console opens without one. Set ADMIN_TOKEN before exposing the gateway.
          </p>
        ) : (
          <>
            <label for="token">Admin token</label>
            <input type="password" id="token" name="token" autocomplete="current-password" required autofocus />
          </>
        )}
        <button type="submit">{props.devMode ? 'Open the console' : 'Log in'}</button>
      </form>
    </Layout>
  );
}
