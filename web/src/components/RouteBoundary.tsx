/**
 * @module Every route renders inside an error boundary (a failure shows a notice with a retry, the
 * rest of the app keeps working) and a Suspense boundary (lazy screens show a loading state).
 */
import { type Component, ErrorBoundary, Suspense } from 'solid-js';
import { ErrorNotice, Loading } from './States.tsx';

export function guarded<P extends object>(Screen: Component<P>): Component<P> {
  return function GuardedRoute(props: P) {
    return (
      <ErrorBoundary fallback={(error, reset) => <ErrorNotice error={error} onRetry={reset} />}>
        <Suspense fallback={<Loading />}>
          <Screen {...props} />
        </Suspense>
      </ErrorBoundary>
    );
  };
}
