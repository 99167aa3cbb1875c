/** @module The SPA's entry: the router over the routes, inside the page shell. */
import { Router } from '@solidjs/router';
import { render } from 'solid-js/web';
import { Shell } from './components/Shell.tsx';
import { routes } from './routes.tsx';
import './styles.css';

render(() => <Router root={Shell}>{routes}</Router>, document.getElementById('app')!);
