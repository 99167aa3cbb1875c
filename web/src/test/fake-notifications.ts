/**
 * @module notifications behind an msw handler that follows docs/api.md: the emails of each order,
 * for any staff member (a `viewer` route).
 */
import { HttpResponse, http } from 'msw';
import type { OrderMessage } from '../lib/api.ts';
import { createFakeSession, type FakeSession } from './fake-session.ts';
import { problem } from './fake-shop.ts';

export function createFakeNotifications(
  messages: readonly OrderMessage[] = [],
  session: FakeSession = createFakeSession(),
) {
  const handlers = [
    http.get('*/api/notifications/messages', ({ request }) => {
      // Staff calls carry web's session cookie, which the fake session stands for.
      if (!session.allows('viewer')) return problem(401, 'Unauthorized');
      const orderId = new URL(request.url).searchParams.get('orderId');
      if (!orderId) return problem(400, 'Bad Request');
      return HttpResponse.json({ items: messages.filter((message) => message.orderId === orderId) });
    }),
  ];
  return { handlers };
}
