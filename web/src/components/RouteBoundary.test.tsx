import { render, screen } from '@solidjs/testing-library';
import userEvent from '@testing-library/user-event';
import { createSignal } from 'solid-js';
import { describe, expect, it } from 'vitest';
import { renderApp } from '../test/render.tsx';
import { guarded } from './RouteBoundary.tsx';

describe('route boundaries', () => {
  it('catch a screen that throws, keep the page around it, and retry', async () => {
    const [broken, setBroken] = createSignal(true);
    const Screen = guarded(() => {
      if (broken()) throw new Error('boom');
      return <p>Recovered</p>;
    });
    render(() => (
      <div>
        <p>Header stays</p>
        <Screen />
      </div>
    ));
    expect(screen.getByRole('alert')).toHaveTextContent('Something went wrong');
    expect(screen.getByText('Header stays')).toBeInTheDocument();
    setBroken(false);
    await userEvent.setup().click(screen.getByRole('button', { name: 'Try again' }));
    expect(screen.getByText('Recovered')).toBeInTheDocument();
  });

  it('answer unknown paths with a page of their own', async () => {
    renderApp('/no/such/page');
    expect(await screen.findByRole('heading', { name: 'This page does not exist' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Back to the shop' })).toHaveAttribute('href', '/');
  });
});
