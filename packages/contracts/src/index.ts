/** @module Stockflow's contracts: event types and data schemas, shared by functions and web. */
export * from './events.ts';
