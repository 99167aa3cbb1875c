/**
 * @module The document title follows the screen ("Desk Lamp · Stockflow"), so tabs, history and
 * screen readers announcing a navigation name the page.
 */
import { createEffect } from 'solid-js';

export const SITE_NAME = 'Stockflow';

export function usePageTitle(title: () => string | undefined): void {
  createEffect(() => {
    const text = title();
    document.title = text ? `${text} · ${SITE_NAME}` : SITE_NAME;
  });
}
