/** @module The msw server every SPA test runs against: an unhandled request fails the test. */
import { setupServer } from 'msw/node';

export const server = setupServer();
