/**
 * @module Locations (warehouses, stores): listed in allocation order (the lowest priority number
 * first) for all staff; managers create them with an id, a name and a priority, and edit them in
 * place: renamed, reprioritised, made inactive (an inactive location is never allocated from) or
 * active again.
 */
import { A } from '@solidjs/router';
import { createSignal, For, Match, Show, Switch } from 'solid-js';
import { Field } from '../components/Field.tsx';
import { EmptyState, ErrorNotice, errorText, FormOutcome, Loading } from '../components/States.tsx';
import { can } from '../lib/admin-session.ts';
import { ApiError, createLocation, type Location, updateLocation } from '../lib/api.ts';
import { usePageTitle } from '../lib/page-title.ts';
import { useLocations } from './inventory-data.ts';

export default function LocationsAdmin() {
  usePageTitle(() => 'Locations');
  const { locations, refetch, mutate } = useLocations();
  const sorted = () => [...(locations.latest ?? [])].sort((a, b) => a.priority - b.priority);
  const replace = (next: Location) =>
    mutate((list) => (list ?? []).map((location) => (location.id === next.id ? next : location)));

  return (
    <section aria-labelledby="locations-title">
      <div class="page-head">
        <h1 id="locations-title">Locations</h1>
      </div>
      <p class="muted">
        Orders are allocated from active locations in priority order (the lowest number first), or from the
        one with the most stock, as the shop is set.
      </p>
      <Switch>
        <Match when={locations.error}>{(error) => <ErrorNotice error={error()} onRetry={refetch} />}</Match>
        <Match when={locations.loading && !locations.latest}>
          <Loading label="Loading locations…" />
        </Match>
        <Match when={sorted().length === 0}>
          <EmptyState title="No locations yet" />
        </Match>
        <Match when={sorted().length > 0}>
          <div class="table-wrap">
            <table class="table">
              <caption class="visually-hidden">Locations</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Id</th>
                  <th scope="col" class="num">
                    Priority
                  </th>
                  <th scope="col">State</th>
                  <Show when={can('manager')}>
                    <th scope="col">
                      <span class="visually-hidden">Actions</span>
                    </th>
                  </Show>
                </tr>
              </thead>
              <tbody>
                <For each={sorted()}>
                  {(location) => <LocationRow location={location} onSaved={replace} />}
                </For>
              </tbody>
            </table>
          </div>
        </Match>
      </Switch>
      <Show when={can('manager') && locations.latest}>
        <NewLocationForm
          nextPriority={(sorted().at(-1)?.priority ?? 0) + 1}
          onCreated={(created) => mutate((list) => [...(list ?? []), created])}
        />
      </Show>
    </section>
  );
}

function LocationRow(props: { location: Location; onSaved: (location: Location) => void }) {
  const [editing, setEditing] = createSignal(false);
  return (
    <Show
      when={editing()}
      fallback={
        <tr classList={{ 'row-inactive': !props.location.active }}>
          <th scope="row">
            <A href={`/admin/board?location=${encodeURIComponent(props.location.id)}`}>
              {props.location.name}
            </A>
          </th>
          <td class="mono">{props.location.id}</td>
          <td class="num">{props.location.priority}</td>
          <td>
            <span class={`badge ${props.location.active ? 'badge-in' : 'badge-out'}`}>
              {props.location.active ? 'Active' : 'Inactive'}
            </span>
          </td>
          <Show when={can('manager')}>
            <td>
              <div class="row-actions">
                <button
                  type="button"
                  class="button button-secondary button-small"
                  aria-label={`Edit ${props.location.name}`}
                  onClick={() => setEditing(true)}
                >
                  Edit
                </button>
              </div>
            </td>
          </Show>
        </tr>
      }
    >
      <tr>
        <td colSpan={5}>
          <LocationForm
            label={`Edit ${props.location.name}`}
            initial={props.location}
            submitLabel="Save"
            onCancel={() => setEditing(false)}
            onSubmit={async (values) => {
              const { name, priority, active } = values;
              const saved = await updateLocation(props.location.id, { name, priority, active });
              props.onSaved(saved);
              setEditing(false);
            }}
          />
        </td>
      </tr>
    </Show>
  );
}

