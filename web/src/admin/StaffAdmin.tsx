/**
 * @module Staff and their roles (web's role bindings): everyone who signed in, their role, and who
 * last set it. Managers change roles here (not their own); others only read.
 */
import { createResource, createSignal, For, Show } from 'solid-js';
import { ErrorNotice, Loading } from '../components/States.tsx';
import { can, type StaffRole, staff } from '../lib/admin-session.ts';
import { listStaff, type StaffMember, setStaffRole } from '../lib/api.ts';
import { usePageTitle } from '../lib/page-title.ts';

const ROLES: StaffRole[] = ['viewer', 'clerk', 'manager'];

export default function StaffAdmin() {
  usePageTitle(() => 'Staff');
  const [members, { refetch }] = createResource(listStaff);
  return (
    <section aria-labelledby="staff-title">
      <div class="page-head">
        <h1 id="staff-title">Staff</h1>
      </div>
      <Show when={!members.error} fallback={<ErrorNotice error={members.error} />}>
        <Show when={members()} fallback={<Loading />}>
          {(page) => (
            <div class="table-wrap">
              <table class="table" aria-label="Staff and roles">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Email</th>
                    <th scope="col">Role</th>
                    <th scope="col">Role set by</th>
                  </tr>
                </thead>
                <tbody>
                  <For each={page().items}>
                    {(member) => <MemberRow member={member} onChanged={refetch} />}
                  </For>
                </tbody>
              </table>
            </div>
          )}
        </Show>
      </Show>
    </section>
  );
}

function MemberRow(props: { member: StaffMember; onChanged: () => void }) {
  const [failure, setFailure] = createSignal<unknown>();
  const editable = () => can('manager') && props.member.subject !== staff()?.subject;
  async function change(value: string) {
    setFailure(undefined);
    try {
      await setStaffRole(props.member.id, value ? (value as StaffRole) : null);
      props.onChanged();
    } catch (error) {
      setFailure(error);
    }
  }
  return (
    <tr>
      <td>{props.member.name}</td>
      <td>{props.member.email ?? '—'}</td>
      <td>
        <Show when={editable()} fallback={props.member.role ?? 'no role'}>
          <select
            class="input"
            aria-label={`Role of ${props.member.name}`}
            value={props.member.role ?? ''}
            onChange={(event) => void change(event.currentTarget.value)}
          >
            <option value="">no role</option>
            <For each={ROLES}>{(role) => <option value={role}>{role}</option>}</For>
          </select>
        </Show>
        <Show when={failure()}>{(error) => <ErrorNotice error={error()} />}</Show>
      </td>
      <td>{props.member.roleSetBy?.name ?? '—'}</td>
    </tr>
  );
}
