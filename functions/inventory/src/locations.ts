/**
 * @module The configured locations (warehouses, stores): one list, stored in one document and read in
 * every group commit with the stock it allocates. The default location is always there (stock from
 * before locations lives in it); it may be renamed or reprioritised but never deactivated, so an
 * event without a location always has somewhere to go.
 */
import {
  DEFAULT_LOCATION_ID,
  type Location,
  type LocationChanges,
  type NewLocation,
} from '@stockflow/contracts';
import { type Change, knownLocations, type TransitionContext, UnknownLocationError } from './stock.ts';

/** A location with this id exists already. */
export class LocationExistsError extends Error {
  constructor(readonly locationId: string) {
    super(`Location ${locationId} exists already.`);
    this.name = 'LocationExistsError';
  }
}

/** The default location cannot be deactivated. */
export class DefaultLocationError extends Error {
  constructor() {
    super(`The default location (${DEFAULT_LOCATION_ID}) stays active.`);
    this.name = 'DefaultLocationError';
  }
}

/** Adds a location (priority 100 and active unless said otherwise). */
export function createLocation(request: NewLocation, ctx: TransitionContext): Change {
  const current = knownLocations(ctx);
  if (current.some((location) => location.id === request.id)) throw new LocationExistsError(request.id);
  const location: Location = {
    id: request.id,
    name: request.name,
    priority: request.priority ?? 100,
    active: request.active ?? true,
  };
  return { items: [], locations: [...current, location], events: [] };
}

/** Renames, reprioritises, (de)activates a location. Deactivated: no new allocations; held stock ships. */
export function updateLocation(id: string, changes: LocationChanges, ctx: TransitionContext): Change {
  const current = knownLocations(ctx);
  const location = current.find((l) => l.id === id);
  if (!location) throw new UnknownLocationError(id);
  if (id === DEFAULT_LOCATION_ID && changes.active === false) throw new DefaultLocationError();
  const changed = { ...location, ...changes };
  return { items: [], locations: current.map((l) => (l.id === id ? changed : l)), events: [] };
}