function NewLocationForm(props: { nextPriority: number; onCreated: (location: Location) => void }) {
  const [created, setCreated] = createSignal<string>();
  return (
    <section class="card" aria-labelledby="new-location-title">
      <h2 id="new-location-title">New location</h2>
      <LocationForm
        label="New location"
        initial={{ id: '', name: '', priority: props.nextPriority, active: true }}
        submitLabel="Add location"
        withId
        resetAfter
        onSubmit={async (values) => {
          setCreated(undefined);
          const location = await createLocation(values);
          props.onCreated(location);
          setCreated(`Added ${location.name}.`);
        }}
      />
      <FormOutcome done={created()} />
    </section>
  );
}

type LocationValues = Pick<Location, 'id' | 'name' | 'priority' | 'active'>;

/** Location ids follow the contracts' id rule (letters, digits, `_.:-`). */
const LOCATION_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

function LocationForm(props: {
  label: string;
  initial: LocationValues;
  submitLabel: string;
  /** Asks for the id (only when creating: ids never change). */
  withId?: boolean;
  resetAfter?: boolean;
  onSubmit: (values: LocationValues) => Promise<void>;
  onCancel?: () => void;
}) {
  const [id, setId] = createSignal(props.initial.id);
  const [name, setName] = createSignal(props.initial.name);
  const [priority, setPriority] = createSignal(String(props.initial.priority));
  const [active, setActive] = createSignal(props.initial.active);
  const [errors, setErrors] = createSignal<{ id?: string; name?: string; priority?: string }>({});
  const [failure, setFailure] = createSignal<string>();
  const [saving, setSaving] = createSignal(false);

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    const found: { id?: string; name?: string; priority?: string } = {};
    const rank = Number(priority());
    if (props.withId && !LOCATION_ID.test(id().trim()))
      found.id = 'Enter an id: letters, digits and _ . : - (like north or store-12).';
    if (!name().trim()) found.name = 'Enter a name.';
    if (!priority().trim() || !Number.isInteger(rank) || rank < 0)
      found.priority = 'Enter a whole number, 0 or more.';
    setErrors(found);
    setFailure(undefined);
    if (found.id || found.name || found.priority) return;
    setSaving(true);
    try {
      await props.onSubmit({ id: id().trim(), name: name().trim(), priority: rank, active: active() });
      if (props.resetAfter) {
        setId('');
        setName('');
        setPriority(String(rank + 1));
      }
    } catch (error) {
      if (error instanceof ApiError && Object.keys(error.fieldErrors).length) {
        const { id: idError, name: nameError, priority: priorityError } = error.fieldErrors;
        setErrors({ id: idError, name: nameError, priority: priorityError });
      }
      setFailure(errorText(error));
    } finally {
      setSaving(false);
    }
  }

  return (
    <form class="form-row location-form" aria-label={props.label} onSubmit={submit} noValidate>
      <Show when={props.withId}>
        <Field label="Id" error={errors().id} class="field-id">
          {(control) => (
            <input
              {...control}
              class="input mono"
              value={id()}
              placeholder="north"
              onInput={(event) => setId(event.currentTarget.value)}
            />
          )}
        </Field>
      </Show>
      <Field label="Name" error={errors().name}>
        {(control) => (
          <input
            {...control}
            class="input"
            value={name()}
            placeholder="North warehouse"
            onInput={(event) => setName(event.currentTarget.value)}
          />
        )}
      </Field>
      <Field label="Priority" error={errors().priority} class="field-priority">
        {(control) => (
          <input
            {...control}
            class="input"
            inputmode="numeric"
            value={priority()}
            onInput={(event) => setPriority(event.currentTarget.value)}
          />
        )}
      </Field>
      <label class="checkbox">
        <input
          type="checkbox"
          checked={active()}
          onChange={(event) => setActive(event.currentTarget.checked)}
        />
        Active
      </label>
      <div class="actions">
        <button type="submit" class="button button-primary" disabled={saving()}>
          {saving() ? 'Saving…' : props.submitLabel}
        </button>
        <Show when={props.onCancel}>
          {(cancel) => (
            <button type="button" class="button button-link" onClick={() => cancel()()}>
              Cancel
            </button>
          )}
        </Show>
      </div>
      <FormOutcome failure={failure()} />
    </form>
  );
}
