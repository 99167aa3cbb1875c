/** @module notifications behind an msw handler that follows docs/api.md: the emails of each order. */
import { HttpResponse, http } from 'msw';
import type { OrderMessage } from '../lib/api.ts';
import { ADMIN_TOKEN, problem } from './fake-shop.ts';

export function createFakeNotifications(messages: readonly OrderMessage[] = []) {
  const handlers = [
    http.get('*/api/notifications/messages', ({ request }) => {
      if (request.headers.get('authorization') !== `Bearer ${ADMIN_TOKEN}`)
        return problem(401, 'Unauthorized');
      const orderId = new URL(request.url).searchParams.get('orderId');
      if (!orderId) return problem(400, 'Bad Request');
      return HttpResponse.json({ items: messages.filter((message) => message.orderId === orderId) });
    }),
  ];
  return { handlers };
}
