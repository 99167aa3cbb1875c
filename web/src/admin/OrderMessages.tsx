/**
 * @module The emails sent to an order's shopper, on the admin order screen (notifications): what
 * each said, whether the mail server accepted it, and why not yet.
 */
import { createResource, For, Match, Show, Suspense, Switch } from 'solid-js';
import { EmptyState, ErrorNotice, Loading } from '../components/States.tsx';
import { listOrderMessages, type MessageKind, type MessageStatus } from '../lib/api.ts';
import { formatDateTime } from '../lib/time.ts';

const STATUS_LABELS: Record<MessageStatus, string> = {
  waiting: 'waiting for the order',
  pending: 'sending',
  sent: 'sent',
  failed: 'failed',
  unaddressed: 'no address',
};

/** What each kind of email is about, when it has no subject yet (waiting for the order). */
const KIND_LABELS: Record<MessageKind, string> = {
  confirmed: 'Order confirmation',
  shipped: 'Shipped',
  cancelled: 'Cancelled',
  refunded: 'Refund',
};

export function OrderMessages(props: {
  orderId: string;
  /** Changes when the order does (its `updatedAt`): the messages are read again then. */
  version: string;
}) {
  const [messages, { refetch }] = createResource(
    () => ({ orderId: props.orderId, version: props.version }),
    ({ orderId }) => listOrderMessages(orderId),
  );
  return (
    <section class="card order-messages" aria-labelledby="order-messages-title">
      <div class="page-head">
        <h2 id="order-messages-title">Emails to the shopper</h2>
        <button type="button" class="button button-link" onClick={() => void refetch()}>
          Refresh emails
        </button>
      </div>
      <Suspense fallback={<Loading label="Loading emails…" />}>
        <Switch>
          <Match when={messages.error}>{(error) => <ErrorNotice error={error()} onRetry={refetch} />}</Match>
          <Match when={messages.latest}>
            {(list) => (
              <Show
                when={list().items.length > 0}
                fallback={<EmptyState title="No emails for this order yet" />}
              >
                <table aria-label="Emails of this order">
                  <thead>
                    <tr>
                      <th scope="col">Email</th>
                      <th scope="col">Status</th>
                      <th scope="col">Attempts</th>
                      <th scope="col">Sent</th>
                    </tr>
                  </thead>
                  <tbody>
                    <For each={list().items}>
                      {(message) => (
                        <tr>
                          <td>
                            <details>
                              <summary>{message.subject ?? KIND_LABELS[message.kind]}</summary>
                              <pre class="message-text">{message.text ?? ''}</pre>
                            </details>
                          </td>
                          <td>
                            {STATUS_LABELS[message.status]}
                            <Show when={message.status !== 'sent' && message.lastError}>
                              {(error) => <div class="muted">{error()}</div>}
                            </Show>
                          </td>
                          <td>{message.attempts}</td>
                          <td>{message.sentAt ? formatDateTime(message.sentAt) : '—'}</td>
                        </tr>
                      )}
                    </For>
                  </tbody>
                </table>
              </Show>
            )}
          </Match>
          <Match when={messages.loading}>
            <Loading label="Loading emails…" />
          </Match>
        </Switch>
      </Suspense>
    </section>
  );
}
