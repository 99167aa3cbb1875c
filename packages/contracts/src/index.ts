/** @module Stockflow's contracts: event types and data schemas, and the HTTP API's bodies, shared by functions and web. */
export * from './address.ts';
export * from './api.ts';
export * from './events.ts';
export * from './functions.ts';
export * from './http.ts';
export * from './stats.ts';
