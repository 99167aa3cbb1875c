/** @module Any path the app does not know. */
import { A } from '@solidjs/router';

export default function NotFound() {
  return (
    <div class="state state-empty">
      <h1 class="state-title">This page does not exist</h1>
      <A href="/" class="button button-primary">
        Back to the shop
      </A>
    </div>
  );
}
