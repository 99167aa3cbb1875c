/** @module Any path the app does not know. */
import { A } from '@solidjs/router';
import { usePageTitle } from '../lib/page-title.ts';

export default function NotFound() {
  usePageTitle(() => 'Page not found');
  return (
    <div class="state state-empty">
      <h1 class="state-title">This page does not exist</h1>
      <A href="/" class="button button-primary">
        Back to the shop
      </A>
    </div>
  );
}
