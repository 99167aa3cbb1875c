/** @module The SPA's entry: the router over the routes, inside the page shell. */
import { Router } from '@solidjs/router';
import { render } from 'solid-js/web';
import { Shell } from './components/Shell.tsx';
import { warmIntl } from './lib/intl-warmup.ts';
import { routes } from './routes.tsx';
import './styles.css';

// First, so the worker loads ICU's data while the app below evaluates and renders.
void warmIntl('number');
render(() => <Router root={Shell}>{routes}</Router>, document.getElementById('app')!);
