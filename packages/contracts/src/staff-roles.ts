/**
 * @module Staff roles, apart from any schema: the SPA's first download reads their order without
 * loading zod and every event schema (events.ts builds `StaffRole` from this list).
 */

/**
 * Staff roles, each allowed what the one before it is: `viewer` reads everything admin, `clerk` also
 * moves stock (adjustments, receiving, shipping, cancelling), `manager` also keeps the catalog and
 * prices, dead letters and replays, and staff roles.
 */
export const STAFF_ROLES = ['viewer', 'clerk', 'manager'] as const;
